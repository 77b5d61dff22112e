/**
 * Connections as libpq makes them (psql, pg_dump, every driver built on it), for the preflight
 * and the audit alike: the same settings, environment variables, password file and TLS modes,
 * so that whatever connects psql connects here, and a failure names the setting to change.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { ConnectionOptions } from "node:tls";
import { Client } from "pg";
import { parse as parseUri } from "pg-connection-string";

/** libpq's `sslmode` values, weakest first. */
export const SSL_MODES = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"] as const;

/** What a connection is given; whatever is missing comes from the environment, as in libpq. */
export interface ConnectionSettings {
    host?: string;
    port?: number;
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
    connectTimeoutSeconds?: number;
}

/** Every setting known, and where the ones that can go wrong came from (for messages). */
export interface ResolvedSettings extends Required<Pick<ConnectionSettings, "host" | "port" | "user" | "database" | "sslMode">> {
    password?: string;
    sslRootCert?: string;
    sslCert?: string;
    sslKey?: string;
    connectTimeoutSeconds: number;
}

/** How the caller spells each setting, so that an error names the one to change. */
export interface SettingNames {
    host: string;
    sslMode: string;
    sslRootCert: string;
    password: string;
}

/** The spelling of libpq's own connection strings and environment. */
export const LIBPQ_NAMES: SettingNames = {
    host: "host (PGHOST)",
    sslMode: "sslmode (PGSSLMODE)",
    sslRootCert: "sslrootcert (PGSSLROOTCERT)",
    password: "the password (PGPASSWORD or ~/.pgpass)",
};

/** A connection string's settings: a `postgresql://` URI, or libpq's `key=value` pairs (`host=db dbname=analytics`). */
export function parseConnectionString(text: string): ConnectionSettings {
    const values: Record<string, string | undefined> = /^postgres(ql)?:\/\//.test(text) ? uriValues(text) : keywordValues(text);
    const port = values.port ? Number(values.port) : undefined;
    if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536))
        throw new Error(`port ${JSON.stringify(values.port)} in the connection string is not a TCP port`);
    return {
        host: values.host || undefined,
        port,
        user: values.user || undefined,
        password: values.password || undefined,
        database: values.dbname || values.database || undefined,
        sslMode: values.sslmode,
        sslRootCert: values.sslrootcert,
        sslCert: values.sslcert,
        sslKey: values.sslkey,
        connectTimeoutSeconds: values.connect_timeout ? Number(values.connect_timeout) : undefined,
    };
}

function uriValues(uri: string): Record<string, string | undefined> {
    // The TLS parameters are ours to read with libpq's meaning (the parser would read the files and map the modes its own way).
    const url = new URL(uri);
    const tls = Object.fromEntries(["sslmode", "sslrootcert", "sslcert", "sslkey"].map((k) => [k, url.searchParams.get(k) ?? undefined]));
    for (const k of Object.keys(tls)) url.searchParams.delete(k);
    const parsed: Record<string, unknown> = parseUri(url.toString());
    const values = Object.fromEntries(
        Object.entries(parsed)
            .filter(([k]) => k !== "ssl")
            .map(([k, v]) => [k, v === null || v === undefined ? undefined : String(v)]),
    );
    return { ...values, ...tls, dbname: values.database ?? undefined };
}

/** `key=value key='quoted value'`, with `\'` and `\\` escapes inside quotes, as libpq reads them. */
function keywordValues(text: string): Record<string, string> {
    const values: Record<string, string> = {};
    const pair = /\s*([A-Za-z_]+)\s*=\s*(?:'((?:[^'\\]|\\.)*)'|(\S*))/y;
    let match: RegExpExecArray | null;
    while ((match = pair.exec(text))) {
        values[match[1]] = match[2] !== undefined ? match[2].replace(/\\(.)/g, "$1") : match[3];
        if (pair.lastIndex >= text.trimEnd().length) return values;
    }
    if (text.trim() !== "") throw new Error("the connection string is neither a postgresql:// URI nor key=value pairs");
    return values;
}

