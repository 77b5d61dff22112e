/**
 * Connections as libpq makes them (psql, pg_dump, every driver built on it), for the preflight
 * and the audit alike: the same settings, environment variables, password file and TLS modes,
 * so that whatever connects psql connects here, and a failure names the setting to change.
 * test/servers/libpqDifferential.test.ts runs psql beside this module over every setting given,
 * empty or left out, and holds them to the same outcome.
 */
import { X509Certificate, createPrivateKey } from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import type { ConnectionOptions } from "node:tls";
import { Client } from "pg";
import { LIBPQ_DEFAULT_VALUES, parseConninfo, UNSUPPORTED_VARIABLES } from "./conninfo";

/** libpq's `sslmode` values, weakest first. */
export const SSL_MODES = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"] as const;

/**
 * What a connection is given; whatever is left out comes from the environment, as in libpq. An
 * empty string is a value given empty: libpq then takes its default, as if nothing were given,
 * without looking at the environment (see {@link resolveSettings}).
 */
export interface ConnectionSettings {
    /** A host name, an IP address, or a Unix socket's directory. */
    host?: string;
    port?: number | string;
    user?: string;
    password?: string;
    database?: string;
    /** One of {@link SSL_MODES}. */
    sslMode?: string;
    /** The CA certificates the server's certificate must chain to: a file path, PEM text, or `system` (the trust store). */
    sslRootCert?: string;
    /** Client certificate, a file path or PEM text. */
    sslCert?: string;
    /** Key of the client certificate, a file path or PEM text. */
    sslKey?: string;
    /** The password file (libpq's `passfile`). */
    passFile?: string;
    connectTimeoutSeconds?: number | string;
}

/** Every setting as libpq would use it. The certificate settings name the file libpq would read (which may not exist), PEM text, or `system`. */
export interface ResolvedSettings {
    /** A host name, an IP address, or (starting with `/`) a Unix socket's directory. */
    host: string;
    port: number;
    user: string;
    database: string;
    password?: string;
    sslMode: string;
    sslRootCert: string;
    sslCert: string;
    sslKey: string;
    /** 0: no limit. */
    connectTimeoutSeconds: number;
    /** Settings libpq refuses before it connects (a port or timeout that is not a number). */
    refused: Array<{ setting: "port" | "connectTimeout"; value: string; why: string }>;
    /**
     * libpq's environment variables that are set and whose settings this package does not
     * implement (conninfo.ts, UNSUPPORTED_VARIABLES; PGGSSENCMODE when it requires GSSAPI
     * encryption): {@link connect} refuses to connect while one is. Absent when there are none.
     */
    unsupportedVariables?: string[];
    /**
     * The password goes into a SCRAM exchange only, which never reveals it: a server asking for it
     * in cleartext or as an MD5 hash fails the connection before any of it is written, and SCRAM is
     * bound to the TLS channel where the server offers it (SCRAM-SHA-256-PLUS). As libpq's
     * `require_auth=scram-sha-256` with `channel_binding=prefer`, but that a server asking for no
     * password is let in. Unset: whatever the server asks for, as libpq by default.
     */
    scramOnly?: boolean;
}

/** How the caller spells each setting, so that an error names the one to change. */
export interface SettingNames {
    host: string;
    port: string;
    sslMode: string;
    sslRootCert: string;
    sslCert: string;
    sslKey: string;
    password: string;
    connectTimeout: string;
}

/** The spelling of libpq's own connection strings and environment. */
export const LIBPQ_NAMES: SettingNames = {
    host: "host (PGHOST)",
    port: "port (PGPORT)",
    sslMode: "sslmode (PGSSLMODE)",
    sslRootCert: "sslrootcert (PGSSLROOTCERT)",
    sslCert: "sslcert (PGSSLCERT)",
    sslKey: "sslkey (PGSSLKEY)",
    password: "the password (PGPASSWORD or ~/.pgpass)",
    connectTimeout: "connect_timeout (PGCONNECT_TIMEOUT)",
};

