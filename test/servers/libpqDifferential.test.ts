/**
 * The package connects where psql connects, to the same server, and fails where psql fails,
 * naming the setting: libpq's own psql and the package's connections (the audit's, and the
 * preflight's from `admin` and from stack config) run side by side over a matrix of settings:
 * each PG* variable set, empty or unset; connection strings as key=value pairs and URIs, values
 * given or empty; the password file present, absent, readable by others, and the lines libpq
 * reads its own way; every sslmode with the CA right, absent, wrong or named but missing, the
 * certificate naming the host or not, against a server without TLS, one with TLS and one that
 * accepts TLS only; a Unix socket's directory as the host. Each case has its own HOME (its
 * ~/.pgpass and ~/.postgresql). The servers are reached at an address of 127/8 other than
 * 127.0.0.1, where a relay on port 5432 stands for libpq's default port: a case that falls back
 * to 5432 is seen to, and none reaches a server of this machine's own (a resolved port 5432
 * anywhere else fails the case before anything connects).
 */
import { execFile, execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { AUDIT_SETTING_NAMES, auditSettings } from "../../audit/audit";
import { connect, ResolvedSettings, SettingNames } from "../../components/connect/libpq";
import { ADMIN_NAMES, fromAdmin, fromProviderConfig, STACK_CONFIG_NAMES, stackConfigAsTerraform } from "../../components/server/location";
import { NEWEST_MAJOR, PostgresServer, startPostgres } from "../../scripts/lib/postgresServer";
import { startTcpProxy, TcpProxy } from "../../scripts/lib/tcpProxy";
import { makeCertificates, TestCertificates } from "../harness/certificates";

jest.setTimeout(120_000);

/** libpq's psql itself: on Debian, /usr/bin/psql is pg_wrapper, which points an unset PGHOST and PGPORT at a local cluster. */
const PSQL = (() => {
    try {
        const bin = path.join(execFileSync("pg_config", ["--bindir"], { encoding: "utf8" }).trim(), "psql");
        if (fs.existsSync(bin)) return bin;
    } catch {
        // No pg_config: the psql on PATH.
    }
    return "psql";
})();

const PASSWORD = "differ-Pass-0123";
/** Roles on every server, with their passwords: the cases' user, and two whose password-file lines libpq reads its own way. */
const ROLES: Record<string, string> = { differ: PASSWORD, u: "pw", colon: "pass" };
const DATABASE = "postgres";

/** What a case is run against, known once the servers run. */
interface World {
    /** The address of 127/8 the servers are reached at, with port 5432 relayed to the `tls` server. */
    fallback: string;
    port: { plain: string; tls: string; tlsOnly: string };
    /** The directory of the TLS server's Unix socket. */
    socket: string;
    ca: string;
    otherCa: string;
    cert: string;
    key: string;
}

type Env = Record<string, string | undefined>;
interface Spec {
    /** The PG* variables; `{home}` stands for the case's HOME. */
    env: Env;
    /** psql's argument and the audit's connection string; `{home}` as in env. */
    conninfo?: string;
    /** Files in the case's HOME, by path relative to it (mode 600 unless said). */
    files?: Record<string, { text: string; mode?: number } | undefined>;
    /** Where `admin` points the preflight: the host and user the case means. */
    admin: { host: string; username: string };
}
interface Case {
    name: string;
    /** The package's connections held to psql in this case. */
    paths: PathName[];
    /** What a failure must name. */
    names: RegExp;
    spec(w: World): Spec;
}

type PathName = "audit" | "admin" | "stack config";
type Outcome = { ok: true; port: string } | { ok: false; message: string };

const kv = (values: Record<string, string | undefined>) =>
    Object.entries(values)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${k}='${v!.replace(/['\\]/g, "\\$&")}'`)
        .join(" ");

/**
 * For each path, the package's settings from the case and the psql that stands for it: the audit
 * is psql with the same connection string; the preflight from `admin` is psql given admin's host
 * and user and the component's database; from stack config, psql given the database and the
 * provider's default user (postgres, where PGUSER is unset or empty). Both preflights default to
 * sslmode require (the provider's driver encrypts unless told), psql to prefer: psql is given
 * require where PGSSLMODE is unset.
 */
