/**
 * pgHbaLines through the real CLI and a real pg_hba.conf: a PostgreSQL server whose pg_hba.conf
 * is written from the stack's output and reloaded admits Whaly's logins from the allowed range
 * only. With rotation "alternating", after a bump both the current user and the previous one
 * (which Whaly uses until it has the new credentials) log in from an allowed address; neither
 * does from another. Loopback stands for the network: 127.0.0.2 is the allowed range, 127.0.0.3
 * anywhere else.
 */
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { Client } from "pg";
import { PostgresMajor, PostgresServer, startPostgres } from "../../scripts/lib/postgresServer";
import { makeCertificates, TestCertificates } from "../harness/certificates";
import { newTestStack, TestStack } from "../harness/stack";
import { DATABASE, seedWarehouse } from "../harness/warehouse";
import { accessProgram, outputValues } from "./support/program";

jest.setTimeout(300_000);

const ALLOWED = "127.0.0.2";
const ELSEWHERE = "127.0.0.3";

/**
 * Whether `user` logs in with `password` over TLS from the local address `from`; false when
 * pg_hba.conf has no line for it. Any other failure is thrown.
 */
async function logsInFrom(server: PostgresServer, from: string, user: string, password: string): Promise<boolean> {
    const client = new Client({
        host: server.host,
        port: server.port,
        database: DATABASE,
        user,
        password,
        ssl: { rejectUnauthorized: false },
        connectionTimeoutMillis: 10_000,
        // A socket bound to `from`: the server sees the connection come from there.
        stream: () => {
            const socket = new net.Socket();
            const connect = socket.connect.bind(socket) as (options: net.TcpSocketConnectOpts) => net.Socket;
            return Object.assign(socket, { connect: (port: number, host: string) => connect({ port, host, localAddress: from }) });
        },
    });
    try {
        await client.connect();
        await client.query("SELECT 1");
        return true;
    } catch (e) {
        if (/no pg_hba.conf entry/.test((e as Error).message)) return false;
        throw e;
    } finally {
        await client.end().catch(() => undefined);
    }
}

describe.each([12, 18] as PostgresMajor[])("PostgreSQL %i: pg_hba.conf written from pgHbaLines", (major) => {
    let server: PostgresServer;
    let certs: TestCertificates;
    let t: TestStack;
    const program = (passwordVersion: number) =>
        accessProgram(server, { rotation: "alternating", passwordVersion, ipRanges: [`${ALLOWED}/32`], tableCreators: ["etl"] });

    /** Runs up at `version`, then writes pg_hba.conf from the output after the lines the admin needs, and reloads. */
    async function deploy(version: number): Promise<{ user: string; password: string; previousUser: string; lines: string[] }> {
        t.setProgram(program(version));
        await t.stack.up();
        const out = await outputValues(t.stack);
        const lines = out.pgHbaLines as string[];
        fs.writeFileSync(
            path.join(server.dataDir, "pg_hba.conf"),
            ["local all all scram-sha-256", "host all all 127.0.0.1/32 scram-sha-256", ...lines, ""].join("\n"),
        );
        await server.query("SELECT pg_reload_conf()");
        return { user: out.user as string, password: out.password as string, previousUser: out.previousUser as string, lines };
    }

    beforeAll(async () => {
        certs = makeCertificates();
        server = await startPostgres(major, { tls: certs.local });
        await seedWarehouse(server);
        t = await newTestStack(`pghba-pg${major}`, program(1));
    });
    afterAll(async () => {
        await t?.stack.destroy();
        t?.dispose();
        server?.stop();
        certs?.dispose();
    });

    it("version 1: the current user logs in from the allowed range, not from elsewhere", async () => {
        const v1 = await deploy(1);
        expect(v1.lines).toEqual([`hostssl "${DATABASE}" "whaly_bi_a" ${ALLOWED}/32 scram-sha-256`]);
        expect(await logsInFrom(server, ALLOWED, v1.user, v1.password)).toBe(true);
        expect(await logsInFrom(server, ELSEWHERE, v1.user, v1.password)).toBe(false);
    });

    it("after each bump, both the current and the previous user log in from the allowed range; neither from elsewhere", async () => {
        const issued = new Map<string, string>();
        const v1 = await outputValues(t.stack);
        issued.set(v1.user as string, v1.password as string);
        for (const version of [2, 3]) {
            const now = await deploy(version);
            issued.set(now.user, now.password);
            expect(now.previousUser).not.toBe("");
            expect(now.lines).toEqual([`hostssl "${DATABASE}" "${now.user}","${now.previousUser}" ${ALLOWED}/32 scram-sha-256`]);
            for (const user of [now.user, now.previousUser]) {
                expect([version, user, await logsInFrom(server, ALLOWED, user, issued.get(user)!)]).toEqual([version, user, true]);
                expect([version, user, await logsInFrom(server, ELSEWHERE, user, issued.get(user)!)]).toEqual([version, user, false]);
            }
        }
    });
});