/** A connection string's settings: a `postgresql://` URI, or libpq's `key=value` pairs (`host=db dbname=analytics`). */
export function parseConnectionString(text: string): ConnectionSettings {
    const v = parseConninfo(text);
    return {
        host: v.host,
        port: v.port,
        user: v.user,
        password: v.password,
        database: v.dbname,
        passFile: v.passfile,
        sslMode: v.sslmode,
        sslRootCert: v.sslrootcert,
        sslCert: v.sslcert,
        sslKey: v.sslkey,
        connectTimeoutSeconds: v.connect_timeout,
    };
}

/**
 * `given`, with what it leaves out taken where libpq takes it (fe-connect.c, conninfo_add_defaults
 * and pqConnectOptions2): the PG* environment variables, then libpq's defaults. A value given or
 * set empty (`PGSSLROOTCERT=""`, `host=''`) counts as set, so the environment is not read, and then
 * means the default: the Unix socket directory for the host, 5432, the OS user, the user's name for
 * the database, the password file for the password, `~/.pgpass` for the password file,
 * `~/.postgresql/root.crt`, `postgresql.crt` and `postgresql.key` for the certificates. Two refuse
 * an empty value, as libpq does: `sslmode` (checked by {@link connect}) and `connect_timeout`.
 * `sslMode` defaults to `defaultSslMode` (libpq's is `prefer`), `verify-full` with
 * `sslRootCert: "system"`; the connect timeout to 15 s (libpq waits as long as the OS does).
 */
export function resolveSettings(
    given: ConnectionSettings,
    defaultSslMode: string = "prefer",
    env: NodeJS.ProcessEnv = process.env,
): ResolvedSettings {
    const home = env.HOME || os.userInfo().homedir;
    const refused: ResolvedSettings["refused"] = [];
    const text = (value: string | number | undefined, variable: string) => (value === undefined ? env[variable] : String(value));
    const orDefault = (value: string | undefined, fallback: () => string) => (value === undefined || value === "" ? fallback() : value);

    const host = orDefault(text(given.host, "PGHOST"), defaultHost);
    const portText = text(given.port, "PGPORT");
    let port = 5432;
    if (portText !== undefined && portText !== "") {
        port = integer(portText) ?? NaN;
        if (!(port >= 1 && port <= 65535)) refused.push({ setting: "port", value: portText, why: "is not a TCP port (1 to 65535)" });
    }
    const user = orDefault(text(given.user, "PGUSER"), () => os.userInfo().username);
    const database = orDefault(text(given.database, "PGDATABASE"), () => user);
    const passFile = orDefault(text(given.passFile, "PGPASSFILE"), () => path.join(home, ".pgpass"));
    const password =
        orDefault(text(given.password, "PGPASSWORD"), () => "") ||
        passwordFromFile(passFile, pgpassHost(host), portText || "5432", database, user);
    const inHome = (file: string) => () => path.join(home, ".postgresql", file);
    const sslRootCert = orDefault(text(given.sslRootCert, "PGSSLROOTCERT"), inHome("root.crt"));
    const timeoutText = text(given.connectTimeoutSeconds, "PGCONNECT_TIMEOUT");
    const timeout = timeoutText === undefined ? 15 : integer(timeoutText);
    if (timeout === undefined)
        refused.push({ setting: "connectTimeout", value: timeoutText!, why: "is not a whole number of seconds (0 for no limit)" });
    // Set empty, libpq takes its default for them: as if unset.
    const unsupportedVariables = Object.keys(UNSUPPORTED_VARIABLES).filter(
        (variable) => env[variable] && env[variable] !== LIBPQ_DEFAULT_VALUES[variable],
    );
    // GSSAPI encryption, which the package does not implement, is optional unless required.
    if (env.PGGSSENCMODE === "require") unsupportedVariables.push("PGGSSENCMODE");
    return {
        host,
        port,
        user,
        database,
        password,
        // The system's trust store proves only that some public CA signed the certificate: libpq then verifies the host name too.
        sslMode: text(given.sslMode, "PGSSLMODE") ?? (sslRootCert === "system" ? "verify-full" : defaultSslMode),
        sslRootCert,
        sslCert: orDefault(text(given.sslCert, "PGSSLCERT"), inHome("postgresql.crt")),
        sslKey: orDefault(text(given.sslKey, "PGSSLKEY"), inHome("postgresql.key")),
        // libpq waits at least 2 s, and not at all for 0 or less.
        connectTimeoutSeconds: timeout === undefined || timeout <= 0 ? 0 : Math.max(timeout, 2),
        refused,
        ...(unsupportedVariables.length > 0 ? { unsupportedVariables } : {}),
    };
}

