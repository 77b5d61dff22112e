/**
 * The look at Whaly's host, when it is another server than the one provisioned, never hands the
 * admin's password to whatever answers there. A fake server on loopback stands as Whaly's host and
 * tries to get it: with a certificate of the admin's CA for its address it asks for the password in
 * cleartext, then as MD5; with a certificate for another name, or of another CA, or with no TLS, it
 * waits for one. Every byte it receives is recorded: the password is in none of them, in clear or
 * hashed, the client closes the connection, and the component logs one info line, no warning, no
 * error. An admin without verify-full does not connect there at all; the default provider's stack
 * config follows the same rule. A real PostgreSQL 12 and 18
 * over TLS is still looked at (SCRAM, bound to the TLS channel), and one asking for a cleartext
 * password is refused, where an ordinary connection with the same settings gives it.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { valueOf } from "../../components/server/dependencies";
import { connect } from "../../components/connect/libpq";
import type { ServerFacts } from "../../components/plan/preflight";
import { checkedWhalyHost, Verdict } from "../../components/server/checks";
import { readServerFacts, readStandbyFacts } from "../../components/server/facts";
import { fromAdmin, fromProviderConfig, ServerLocation, STACK_CONFIG_NAMES } from "../../components/server/location";
import { validateArgs } from "../../components/contract/validate";
import { NEWEST_MAJOR, POSTGRES_MAJORS, PostgresServer, startPostgres } from "../../scripts/lib/postgresServer";
import { makeCertificates, TestCertificates } from "../harness/certificates";
import { FakeOptions, FakePostgres, passwordForms, startFakePostgres } from "../harness/fakePostgres";

jest.setTimeout(120_000);

const PASSWORD = "admin-Secret-4f1c9a7e2b";
const DATABASE = "analytics";

let certs: TestCertificates;
let home: string;
const fakes: FakePostgres[] = [];

beforeAll(() => {
    certs = makeCertificates();
    home = fs.mkdtempSync(path.join(os.tmpdir(), "whaly-home-"));
});
afterAll(async () => {
    await Promise.all(fakes.map((f) => f.close()));
    certs?.dispose();
    if (home) fs.rmSync(home, { recursive: true, force: true });
});

/** The admin's TLS settings as the component is given them. */
interface AdminTls {
    sslMode?: string;
    sslRootCert?: string;
}

/** The primary as the checks found it: the look reads only its identity. */
const PRIMARY = { systemIdentifier: "7000000000000000001" } as ServerFacts;

/** The checks' connection to the admin's server (on another port than any here), as the component resolves `admin`. */
const viaAdmin = (admin: AdminTls & { host?: string; port?: number; password?: string }): ServerLocation =>
    fromAdmin(DATABASE, { host: "127.0.0.1", port: 1, username: "postgres", password: PASSWORD, ...admin }, { HOME: home });

/** The same from the default provider's stack config (`postgresql:sslmode`, `postgresql:sslrootcert`), read as the provider's configuration is. */
const viaStackConfig = (sslmode: string, sslrootcert?: string): ServerLocation =>
    fromProviderConfig(
        DATABASE,
        { host: "127.0.0.1", port: 1, username: "postgres", password: PASSWORD, sslmode, sslrootcert },
        "stack config",
        STACK_CONFIG_NAMES,
        { HOME: home },
    );

/**
 * What the component logs of Whaly's host `host:port` after checks that connected to the primary
 * as `location` says: one entry per log line, by level.
 */
async function lookAt(
    host: string,
    port: number,
    location: ServerLocation,
    primary: ServerFacts = PRIMARY,
): Promise<Array<{ level: string; message: string }>> {
    const v = validateArgs("whaly", { database: DATABASE, tableCreators: ["etl"], host, port }, false);
    const verdict: Verdict = {
        go: true,
        database: DATABASE,
        tableCreators: [],
        server: primary,
        where: "the primary",
        connection: { settings: location.settings!, names: location.names },
    };
    const logged: Array<{ level: string; message: string }> = [];
    const record = (level: string) => async (message: string) => {
        logged.push({ level, message });
    };
    const spies = [
        jest.spyOn(pulumi.log, "info").mockImplementation(record("info")),
        jest.spyOn(pulumi.log, "warn").mockImplementation(record("warn")),
        jest.spyOn(pulumi.log, "error").mockImplementation(record("error")),
    ];
    try {
        const component = {} as pulumi.Resource;
        expect(await valueOf(checkedWhalyHost("whaly", component, v, pulumi.output(verdict)))).toBe(host);
    } finally {
        spies.forEach((s) => s.mockRestore());
    }
    return logged;
}