function paths(
    spec: Spec,
    env: Record<string, string>,
): Record<PathName, { settings: () => ResolvedSettings; names: SettingNames; psql?: string }> {
    const sslmode = env.PGSSLMODE === undefined ? "require" : undefined;
    return {
        audit: { settings: () => auditSettings({ connectionString: spec.conninfo }, env), names: AUDIT_SETTING_NAMES, psql: spec.conninfo },
        admin: {
            settings: () => fromAdmin(DATABASE, spec.admin, env).settings!,
            names: ADMIN_NAMES,
            psql: kv({ host: spec.admin.host, user: spec.admin.username, dbname: DATABASE, sslmode }),
        },
        "stack config": {
            settings: () =>
                fromProviderConfig(
                    DATABASE,
                    stackConfigAsTerraform(new pulumi.Config("postgresql"), undefined, env),
                    "stack config",
                    STACK_CONFIG_NAMES,
                    env,
                ).settings!,
            names: STACK_CONFIG_NAMES,
            psql: kv({ dbname: DATABASE, user: env.PGUSER ? undefined : "postgres", sslmode }),
        },
    };
}

function psql(conninfo: string | undefined, env: Record<string, string>): Promise<Outcome> {
    const args = ["-X", "-w", "-A", "-t", "-c", "SELECT current_setting('port')", ...(conninfo === undefined ? [] : [conninfo])];
    return new Promise((resolve) =>
        execFile(PSQL, args, { env: { ...env, PATH: process.env.PATH, LC_ALL: "C" }, timeout: 60_000 }, (error, stdout, stderr) =>
            resolve(error ? { ok: false, message: stderr.trim() || error.message } : { ok: true, port: stdout.trim() }),
        ),
    );
}

async function viaPackage(settings: () => ResolvedSettings, names: SettingNames, fallback: string): Promise<Outcome> {
    let resolved: ResolvedSettings;
    try {
        resolved = settings();
    } catch (e) {
        return { ok: false, message: (e as Error).message };
    }
    if (resolved.port === 5432 && resolved.host !== fallback)
        throw new Error(
            `the case would reach ${resolved.host}:5432, where this machine's own server may listen: a case that may fall back to 5432 must use ${fallback}`,
        );
    try {
        const session = await connect(resolved, names);
        try {
            const { rows } = await session.query("SELECT current_setting('port') AS port");
            return { ok: true, port: rows[0].port };
        } finally {
            await session.end();
        }
    } catch (e) {
        return { ok: false, message: (e as Error).message };
    }
}

const verdict = (o: Outcome) => (o.ok ? `connects to the server on port ${o.port}` : "fails");

// ---- The matrix ----

const ALL_PATHS: PathName[] = ["audit", "admin", "stack config"];
const noPgpass = (env: Env) => ({ ...env, PGPASSWORD: undefined });

/** The plain server, everything set: the context of the variables that are not about TLS. Its host may fall back: port explicit. */
const plainContext = (w: World): Env => ({
    PGHOST: w.fallback,
    PGPORT: w.port.plain,
    PGUSER: "differ",
    PGPASSWORD: PASSWORD,
    PGDATABASE: DATABASE,
    PGCONNECT_TIMEOUT: "10",
    PGSSLMODE: "prefer",
});
/** The TLS server by a name its certificate holds, verified, with a client certificate. */
const tlsContext = (w: World): Env => ({
    PGHOST: "localhost",
    PGPORT: w.port.tls,
    PGUSER: "differ",
    PGPASSWORD: PASSWORD,
    PGDATABASE: DATABASE,
    PGCONNECT_TIMEOUT: "10",
    PGSSLMODE: "verify-full",
    PGSSLROOTCERT: w.ca,
    PGSSLCERT: w.cert,
    PGSSLKEY: w.key,
});

type Files = NonNullable<Spec["files"]>;
interface Variable {
    variable: string;
    names: RegExp;
    context: (w: World) => Env;
    /** The value it has when set (the context's own unless said). */
    set?: (w: World) => string;
    /** A value libpq refuses, where there is one to try. */
    invalid?: string;
    /** Variants of HOME, by name. */
    homes?: Record<string, (w: World) => Files>;
}