/** A whole number as libpq's strtol reads one (blanks around it allowed), or undefined. */
function integer(value: string): number | undefined {
    return /^\s*[+-]?\d+\s*$/.test(value) ? Number(value) : undefined;
}

/**
 * libpq's default host: on Unix, the socket directory it was built with (/var/run/postgresql in
 * Debian's, Ubuntu's and Red Hat's packages, /tmp in PostgreSQL's own build and Homebrew's): the
 * first of them that exists here; on Windows, localhost.
 */
function defaultHost(): string {
    if (process.platform === "win32") return "localhost";
    return fs.existsSync("/var/run/postgresql") ? "/var/run/postgresql" : "/tmp";
}

const isSocket = (host: string) => host.startsWith("/");

/** The host a password file's lines are matched with: `localhost` for the default socket directory, as in libpq. */
const pgpassHost = (host: string) => (isSocket(host) && host === defaultHost() ? "localhost" : host);

/**
 * The password of the first line of a libpq password file that matches the connection, as libpq's
 * passwordFromFile reads it: `host:port:database:user:password`, a field of `*` alone matching
 * anything, `\` escaping the next character, the password ending at the first unescaped `:`; lines
 * starting with `#` skipped; a file that is not a plain file, or that group or others may read,
 * ignored. The `pgpass` module that `pg` ships reads differently: it skips lines shorter than 11
 * characters and lines with an empty field (libpq takes an empty password, and fails), keeps the
 * rest of the line in the password, unescapes only `\:` and `\\`, and never reads the file when
 * PGPASSWORD is set, even empty; test/unit/libpq.test.ts shows each difference.
 */
export function passwordFromFile(file: string, host: string, port: string, database: string, user: string): string | undefined {
    let text: string;
    try {
        const stat = fs.statSync(file);
        if (!stat.isFile() || (process.platform !== "win32" && (stat.mode & 0o077) !== 0)) return undefined;
        text = fs.readFileSync(file, "utf8");
    } catch {
        return undefined;
    }
    for (const line of text.split("\n").map((l) => l.replace(/[\r\n]+$/, ""))) {
        if (line === "" || line.startsWith("#")) continue;
        let rest: string | undefined = line;
        for (const wanted of [host, port, database, user]) rest = rest === undefined ? undefined : matchField(rest, wanted);
        if (rest === undefined) continue;
        let password = "";
        for (let i = 0; i < rest.length && rest[i] !== ":"; i++) password += rest[i] === "\\" && i + 1 < rest.length ? rest[++i] : rest[i];
        return password;
    }
    return undefined;
}

/** The rest of `line` after its first field when that field matches `wanted` (libpq's pwdfMatchesString), else undefined. */
function matchField(line: string, wanted: string): string | undefined {
    if (line.startsWith("*:")) return line.slice(2);
    let field = "";
    for (let i = 0; i < line.length; i++) {
        if (line[i] === "\\" && i + 1 < line.length) field += line[++i];
        else if (line[i] === ":") return field === wanted ? line.slice(i + 1) : undefined;
        else field += line[i];
    }
    return undefined;
}

/** A session open on the server: what the package needs of the driver's client (no driver types in the package's API). */
export interface Session {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the rows hold what the SQL selects
    query<R = any>(sql: string, params?: unknown[]): Promise<{ rows: R[] }>;
    end(): Promise<void>;
}