/**
 * `given`, with what it leaves out taken where libpq takes it: the PG* environment variables,
 * then `~/.pgpass` (or PGPASSFILE) for the password, then libpq's defaults (host `localhost`,
 * port 5432, user the OS user, database the user's name), and `~/.postgresql/root.crt`,
 * `postgresql.crt` and `postgresql.key` when they exist. `sslMode` defaults to
 * `defaultSslMode` (libpq's is `prefer`).
 */
export function resolveSettings(
    given: ConnectionSettings,
    defaultSslMode: string = "prefer",
    env: NodeJS.ProcessEnv = process.env,
): ResolvedSettings {
    const home = env.HOME ?? os.homedir();
    const inHome = (file: string) => {
        const candidate = path.join(home, ".postgresql", file);
        return fs.existsSync(candidate) ? candidate : undefined;
    };
    const host = given.host ?? env.PGHOST ?? "localhost";
    const port = given.port ?? (env.PGPORT ? Number(env.PGPORT) : 5432);
    const user = given.user ?? env.PGUSER ?? os.userInfo().username;
    const database = given.database ?? env.PGDATABASE ?? user;
    const password =
        given.password ?? env.PGPASSWORD ?? passwordFromFile(env.PGPASSFILE ?? path.join(home, ".pgpass"), host, port, database, user);
    const sslRootCert = given.sslRootCert ?? env.PGSSLROOTCERT ?? inHome("root.crt");
    return {
        host,
        port,
        user,
        database,
        password,
        // The system's trust store proves only that some public CA signed the certificate: libpq then verifies the host name too.
        sslMode: given.sslMode ?? env.PGSSLMODE ?? (sslRootCert === "system" ? "verify-full" : defaultSslMode),
        sslRootCert,
        sslCert: given.sslCert ?? env.PGSSLCERT ?? inHome("postgresql.crt"),
        sslKey: given.sslKey ?? env.PGSSLKEY ?? inHome("postgresql.key"),
        connectTimeoutSeconds: given.connectTimeoutSeconds ?? (env.PGCONNECT_TIMEOUT ? Number(env.PGCONNECT_TIMEOUT) : 15),
    };
}

/**
 * The password of the first line of a libpq password file matching the connection
 * (`host:port:database:user:password`, `*` matching anything, `\:` and `\\` escaped). Like libpq,
 * a file that others may read is ignored.
 */
export function passwordFromFile(file: string, host: string, port: number, database: string, user: string): string | undefined {
    let text: string;
    try {
        if (process.platform !== "win32" && (fs.statSync(file).mode & 0o077) !== 0) return undefined;
        text = fs.readFileSync(file, "utf8");
    } catch {
        return undefined;
    }
    const wanted = [host, String(port), database, user];
    for (const line of text.split(/\r?\n/)) {
        if (line.startsWith("#") || line.trim() === "") continue;
        const parts = splitPgpassLine(line);
        if (parts.length < 5) continue;
        if (wanted.every((value, i) => parts[i] === "*" || parts[i] === value)) return parts[4];
    }
    return undefined;
}