const VARIABLES: Variable[] = [
    { variable: "PGHOST", names: /host/i, context: plainContext },
    // Empty or unset, the port is 5432: the relay there leads to the TLS server.
    { variable: "PGPORT", names: /port/i, context: plainContext, invalid: "54x" },
    { variable: "PGUSER", names: /user/i, context: plainContext },
    { variable: "PGPASSWORD", names: /password/i, context: plainContext },
    { variable: "PGDATABASE", names: /database/i, context: plainContext },
    {
        variable: "PGPASSFILE",
        names: /password/i,
        context: (w) => noPgpass(plainContext(w)),
        set: () => "{home}/elsewhere.pgpass",
        homes: {
            "no ~/.pgpass": () => ({ "elsewhere.pgpass": { text: `*:*:*:differ:${PASSWORD}\n` } }),
            "~/.pgpass present": () => ({
                "elsewhere.pgpass": { text: `*:*:*:differ:${PASSWORD}\n` },
                ".pgpass": { text: `*:*:*:differ:${PASSWORD}\n` },
            }),
        },
    },
    { variable: "PGCONNECT_TIMEOUT", names: /connect_?timeout/i, context: plainContext, invalid: "ten" },
    { variable: "PGSSLMODE", names: /sslmode/i, context: tlsContext, invalid: "verify" },
    ...["verify-ca", "require"].map((mode): Variable => ({
        variable: "PGSSLROOTCERT",
        names: /sslrootcert/i,
        context: (w) => ({ ...tlsContext(w), PGSSLMODE: mode }),
        homes: {
            [`sslmode ${mode}, no ~/.postgresql/root.crt`]: () => ({}),
            [`sslmode ${mode}, ~/.postgresql/root.crt the CA`]: (w) => ({
                ".postgresql/root.crt": { text: fs.readFileSync(w.ca, "utf8") },
            }),
            [`sslmode ${mode}, ~/.postgresql/root.crt another CA`]: (w) => ({
                ".postgresql/root.crt": { text: fs.readFileSync(w.otherCa, "utf8") },
            }),
        },
    })),
    {
        variable: "PGSSLCERT",
        names: /sslcert|clientcert/i,
        context: (w) => ({ ...tlsContext(w), PGSSLMODE: "require" }),
        homes: {
            "no ~/.postgresql/postgresql.crt": () => ({}),
            "~/.postgresql/postgresql.crt not a certificate": () => ({ ".postgresql/postgresql.crt": { text: "not a certificate\n" } }),
        },
    },
    {
        variable: "PGSSLKEY",
        names: /sslkey|key/i,
        context: (w) => ({ ...tlsContext(w), PGSSLMODE: "require" }),
        homes: {
            "no ~/.postgresql/postgresql.key": () => ({}),
            "~/.postgresql/postgresql.key the key": (w) => ({ ".postgresql/postgresql.key": { text: fs.readFileSync(w.key, "utf8") } }),
            "~/.postgresql/postgresql.key readable by others": (w) => ({
                ".postgresql/postgresql.key": { text: fs.readFileSync(w.key, "utf8"), mode: 0o644 },
            }),
        },
    },
];

function variableCases(): Case[] {
    return VARIABLES.flatMap((v) =>
        Object.entries(v.homes ?? { "": () => ({}) }).flatMap(([home, files]) => {
            const values: Array<[string, (w: World) => string | undefined]> = [
                ["set", (w) => (v.set ? v.set(w) : v.context(w)[v.variable])],
                ["empty", () => ""],
                ["unset", () => undefined],
                ...(v.invalid ? [[`set to ${JSON.stringify(v.invalid)}`, () => v.invalid] as [string, () => string]] : []),
            ];
            return values.map(([how, value]): Case => ({
                name: `${v.variable} ${how}${home ? `, ${home}` : ""}`,
                paths: ALL_PATHS,
                names: v.names,
                spec: (w) => {
                    const context = v.context(w);
                    return {
                        env: { ...context, [v.variable]: value(w) },
                        files: files(w),
                        admin: { host: context.PGHOST!, username: context.PGUSER! },
                    };
                },
            }));
        }),
    );
}