/** A failed connection, its message naming what to change; never holds the password. */
export class ConnectionError extends Error {
    constructor(
        message: string,
        /** Why it failed, for callers that treat some failures differently. */
        readonly reason: "database-missing" | "unreachable" | "authentication" | "tls" | "client-certificate" | "other",
    ) {
        super(message);
        this.name = "ConnectionError";
    }
}

/** A certificate or key setting as errors show it: a file's path, never PEM text (a private key, for a key). */
function shownFile(value: string): string {
    return value.includes("-----BEGIN") ? "(PEM text: not shown)" : JSON.stringify(value);
}

/**
 * Why a connection is refused while libpq variables it does not implement are set: their names
 * and keywords, never their values (PGSERVICE may name anything, PGREQUIREPEER a user).
 */
function unsupportedMessage(variables: string[]): string {
    const all = (words: string[]) => (words.length === 1 ? words[0] : `${words.slice(0, -1).join(", ")} and ${words[words.length - 1]}`);
    const keywords = variables.map((v) => (v === "PGGSSENCMODE" ? "GSSAPI encryption (gssencmode)" : UNSUPPORTED_VARIABLES[v]));
    const one = variables.length === 1;
    const set = variables.map((v) => (v === "PGGSSENCMODE" ? "PGGSSENCMODE (requiring GSSAPI encryption)" : v));
    return (
        `${all(set)} ${one ? "is" : "are"} set, and this package does not implement libpq's ${all(keywords)} setting${one ? "" : "s"}, with which psql may connect elsewhere or refuse where this package would not: ` +
        `unset ${one ? "it" : "them"} (or set ${one ? "it" : "them"} empty)` +
        (variables.includes("PGSERVICE")
            ? ", and give the service's host, port, database and user directly (PGHOST, PGPORT, PGDATABASE, PGUSER)"
            : "")
    );
}

/** A setting's value that libpq refuses, described, never shown: it may be anything, a password pasted in the wrong place among others. */
function notShown(value: string): string {
    return `(${value.length} character${value.length === 1 ? "" : "s"}: not shown)`;
}

/**
 * Opens a session as libpq would with `settings` (resolved): plain then TLS for `allow`, TLS then
 * plain for `prefer` (after any failure of the first attempt but an unreachable server), TLS only
 * from `require` up, and never TLS over a Unix socket. Throws a {@link ConnectionError} naming the
 * setting to change.
 */
export async function connect(settings: ResolvedSettings, names: SettingNames = LIBPQ_NAMES): Promise<Session> {
    if (settings.unsupportedVariables) throw new ConnectionError(unsupportedMessage(settings.unsupportedVariables), "other");
    for (const { setting, value, why } of settings.refused)
        throw new ConnectionError(`${names[setting]} ${notShown(value)} ${why}: set it to one, or leave it unset`, "other");
    const mode = settings.sslMode;
    if (!(SSL_MODES as readonly string[]).includes(mode))
        throw new ConnectionError(
            `${names.sslMode} ${notShown(mode)} is not one of ${SSL_MODES.join(", ")}: set one, or leave it unset for the default`,
            "other",
        );
    if (settings.sslRootCert === "system" && mode !== "verify-full")
        throw new ConnectionError(
            `sslrootcert system trusts any public CA, so libpq allows it only with sslmode verify-full, not ${mode}: set ${names.sslMode} to verify-full, or ${names.sslRootCert} to the server's own CA`,
            "tls",
        );
    const order: Array<"plain" | "tls"> =
        mode === "disable" || isSocket(settings.host)
            ? ["plain"]
            : mode === "allow"
              ? ["plain", "tls"]
              : mode === "prefer"
                ? ["tls", "plain"]
                : ["tls"];
    const failures: unknown[] = [];
    for (const kind of order) {
        try {
            return await attempt(settings, kind === "tls" ? await tlsFor(settings, names) : false);
        } catch (e) {
            failures.push(e);
            if (reason(e) === "unreachable") break;
        }
    }
    throw explain(telling(failures), settings, names);
}