function splitPgpassLine(line: string): string[] {
    const parts: string[] = [""];
    for (let i = 0; i < line.length; i++) {
        const c = line[i];
        if (c === "\\" && i + 1 < line.length) parts[parts.length - 1] += line[++i];
        else if (c === ":" && parts.length < 5) parts.push("");
        else parts[parts.length - 1] += c;
    }
    return parts;
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

/**
 * Opens a session as libpq would with `settings` (resolved), trying plain then TLS for `allow`
 * and TLS then plain for `prefer`. Throws a {@link ConnectionError} naming the setting to change.
 */
export async function connect(settings: ResolvedSettings, names: SettingNames = LIBPQ_NAMES): Promise<Session> {
    if (!(SSL_MODES as readonly string[]).includes(settings.sslMode))
        throw new ConnectionError(`${names.sslMode} ${JSON.stringify(settings.sslMode)} is not one of ${SSL_MODES.join(", ")}`, "other");
    const attempts: Array<ConnectionOptions | false> =
        settings.sslMode === "disable"
            ? [false]
            : settings.sslMode === "allow"
              ? [false, tlsOptions(settings, names)]
              : settings.sslMode === "prefer"
                ? [tlsOptions(settings, names), false]
                : [tlsOptions(settings, names)];
    let failure: unknown;
    for (const ssl of attempts) {
        const client = new Client({
            host: settings.host,
            port: settings.port,
            user: settings.user,
            password: settings.password,
            database: settings.database,
            ssl,
            connectionTimeoutMillis: settings.connectTimeoutSeconds * 1000,
        });
        // A server that ends the session later must not crash the process: the next query fails instead.
        client.on("error", () => undefined);
        try {
            await client.connect();
            return client;
        } catch (e) {
            failure = e;
            await client.end().catch(() => undefined);
            if (!retryable(e)) break;
        }
    }
    throw explain(failure, settings, names);
}

/** Whether the next attempt of allow / prefer may succeed where this one failed. */
function retryable(e: unknown): boolean {
    const message = (e as Error)?.message ?? "";
    return /does not support SSL|no encryption|SSL off|requires SSL|no pg_hba\.conf entry/i.test(message);
}

/** Node's TLS options for a mode that uses TLS: chain checked when a root certificate is known, host name in verify-full only. */
function tlsOptions(settings: ResolvedSettings, names: SettingNames): ConnectionOptions {
    const { sslMode, sslRootCert } = settings;
    const verifies = sslMode.startsWith("verify-");
    if (verifies && sslRootCert === undefined)
        throw new ConnectionError(
            `sslmode ${sslMode} verifies the server's certificate, and no CA was given to verify it with: ` +
                `set ${names.sslRootCert} to the server's CA bundle (a file or PEM text), or to "system" for the system's trust store, ` +
                `or use ${names.sslMode} require, which encrypts without verifying`,
            "tls",
        );
    if (sslRootCert === "system" && sslMode !== "verify-full")
        throw new ConnectionError(
            `sslrootcert system trusts any public CA, so libpq allows it only with sslmode verify-full, not ${sslMode}: set ${names.sslMode} to verify-full, or ${names.sslRootCert} to the server's own CA`,
            "tls",
        );
    const options: ConnectionOptions = {};
    // Like libpq, a client certificate file that is not there means none; one that cannot be read is an error.
    const { sslCert, sslKey } = settings;
    if (sslCert !== undefined && (sslCert.includes("-----BEGIN") || fs.existsSync(sslCert))) {
        options.cert = pemOrFile(sslCert, "sslcert", "client-certificate");
        if (sslKey !== undefined) options.key = pemOrFile(sslKey, "sslkey", "client-certificate");
    }
    // libpq checks the chain whenever it has a root certificate, even in prefer and require.
    if (sslRootCert === undefined) return { ...options, rejectUnauthorized: false };
    if (sslRootCert !== "system") options.ca = pemOrFile(sslRootCert, "sslrootcert");
    if (sslMode !== "verify-full") options.checkServerIdentity = () => undefined;
    return { ...options, rejectUnauthorized: true, servername: isIp(settings.host) ? undefined : settings.host };
}

const isIp = (host: string) => /^[\d.]+$|:/.test(host);

/** PEM text as it is, or the content of the file it names. */
export function pemOrFile(value: string, setting: string, reason: ConnectionError["reason"] = "tls"): string {
    if (value.includes("-----BEGIN")) return value;
    try {
        return fs.readFileSync(value, "utf8");
    } catch (e) {
        throw new ConnectionError(
            `${setting} ${JSON.stringify(value)} cannot be read (${(e as NodeJS.ErrnoException).code}): give a readable PEM file, or the PEM text itself`,
            reason,
        );
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
    const where = `${s.host}:${s.port}`;
    const rootCert = s.sslRootCert === "system" ? "a CA of the system's trust store" : "the CA given";
    if (code === "3D000") return new ConnectionError(`database ${s.database} does not exist on ${where}`, "database-missing");
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
    if (/no encryption/.test(message) && s.sslMode === "disable")
        return new ConnectionError(
            `the server at ${where} accepts this user only over TLS (pg_hba.conf hostssl), and sslmode disable sent none: set ${names.sslMode} to require or stronger`,
            "tls",
        );
    if (["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ETIMEDOUT", "ENETUNREACH"].includes(code) || /timeout/i.test(message))
        return new ConnectionError(
            `${where} cannot be reached (${code || message}): check ${names.host} and the port, and that the server runs`,
            "unreachable",
        );
    return new ConnectionError(message, "other");
}