/** The password file, PGPASSWORD unset unless said: present, absent, readable by others, and lines libpq reads its own way. */
function passwordFileCases(): Case[] {
    const lines: Array<[string, (w: World) => string, { mode?: number; user?: string; env?: Env }?]> = [
        ["absent", () => ""],
        ["a line for the host and port", (w) => `${w.fallback}:${w.port.plain}:${DATABASE}:differ:${PASSWORD}\n`],
        [
            "PGPASSWORD set empty, a line for the host and port",
            (w) => `${w.fallback}:${w.port.plain}:*:differ:${PASSWORD}\n`,
            { env: { PGPASSWORD: "" } },
        ],
        ["readable by its group", () => `*:*:*:differ:${PASSWORD}\n`, { mode: 0o640 }],
        ["readable by others", () => `*:*:*:differ:${PASSWORD}\n`, { mode: 0o644 }],
        ["a comment, then wildcards", () => `# the warehouse\n*:*:${DATABASE}:differ:${PASSWORD}\n`],
        ["the first matching line wins", () => `*:*:*:differ:wrong\n*:*:*:differ:${PASSWORD}\n`],
        ["a line for another host only", () => `elsewhere.test:*:*:differ:${PASSWORD}\n`],
        ["an empty password first", () => `*:*:*:differ:\n*:*:*:differ:${PASSWORD}\n`],
        ["CRLF line ends", () => `*:*:*:differ:${PASSWORD}\r\n`],
        ["a backslash before a plain character", () => `*:*:*:differ:${PASSWORD.replace("-", "\\-")}\n`],
        ["a line shorter than 11 characters", () => "*:*:*:u:pw\n", { user: "u" }],
        ["an unescaped colon in the password", () => "*:*:*:colon:pass:word\n", { user: "colon" }],
    ];
    return lines.map(([name, text, options = {}]): Case => ({
        name: `~/.pgpass ${name}`,
        paths: ALL_PATHS,
        names: /password/i,
        spec: (w) => {
            const user = options.user ?? "differ";
            return {
                env: { ...noPgpass(plainContext(w)), PGUSER: user, ...options.env },
                files: text(w) ? { ".pgpass": { text: text(w), mode: options.mode } } : {},
                admin: { host: w.fallback, username: user },
            };
        },
    }));
}

/**
 * Each setting in a connection string, given or empty, its variable set to the context's value: an
 * empty key=value or URI query parameter is a value (the variable is not read), an empty part of
 * a URI's address or path is not given (the variable is).
 */
function connectionStringCases(): Case[] {
    const settings: Array<{ keyword: string; variable: string; context: (w: World) => Env; names: RegExp }> = [
        { keyword: "host", variable: "PGHOST", context: plainContext, names: /host/i },
        { keyword: "port", variable: "PGPORT", context: plainContext, names: /port/i },
        { keyword: "user", variable: "PGUSER", context: plainContext, names: /user/i },
        { keyword: "password", variable: "PGPASSWORD", context: plainContext, names: /password/i },
        { keyword: "dbname", variable: "PGDATABASE", context: plainContext, names: /database/i },
        { keyword: "connect_timeout", variable: "PGCONNECT_TIMEOUT", context: plainContext, names: /connect_?timeout/i },
        {
            keyword: "passfile",
            variable: "PGPASSFILE",
            context: (w) => ({ ...noPgpass(plainContext(w)), PGPASSFILE: "{home}/elsewhere.pgpass" }),
            names: /password/i,
        },
        { keyword: "sslmode", variable: "PGSSLMODE", context: tlsContext, names: /sslmode/i },
        {
            keyword: "sslrootcert",
            variable: "PGSSLROOTCERT",
            context: (w) => ({ ...tlsContext(w), PGSSLMODE: "verify-ca" }),
            names: /sslrootcert/i,
        },
        // The key left to its default: a certificate read from the variable would need it.
        {
            keyword: "sslcert",
            variable: "PGSSLCERT",
            context: (w) => ({ ...tlsContext(w), PGSSLMODE: "require", PGSSLKEY: undefined }),
            names: /sslcert|key/i,
        },
        { keyword: "sslkey", variable: "PGSSLKEY", context: (w) => ({ ...tlsContext(w), PGSSLMODE: "require" }), names: /sslkey/i },
    ];
    const files = () => ({ "elsewhere.pgpass": { text: `*:*:*:differ:${PASSWORD}\n` } });
    const cases: Case[] = [];
    for (const { keyword, variable, context, names } of settings)
        for (const [form, make] of [
            ["key=value", (value: string) => `${keyword}='${value}'`],
            ["URI query parameter", (value: string) => `postgresql://?${keyword}=${uriEncode(value)}`],
        ] as const)
            for (const given of ["given", "empty"] as const)
                cases.push({
                    name: `${keyword} ${given} as a ${form}, ${variable} set`,
                    paths: ["audit"],
                    names,
                    spec: (w) => {
                        const env = context(w);
                        const value = env[variable]!;
                        return { env, conninfo: make(given === "given" ? value : ""), files: files(), admin: { host: "", username: "" } };
                    },
                });
    // The URI's own parts: user, password, host, port and database.
    const parts = (w: World) => ({ user: "differ", password: PASSWORD, host: w.fallback, port: w.port.plain, dbname: DATABASE });
    const uri = (p: ReturnType<typeof parts>) => `postgresql://${p.user}:${encodeURIComponent(p.password)}@${p.host}:${p.port}/${p.dbname}`;
    for (const part of ["user", "password", "host", "port", "dbname"] as const)
        for (const given of ["given", "empty"] as const)
            cases.push({
                name: `${part} ${given} in the URI's ${part === "dbname" ? "path" : "address"}, its variable set`,
                paths: ["audit"],
                names: /./,
                spec: (w) => ({
                    env: plainContext(w),
                    conninfo: uri({ ...parts(w), ...(given === "empty" ? { [part]: "" } : {}) }),
                    admin: { host: "", username: "" },
                }),
            });
    return cases;
}

