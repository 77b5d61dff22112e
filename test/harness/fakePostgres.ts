/**
 * A hostile server standing as Whaly's host on loopback: it speaks just enough of PostgreSQL's
 * protocol to get a client to send a password (it answers the TLS request, presents the
 * certificate it is given, then asks for the password in cleartext, as MD5, or through SCRAM), and
 * records every byte it receives, so that a test can say what of the password reached it.
 */
import { createHash } from "node:crypto";
import * as net from "node:net";
import * as tls from "node:tls";

/** How the fake server asks for the password once the client has sent its startup message. */
export type PasswordRequest = "cleartext" | "md5" | "scram";

/** The salt the fake server gives with an MD5 request, so that a test can compute the hash a client would send. */
export const MD5_SALT = Buffer.from([0x5a, 0x17, 0xc3, 0x02]);

/** One client's connection, as the fake server saw it. */
export interface FakeSession {
    /** The bytes before any TLS: the TLS request, or (when the server offers none) everything. */
    plain: Buffer[];
    /** The TLS handshake completed (the client accepted the certificate). */
    handshake: boolean;
    /** The bytes received over TLS after the handshake, decrypted. */
    secure: Buffer[];
    /** The password request was sent. */
    asked: boolean;
    /** With `scram`: the mechanism the client chose. */
    mechanism?: string;
    /** The client closed the connection (the server never closes it first, but after a SCRAM answer). */
    closedByClient: boolean;
    closed: boolean;
}

export interface FakePostgres {
    port: number;
    sessions: FakeSession[];
    /** Every byte any client sent, before TLS and after the handshake alike. */
    received(): Buffer;
    /** Waits until every session so far is closed. */
    settled(): Promise<void>;
    close(): Promise<void>;
}

export interface FakeOptions {
    /** The certificate and key it presents; without them it answers the TLS request with no (`N`). */
    tls?: { cert: string; key: string };
    ask: PasswordRequest;
}

const SSL_REQUEST = 80877103;

/** A backend message: its type, its length (itself included), its body. */
function message(type: string, body: Buffer): Buffer {
    const length = Buffer.alloc(4);
    length.writeInt32BE(body.length + 4);
    return Buffer.concat([Buffer.from(type), length, body]);
}

const int32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeInt32BE(n);
    return b;
};

const REQUESTS: Record<PasswordRequest, Buffer> = {
    cleartext: message("R", int32(3)),
    md5: message("R", Buffer.concat([int32(5), MD5_SALT])),
    scram: message("R", Buffer.concat([int32(10), Buffer.from("SCRAM-SHA-256-PLUS\0SCRAM-SHA-256\0\0")])),
};

const AUTHENTICATION_FAILED = message("E", Buffer.from('SFATAL\0VFATAL\0C28P01\0Mpassword authentication failed for user "postgres"\0\0'));

/** Starts the fake server on a free loopback port. */
export async function startFakePostgres(options: FakeOptions): Promise<FakePostgres> {
    const sessions: FakeSession[] = [];
    const closing: Array<Promise<void>> = [];
    const server = net.createServer((socket) => {
        const session: FakeSession = { plain: [], handshake: false, secure: [], asked: false, closedByClient: false, closed: false };
        sessions.push(session);
        let endedByServer = false;
        closing.push(
            new Promise((resolve) =>
                socket.once("close", () => {
                    session.closed = true;
                    session.closedByClient = !endedByServer;
                    resolve();
                }),
            ),
        );
        socket.on("error", () => undefined);
        /** Reads the startup message, asks for the password, and answers a SCRAM first message with a failure. */
        const speak = (stream: net.Socket | tls.TLSSocket, record: Buffer[], already: Buffer = Buffer.alloc(0)) => {
            let pending = already;
            const onData = (chunk: Buffer) => {
                pending = Buffer.concat([pending, chunk]);
                if (!session.asked) {
                    if (pending.length < 4 || pending.length < pending.readInt32BE(0)) return;
                    pending = pending.subarray(pending.readInt32BE(0));
                    session.asked = true;
                    stream.write(REQUESTS[options.ask]);
                }
                // SASLInitialResponse: 'p', its length, the mechanism's name.
                if (options.ask === "scram" && session.mechanism === undefined && pending.length > 5 && pending[0] === 0x70) {
                    session.mechanism = pending.subarray(5, pending.indexOf(0, 5)).toString();
                    endedByServer = true;
                    stream.end(AUTHENTICATION_FAILED);
                }
            };
            stream.on("data", (chunk: Buffer) => {
                record.push(chunk);
                onData(chunk);
            });
            if (already.length > 0) onData(Buffer.alloc(0));
        };
        socket.once("data", (first: Buffer) => {
            session.plain.push(first);
            if (first.length < 8 || first.readInt32BE(4) !== SSL_REQUEST) return speak(socket, session.plain, first);
            if (!options.tls) {
                socket.write("N");
                return speak(socket, session.plain);
            }
            socket.write("S");
            const secure = new tls.TLSSocket(socket, { isServer: true, cert: options.tls.cert, key: options.tls.key });
            secure.on("error", () => undefined);
            secure.once("secure", () => {
                session.handshake = true;
                speak(secure, session.secure);
            });
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
        port: (server.address() as net.AddressInfo).port,
        sessions,
        received: () => Buffer.concat(sessions.flatMap((s) => [...s.plain, ...s.secure])),
        settled: async () => {
            await Promise.all(closing);
        },
        close: () => new Promise((resolve) => server.close(() => resolve())),
    };
}

/** Every form of `password` a client could send: as it is, and hashed as MD5 authentication hashes it (with {@link MD5_SALT}). */
export function passwordForms(password: string, user: string): string[] {
    const md5 = (data: Buffer | string) => createHash("md5").update(data).digest("hex");
    const inner = md5(password + user);
    return [password, inner, `md5${md5(Buffer.concat([Buffer.from(inner), MD5_SALT]))}`];
}