async function attempt(settings: ResolvedSettings, ssl: ConnectionOptions | false): Promise<Session> {
    const client = new Client({
        host: settings.host,
        port: settings.port,
        user: settings.user,
        // A function, so that the driver reads neither PGPASSWORD nor the password file itself (it would read process.env).
        password: async () => settings.password as string,
        database: settings.database,
        ssl,
        connectionTimeoutMillis: settings.connectTimeoutSeconds * 1000,
        enableChannelBinding: settings.scramOnly === true,
    });
    if (settings.scramOnly) refuseCleartextAndMd5(client, `${settings.host}:${settings.port}`);
    // A server that ends the session later must not crash the process: the next query fails instead.
    client.on("error", () => undefined);
    try {
        await client.connect();
        return client;
    } catch (e) {
        await client.end().catch(() => undefined);
        throw e;
    }
}

/** The methods with which `pg`'s Client answers a request for the password in cleartext and as an MD5 hash. */
const PASSWORD_ANSWERS = { _handleAuthCleartextPassword: "in cleartext", _handleAuthMD5Password: "as an MD5 hash" } as const;

/**
 * Makes `client` fail, writing nothing, when the server asks for the password in cleartext or as
 * an MD5 hash. `pg` has no option for it: its Client answers each request in a method of its own
 * (PASSWORD_ANSWERS), bound to the connection's events when it connects, so an own property of the
 * same name set before then answers instead. A `pg` without those methods fails the connection
 * rather than send the password; test/servers/whalyHost.test.ts fails if one stops calling them.
 */
function refuseCleartextAndMd5(client: Client, where: string): void {
    const connection = (client as unknown as { connection: { emit(event: "error", error: Error): void } }).connection;
    for (const [method, how] of Object.entries(PASSWORD_ANSWERS)) {
        const refusal = new ConnectionError(
            `${where} asks for the password ${how}, which this connection gives only in a SCRAM exchange, where it is never revealed: ` +
                `have the server ask for scram-sha-256 in pg_hba.conf, with the role's password stored as SCRAM (password_encryption = scram-sha-256)`,
            "authentication",
        );
        if (typeof (Client.prototype as unknown as Record<string, unknown>)[method] !== "function")
            throw new ConnectionError(
                `this version of pg has no ${method}, so a request for the password ${how} cannot be refused`,
                "other",
            );
        // The driver's way to fail a connection (as its own SASL handlers do): the client ends it.
        Object.assign(client, { [method]: () => connection.emit("error", refusal) });
    }
}

/** The failure to report of several attempts: not the one a server gave for lacking (or not offering) TLS when another says more. */
function telling(failures: unknown[]): unknown {
    const aboutTls = (e: unknown) => /no encryption|does not support SSL/.test((e as Error)?.message ?? "");
    return failures.find((e) => !aboutTls(e)) ?? failures[0];
}

const reason = (e: unknown) =>
    e instanceof ConnectionError
        ? e.reason
        : ["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ETIMEDOUT", "ENETUNREACH", "ENOENT"].includes(
                (e as NodeJS.ErrnoException)?.code ?? "",
            ) || /timeout/i.test((e as Error)?.message ?? "")
          ? "unreachable"
          : "other";

/**
 * The TLS options of an attempt. libpq reads its certificate files only once the server has
 * agreed to TLS, so a problem with one shows only then: when the server offers no TLS, the
 * attempt fails as libpq's does, for that (and `prefer` goes on without TLS either way).
 */
async function tlsFor(settings: ResolvedSettings, names: SettingNames): Promise<ConnectionOptions> {
    try {
        return tlsOptions(settings, names);
    } catch (problem) {
        if (settings.sslMode !== "prefer" && !(await offersTls(settings))) throw new Error("The server does not support SSL connections");
        throw problem;
    }
}