const SSL_MODES = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"];
const CA = ["the CA", "no CA", "another CA", "a CA file that does not exist"] as const;

/** Every sslmode × CA × the certificate naming the host or not × a server without TLS, with TLS, with TLS only. */
function tlsCases(): Case[] {
    const cases: Case[] = [];
    for (const server of ["plain", "tls", "tlsOnly"] as const)
        for (const matching of [true, false])
            for (const ca of CA)
                for (const mode of SSL_MODES)
                    for (const form of ["variables", "URI"] as const)
                        cases.push({
                            name: `${{ plain: "no TLS", tls: "TLS", tlsOnly: "TLS only" }[server]}, host ${matching ? "named" : "not named"} by the certificate, ${ca}, sslmode ${mode}, as ${form}`,
                            paths: form === "URI" ? ["audit"] : ["audit", "admin"],
                            names: /sslmode|sslrootcert|host/i,
                            spec: (w) => {
                                const host = matching ? "localhost" : w.fallback;
                                const rootCert = {
                                    "the CA": w.ca,
                                    "no CA": undefined,
                                    "another CA": w.otherCa,
                                    "a CA file that does not exist": "{home}/missing.crt",
                                }[ca];
                                const tls = { PGSSLMODE: mode, PGSSLROOTCERT: rootCert };
                                const login = { PGUSER: "differ", PGPASSWORD: PASSWORD, PGDATABASE: DATABASE, PGCONNECT_TIMEOUT: "10" };
                                const port = w.port[server];
                                if (form === "variables")
                                    return { env: { PGHOST: host, PGPORT: port, ...login, ...tls }, admin: { host, username: "differ" } };
                                const query = kvQuery({ sslmode: mode, sslrootcert: rootCert });
                                return {
                                    env: {},
                                    conninfo: `postgresql://differ:${encodeURIComponent(PASSWORD)}@${host}:${port}/${DATABASE}?connect_timeout=10&${query}`,
                                    admin: { host, username: "differ" },
                                };
                            },
                        });
    return cases;
}

/** Percent-encoded, `{home}` kept for the case to expand. */
const uriEncode = (value: string) => encodeURIComponent(value).replace(/%7Bhome%7D/g, "{home}");
const kvQuery = (values: Record<string, string | undefined>) =>
    Object.entries(values)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${k}=${uriEncode(v!)}`)
        .join("&");

/** A Unix socket's directory as the host: libpq never uses TLS there, whatever the sslmode. */
function socketCases(): Case[] {
    return ["disable", "require", "verify-full"].flatMap((mode) =>
        (["variables", "key=value"] as const).map((form): Case => ({
            name: `the TLS server's Unix socket directory as the host, sslmode ${mode}, as ${form}`,
            paths: form === "variables" ? ALL_PATHS : ["audit"],
            names: /host|sslmode/i,
            spec: (w) => {
                const env = { ...tlsContext(w), PGSSLMODE: mode, PGSSLROOTCERT: undefined, PGHOST: w.socket };
                return form === "variables"
                    ? { env, admin: { host: w.socket, username: "differ" } }
                    : { env: { ...env, PGHOST: w.fallback }, conninfo: `host='${w.socket}'`, admin: { host: "", username: "" } };
            },
        })),
    );
}

const CASES = [...variableCases(), ...passwordFileCases(), ...connectionStringCases(), ...tlsCases(), ...socketCases()];
const RUNS = CASES.flatMap((c) => c.paths.map((p) => ({ ...c, path: p, title: `${p}: ${c.name}` })));