async function fake(options: FakeOptions): Promise<FakePostgres> {
    const f = await startFakePostgres(options);
    fakes.push(f);
    return f;
}

/** Neither the password nor its MD5 hashes are among the bytes `f` received. */
function expectNothingOfThePassword(f: FakePostgres): void {
    const received = f.received().toString("latin1");
    for (const form of passwordForms(PASSWORD, "postgres")) expect(received).not.toContain(form);
}

/** The admin as the look needs it: verify-full, with the CA that signed the servers' certificates. */
const verified = (): AdminTls => ({ sslMode: "verify-full", sslRootCert: certs.caFile });

describe("a fake server standing as Whaly's host, with a certificate of the admin's CA for its address", () => {
    it.each([
        ["in cleartext", "cleartext", "asks for the password in cleartext"],
        ["as MD5", "md5", "asks for the password as an MD5 hash"],
    ] as const)("asking for the password %s gets nothing of it: the client closes, and one info line says why", async (_how, ask, said) => {
        const f = await fake({ tls: certs.local, ask });
        const logged = await lookAt("127.0.0.1", f.port, viaAdmin(verified()));
        await f.settled();
        // It really got as far as asking: the handshake passed, the startup message came, the request went.
        expect(f.sessions.map((s) => ({ handshake: s.handshake, asked: s.asked, closedByClient: s.closedByClient }))).toEqual([
            { handshake: true, asked: true, closedByClient: true },
        ]);
        expect(f.sessions[0].secure.length).toBeGreaterThan(0);
        expectNothingOfThePassword(f);
        expect(logged).toEqual([
            {
                level: "info",
                message: expect.stringMatching(
                    `^Whaly's host 127.0.0.1:${f.port} cannot be asked from here \\(127.0.0.1:${f.port} ${said}, .*scram-sha-256.*\\): if it is a read replica, its settings were not checked`,
                ),
            },
        ]);
    });

    it("asking for SCRAM gets no password either, and the client binds SCRAM to the TLS channel (SCRAM-SHA-256-PLUS)", async () => {
        const f = await fake({ tls: certs.local, ask: "scram" });
        const logged = await lookAt("127.0.0.1", f.port, viaAdmin(verified()));
        await f.settled();
        expect(f.sessions.map((s) => s.mechanism)).toEqual(["SCRAM-SHA-256-PLUS"]);
        expectNothingOfThePassword(f);
        expect(logged).toEqual([
            {
                level: "info",
                message: expect.stringContaining(`cannot be asked from here (password authentication failed for user "postgres"`),
            },
        ]);
    });
});

describe("a fake server as Whaly's host that TLS does not verify: the client sends nothing after the TLS request", () => {
    it.each([
        ["a certificate for another host name", "elsewhere", "does not name host 127.0.0.1"],
        ["a certificate the admin's CA did not sign", "otherCaLocal", "is not signed by the CA given"],
        ["no TLS at all", undefined, "does not offer it"],
    ] as const)("%s: nothing of the password, one info line", async (_what, certificate, said) => {
        const f = await fake({ tls: certificate && certs[certificate], ask: "cleartext" });
        const logged = await lookAt("127.0.0.1", f.port, viaAdmin(verified()));
        await f.settled();
        expect(f.sessions.map((s) => ({ handshake: s.handshake, asked: s.asked, secure: s.secure.length }))).toEqual([
            { handshake: false, asked: false, secure: 0 },
        ]);
        // Only the TLS request came in the clear.
        expect(f.sessions[0].plain.map((b) => b.toString("hex"))).toEqual(["0000000804d2162f"]);
        expectNothingOfThePassword(f);
        expect(logged).toEqual([
            { level: "info", message: expect.stringContaining(`Whaly's host 127.0.0.1:${f.port} cannot be asked from here (`) },
        ]);
        expect(logged[0].message).toContain(said);
    });
});