/** Whether the server answers a TLS request (SSLRequest) with yes. */
function offersTls(settings: ResolvedSettings): Promise<boolean> {
    return new Promise((resolve, reject) => {
        const socket = net.connect(settings.port, settings.host, () => socket.write(Buffer.from([0, 0, 0, 8, 4, 210, 22, 47])));
        socket.setTimeout((settings.connectTimeoutSeconds || 15) * 1000, () => socket.destroy(new Error("timeout")));
        socket.once("data", (reply) => {
            socket.destroy();
            resolve(reply[0] === 0x53);
        });
        socket.once("error", reject);
    });
}

/**
 * Node's TLS options for an attempt over TLS, from the certificate files as libpq's
 * initialize_SSL reads them: the chain checked whenever a root certificate exists (even in
 * `prefer` and `require`), the host name in `verify-full` only; a client certificate sent when its
 * file exists, its key then required and private to its owner.
 */
function tlsOptions(settings: ResolvedSettings, names: SettingNames): ConnectionOptions {
    const { sslMode, sslRootCert, host } = settings;
    const root = sslRootCert === "system" ? "system" : readPem(sslRootCert, names.sslRootCert, "tls", "CERTIFICATE");
    if (root === undefined && sslMode.startsWith("verify-"))
        throw new ConnectionError(
            `sslmode ${sslMode} verifies the server's certificate, and no CA was given to verify it with (no file at ${sslRootCert}): ` +
                `set ${names.sslRootCert} to the server's CA bundle (a PEM file), or to "system" for the system's trust store, ` +
                `or use ${names.sslMode} require, which encrypts without verifying`,
            "tls",
        );
    const options: ConnectionOptions = {};
    const cert = readPem(settings.sslCert, names.sslCert, "client-certificate", "CERTIFICATE");
    if (cert !== undefined) {
        options.cert = cert;
        options.key = readKey(settings.sslKey, names);
        if (!keyMatches(cert, options.key))
            throw new ConnectionError(
                `the client certificate (${names.sslCert}) does not match its key (${names.sslKey} ${shownFile(settings.sslKey)}): give the key of that certificate`,
                "client-certificate",
            );
    }
    if (root === undefined) return { ...options, rejectUnauthorized: false };
    if (root !== "system") options.ca = root;
    if (sslMode !== "verify-full") options.checkServerIdentity = () => undefined;
    return { ...options, rejectUnauthorized: true, servername: net.isIP(host) ? undefined : host };
}

function keyMatches(cert: string, key: string): boolean {
    try {
        return new X509Certificate(cert).checkPrivateKey(createPrivateKey(key));
    } catch {
        return false;
    }
}

/**
 * PEM text as it is; or the PEM in the file `value` names, undefined when there is no such file;
 * an error naming `setting` when the file cannot be read or holds no PEM `kind`.
 */
function readPem(value: string, setting: string, reason: ConnectionError["reason"], kind: string): string | undefined {
    if (value.includes("-----BEGIN")) return value;
    let text: string;
    try {
        text = fs.readFileSync(value, "utf8");
    } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "ENOENT" || code === "ENOTDIR") return undefined;
        throw new ConnectionError(`${setting} ${JSON.stringify(value)} cannot be read (${code}): give a readable PEM file`, reason);
    }
    if (!text.includes(`-----BEGIN ${kind}`))
        throw new ConnectionError(`${setting} ${JSON.stringify(value)} holds no PEM ${kind.toLowerCase()}: give a PEM file`, reason);
    return text;
}