describe(`psql and the package side by side, on PostgreSQL ${NEWEST_MAJOR} (${RUNS.length} comparisons of ${CASES.length} cases)`, () => {
    let certs: TestCertificates;
    let servers: PostgresServer[] = [];
    const relays: TcpProxy[] = [];
    let world: World;

    beforeAll(async () => {
        certs = makeCertificates();
        const [plain, tls, tlsOnly] = await Promise.all([
            startPostgres(NEWEST_MAJOR),
            startPostgres(NEWEST_MAJOR, { tls: certs.local }),
            startPostgres(NEWEST_MAJOR, { tls: certs.local, tlsOnly: true }),
        ]);
        servers = [plain, tls, tlsOnly];
        for (const server of servers)
            await server.query(
                Object.entries(ROLES)
                    .map(([role, password]) => `CREATE ROLE ${role} LOGIN PASSWORD '${password}'`)
                    .join(";\n"),
            );
        const fallback = await relayEverything({ plain, tls, tlsOnly }, (r) => relays.push(r));
        world = {
            fallback,
            port: { plain: String(plain.port), tls: String(tls.port), tlsOnly: String(tlsOnly.port) },
            socket: path.dirname(tls.dataDir),
            ca: certs.caFile,
            otherCa: certs.otherCaFile,
            cert: certs.client.certFile,
            key: certs.client.keyFile,
        };
    });
    afterAll(async () => {
        for (const relay of relays) await relay.close();
        for (const server of servers) server.stop();
        certs?.dispose();
    });

    it("covers every PG* variable, both connection string forms, the password file, and every sslmode", () => {
        for (const variable of [
            "PGHOST",
            "PGPORT",
            "PGUSER",
            "PGPASSWORD",
            "PGDATABASE",
            "PGSSLMODE",
            "PGSSLROOTCERT",
            "PGSSLCERT",
            "PGSSLKEY",
            "PGPASSFILE",
            "PGCONNECT_TIMEOUT",
        ])
            for (const how of ["set", "empty", "unset"]) expect(CASES.some((c) => c.name.startsWith(`${variable} ${how}`))).toBe(true);
        for (const mode of SSL_MODES)
            expect(CASES.filter((c) => c.name.includes("by the certificate") && c.name.includes(`sslmode ${mode}, as`))).toHaveLength(
                3 * 2 * CA.length * 2,
            );
    });

    it.each(RUNS)("$title", async (run) => {
        const home = fs.mkdtempSync(path.join(os.tmpdir(), "whaly-home-"));
        try {
            const spec = run.spec(world);
            const expand = (text: string) => text.replace(/\{home\}/g, home);
            for (const [file, content] of Object.entries(spec.files ?? {})) {
                if (!content) continue;
                fs.mkdirSync(path.dirname(path.join(home, file)), { recursive: true });
                fs.writeFileSync(path.join(home, file), content.text);
                fs.chmodSync(path.join(home, file), content.mode ?? 0o600);
            }
            const env: Record<string, string> = { HOME: home };
            for (const [name, value] of Object.entries(spec.env)) if (value !== undefined) env[name] = expand(value);
            const expanded = { ...spec, conninfo: spec.conninfo && expand(spec.conninfo) };
            const { settings, names, psql: conninfo } = paths(expanded, env)[run.path];
            const [byPsql, byPackage] = [await psql(conninfo, env), await viaPackage(settings, names, world.fallback)];
            expect({
                outcome: verdict(byPackage),
                psql: byPsql.ok ? "" : byPsql.message,
                package: byPackage.ok ? "" : byPackage.message,
            }).toMatchObject({
                outcome: verdict(byPsql),
            });
            if (!byPackage.ok) expect(byPackage.message).toMatch(run.names);
        } finally {
            fs.rmSync(home, { recursive: true, force: true });
        }
    });
});

/**
 * Relays each server from a free address of 127/8 other than 127.0.0.1, at the server's own port,
 * and port 5432 there to the TLS server; returns the address.
 */
async function relayEverything(
    servers: Record<"plain" | "tls" | "tlsOnly", PostgresServer>,
    keep: (relay: TcpProxy) => void,
): Promise<string> {
    for (let attempt = 0; attempt < 5; attempt++) {
        const address = `127.${1 + Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;
        if (!net.isIPv4(address) || address === "127.0.0.1") continue;
        try {
            keep(await startTcpProxy(servers.tls, { host: address, port: 5432 }));
        } catch {
            continue;
        }
        for (const server of Object.values(servers)) keep(await startTcpProxy(server, { host: address, port: server.port }));
        return address;
    }
    throw new Error("no free address of 127/8 for port 5432");
}