describe("an admin that does not connect with verify-full: Whaly's host is not connected to at all", () => {
    it.each([
        ["require (the default)", {}],
        ["require with the CA", { sslMode: "require", sslRootCert: "CA" }],
        ["verify-ca", { sslMode: "verify-ca", sslRootCert: "CA" }],
        ["disable", { sslMode: "disable" }],
    ])("%s: one info line saying how to have it looked at", async (_what, tls: AdminTls) => {
        const f = await fake({ tls: certs.local, ask: "cleartext" });
        const sslRootCert = tls.sslRootCert === "CA" ? certs.caFile : tls.sslRootCert;
        const logged = await lookAt("127.0.0.1", f.port, viaAdmin({ ...tls, sslRootCert }));
        expect(f.sessions).toEqual([]);
        expect(logged).toEqual([
            {
                level: "info",
                message: expect.stringMatching(
                    `^Whaly's host 127.0.0.1:${f.port} was not looked at: .*sslmode ${tls.sslMode ?? "require"}.*set admin.sslMode \\(or PGSSLMODE\\) verify-full and admin.sslRootCert \\(or PGSSLROOTCERT\\) to the CA that signed its certificate`,
                ),
            },
        ]);
    });
});

describe("connected through the default provider's stack config: the same rule, its settings named", () => {
    it("postgresql:sslmode verify-full with postgresql:sslrootcert: a fake server asking for a cleartext password gets nothing of it", async () => {
        const f = await fake({ tls: certs.local, ask: "cleartext" });
        const logged = await lookAt("127.0.0.1", f.port, viaStackConfig("verify-full", certs.caFile));
        await f.settled();
        expect(f.sessions.map((s) => ({ handshake: s.handshake, asked: s.asked, closedByClient: s.closedByClient }))).toEqual([
            { handshake: true, asked: true, closedByClient: true },
        ]);
        expectNothingOfThePassword(f);
        expect(logged).toEqual([{ level: "info", message: expect.stringContaining("asks for the password in cleartext") }]);
    });

    it("postgresql:sslmode require: not connected to, and the info line names the stack config's settings", async () => {
        const f = await fake({ tls: certs.local, ask: "cleartext" });
        const logged = await lookAt("127.0.0.1", f.port, viaStackConfig("require", certs.caFile));
        expect(f.sessions).toEqual([]);
        expect(logged).toEqual([
            {
                level: "info",
                message: expect.stringContaining(
                    "set postgresql:sslmode (or PGSSLMODE) verify-full and postgresql:sslrootcert (or PGSSLROOTCERT) to the CA that signed its certificate",
                ),
            },
        ]);
    });
});