/** The client certificate's key, which libpq requires once it has the certificate, in a file private to its owner (or root's, readable by its group). */
function readKey(value: string, names: SettingNames): string {
    const problem = (what: string) => new ConnectionError(`${names.sslKey} ${shownFile(value)} ${what}`, "client-certificate");
    if (value.includes("-----BEGIN")) return value;
    let stat: fs.Stats;
    try {
        stat = fs.statSync(value);
    } catch (e) {
        throw problem(
            (e as NodeJS.ErrnoException).code === "ENOENT"
                ? `does not exist, and the client certificate (${names.sslCert}) needs its key: give the key's file, or no certificate`
                : `cannot be read (${(e as NodeJS.ErrnoException).code})`,
        );
    }
    if (!stat.isFile()) throw problem("is not a file: give the key's file");
    if (process.platform !== "win32" && (stat.mode & (stat.uid === 0 ? 0o037 : 0o077)) !== 0)
        throw problem(`may be read by group or others (mode ${(stat.mode & 0o777).toString(8)}), which libpq refuses: chmod 600 it`);
    try {
        return fs.readFileSync(value, "utf8");
    } catch (e) {
        throw problem(`cannot be read (${(e as NodeJS.ErrnoException).code})`);
    }
}

const UNTRUSTED = new Set([
    "DEPTH_ZERO_SELF_SIGNED_CERT",
    "SELF_SIGNED_CERT_IN_CHAIN",
    "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
    "UNABLE_TO_GET_ISSUER_CERT",
    "CERT_UNTRUSTED",
]);

/** The driver's error, as a sentence naming the setting to change. */
function explain(e: unknown, s: ResolvedSettings, names: SettingNames): ConnectionError {
    if (e instanceof ConnectionError) return e;
    const error = e as NodeJS.ErrnoException & { code?: string; reason?: string };
    const code = error?.code ?? "";
    const message = error?.message ?? String(e);
    const where = isSocket(s.host) ? `the Unix socket ${s.host}/.s.PGSQL.${s.port}` : `${s.host}:${s.port}`;
    const rootCert = s.sslRootCert === "system" ? "a CA of the system's trust store" : "the CA given";
    if (code === "3D000") return new ConnectionError(`database ${s.database} does not exist on ${where}`, "database-missing");
    if (s.password === undefined && /SASL|password must be a string|password authentication failed|no password supplied/.test(message))
        return new ConnectionError(
            `${where} asks user ${s.user} for a password, and none was given: set ${names.password}`,
            "authentication",
        );
    if (code === "28P01" || /password authentication failed|no password supplied|SASL/.test(message))
        return new ConnectionError(`${message}: check the user and ${names.password}`, "authentication");
    if (UNTRUSTED.has(code))
        return new ConnectionError(
            `sslmode ${s.sslMode}: the server's certificate is not signed by ${rootCert} (${message}): ` +
                `set ${names.sslRootCert} to the server's CA bundle, or use ${names.sslMode} require, which encrypts without verifying`,
            "tls",
        );
    if (code === "ERR_TLS_CERT_ALTNAME_INVALID")
        return new ConnectionError(
            `sslmode verify-full: the server's certificate does not name host ${s.host} (it names ${(error as { cert?: { subjectaltname?: string } }).cert?.subjectaltname ?? "other hosts"}): ` +
                `connect by a name the certificate holds (${names.host}), or use ${names.sslMode} verify-ca, which checks the CA only`,
            "tls",
        );
    if (code === "CERT_HAS_EXPIRED" || code === "CERT_NOT_YET_VALID")
        return new ConnectionError(
            `sslmode ${s.sslMode}: the server's certificate is not valid now (${message}): renew it on the server`,
            "tls",
        );
    if (/does not support SSL/.test(message))
        return new ConnectionError(
            `sslmode ${s.sslMode} requires TLS, and the server at ${where} does not offer it: enable ssl on the server, or set ${names.sslMode} to prefer or disable`,
            "tls",
        );
    if (/no encryption/.test(message))
        return new ConnectionError(
            `the server at ${where} accepts this user only over TLS (pg_hba.conf hostssl), and sslmode ${s.sslMode} sent none: set ${names.sslMode} to require or stronger`,
            "tls",
        );
    if (reason(e) === "unreachable")
        return new ConnectionError(
            `${where} cannot be reached (${code || message}): check ${names.host} and ${names.port}, and that the server runs`,
            "unreachable",
        );
    return new ConnectionError(message, "other");
}