describe.each([POSTGRES_MAJORS[0], NEWEST_MAJOR])("PostgreSQL %i over TLS as Whaly's host", (major) => {
    let server: PostgresServer;
    beforeAll(async () => {
        server = await startPostgres(major, { tls: certs.local });
        await server.query(`CREATE DATABASE ${DATABASE}`);
        await server.query(`CREATE ROLE cleartext_admin LOGIN SUPERUSER PASSWORD '${PASSWORD}'`);
        // The ordinary admin logs in with SCRAM (initdb's default here); cleartext_admin is asked for its password in cleartext.
        const hba = path.join(server.dataDir, "pg_hba.conf");
        fs.writeFileSync(hba, `hostssl all cleartext_admin 127.0.0.1/32 password\n${fs.readFileSync(hba, "utf8")}`);
        // A restart, not a reload: the next connection is sure to see the new rules.
        server.halt();
        server.start();
    });
    afterAll(() => server?.stop());

    /** The look's connection, as the checks resolve the admin's. */
    const admin = (user: string, password: string) => {
        const { settings, names } = fromAdmin(
            DATABASE,
            { host: "localhost", port: server.port, username: user, password, sslMode: "verify-full", sslRootCert: certs.caFile },
            { HOME: home },
        );
        return { settings: settings!, names };
    };

    it("is looked at with verify-full: a SCRAM login, and what it says of itself is read", async () => {
        const { settings, names } = admin("postgres", server.adminPassword);
        const [{ id }] = await server.query<{ id: string }>("SELECT system_identifier::text AS id FROM pg_control_system()");
        expect(await readStandbyFacts(settings, names)).toEqual({
            inRecovery: false,
            systemIdentifier: id,
            hotStandbyFeedback: false,
            maxStandbyStreamingDelayMs: 30_000,
        });
        // The primary under another name: nothing to say.
        const logged = await lookAt(
            "localhost",
            server.port,
            viaAdmin({ port: server.port, password: server.adminPassword, ...verified() }),
            { ...PRIMARY, systemIdentifier: id },
        );
        expect(logged).toEqual([]);
    });

    it("with pg_control_system() revoked in the database, a non-superuser's checks and look read all but the system identifier", async () => {
        await server.query(`CREATE ROLE plain_admin LOGIN CREATEROLE PASSWORD '${PASSWORD}'`);
        await server.query("REVOKE EXECUTE ON FUNCTION pg_control_system() FROM PUBLIC", { database: DATABASE });
        try {
            const { settings, names } = admin("plain_admin", PASSWORD);
            expect(await readStandbyFacts(settings, names)).toEqual({
                inRecovery: false,
                systemIdentifier: undefined,
                hotStandbyFeedback: false,
                maxStandbyStreamingDelayMs: 30_000,
            });
            const { existingSchemas, server: facts } = await readServerFacts(
                settings,
                names,
                ["public", "ghost"],
                ["plain_admin"],
                "whaly_bi",
            );
            expect(existingSchemas).toEqual(["public"]);
            expect(facts).toMatchObject({
                systemIdentifier: undefined,
                inRecovery: false,
                admin: { name: "plain_admin", superuser: false, createRole: true },
            });
            // The admin named, and the owner of public, who grants on it.
            expect(Object.keys(facts.roles).sort()).toEqual(["plain_admin", "postgres"]);
        } finally {
            await server.query("GRANT EXECUTE ON FUNCTION pg_control_system() TO PUBLIC", { database: DATABASE });
            await server.query("DROP ROLE plain_admin");
        }
    });

    it('where pg_control_system() raises though granted (Aurora: "currently not supported"), the checks and the look read all but the system identifier', async () => {
        // A fork's refusal, stood in for by a function of that name ahead of pg_catalog in the admin's search_path.
        await server.query(`CREATE ROLE fork_admin LOGIN CREATEROLE PASSWORD '${PASSWORD}'; CREATE ROLE whaly_bi`);
        await server.query(
            `CREATE SCHEMA fork; GRANT USAGE ON SCHEMA fork TO PUBLIC;
             CREATE FUNCTION fork.pg_control_system(OUT pg_control_version int, OUT catalog_version_no int,
                 OUT system_identifier bigint, OUT pg_control_last_modified timestamptz) LANGUAGE plpgsql AS
             $$BEGIN RAISE EXCEPTION 'Function pg_control_system() is currently not supported for Aurora'
                 USING ERRCODE = 'feature_not_supported'; END$$;
             ALTER ROLE fork_admin SET search_path = fork, pg_catalog`,
            { database: DATABASE },
        );
        try {
            const { settings, names } = admin("fork_admin", PASSWORD);
            const refused = await connect(settings, names);
            await expect(refused.query("SELECT system_identifier FROM pg_control_system()")).rejects.toThrow("currently not supported");
            await refused.end();
            expect(await readStandbyFacts(settings, names)).toEqual({
                inRecovery: false,
                systemIdentifier: undefined,
                hotStandbyFeedback: false,
                maxStandbyStreamingDelayMs: 30_000,
            });
            for (const adopt of [false, true]) {
                const {
                    existingSchemas,
                    server: facts,
                    holdings,
                } = await readServerFacts(settings, names, ["public", "ghost"], ["fork_admin", "whaly_bi"], "whaly_bi", adopt);
                expect(existingSchemas).toEqual(["public"]);
                expect(facts).toMatchObject({ systemIdentifier: undefined, admin: { name: "fork_admin", superuser: false } });
                expect(holdings !== undefined).toBe(adopt);
            }
            // Any other failure is not the fork's answer, and is not hidden.
            await server.query(
                `CREATE OR REPLACE FUNCTION fork.pg_control_system(OUT pg_control_version int, OUT catalog_version_no int,
                     OUT system_identifier bigint, OUT pg_control_last_modified timestamptz) LANGUAGE plpgsql AS
                 $$BEGIN RAISE EXCEPTION 'canceling statement due to statement timeout' USING ERRCODE = 'query_canceled'; END$$`,
                { database: DATABASE },
            );
            await expect(readStandbyFacts(settings, names)).rejects.toThrow("statement timeout");
            await expect(readServerFacts(settings, names, ["public"], ["fork_admin"], "whaly_bi")).rejects.toThrow("statement timeout");
        } finally {
            await server.query("DROP SCHEMA fork CASCADE", { database: DATABASE });
            await server.query("DROP ROLE fork_admin, whaly_bi");
        }
    });

    it("asking for a cleartext password, it is refused by the look, while an ordinary connection with the same settings logs in", async () => {
        const { settings, names } = admin("cleartext_admin", PASSWORD);
        const session = await connect(settings, names);
        await session.end();
        await expect(readStandbyFacts(settings, names)).rejects.toThrow(`localhost:${server.port} asks for the password in cleartext`);
    });
});
