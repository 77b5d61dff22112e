/**
 * Whaly on a read replica, as Whaly's guide allows: the component provisions on the primary and
 * gives the replica as Whaly's host; the role logs into the replica with the outputs and reads,
 * tables a creator makes later on the primary too, once replicated. An admin pointed at the
 * replica by mistake is refused at preview, saying where to point it.
 *
 * The preflight also looks at Whaly's host, with the admin's credentials, when the admin connects
 * with verify-full (every server here serves TLS with a certificate of the test's CA). A replica
 * with hot_standby_feedback off and a short max_standby_streaming_delay is a warning at preview,
 * and a long read there as Whaly really is cancelled while the primary deletes and vacuums the rows
 * it reads; with hot_standby_feedback on, no warning, and the same read completes. A host that
 * never answers is one info line; another cluster, a warning; the primary under another name,
 * nothing. An admin without verify-full: the host is not looked at, one info line says how to have
 * it looked at. A fake server as Whaly's host, with a certificate of the admin's CA, asking for the
 * password in cleartext or as MD5: one info line, no error, and nothing of the password reaches it.
 */
import * as net from "node:net";
import { Client } from "pg";
import { PostgresServer, startPostgres } from "../../scripts/lib/postgresServer";
import { catalogSnapshot } from "../harness/catalog";
import { makeCertificates, TestCertificates } from "../harness/certificates";
import { as } from "../harness/sessions";
import { newTestStack, TestStack } from "../harness/stack";
import { CREATOR_PASSWORD, DATABASE, seedWarehouse } from "../harness/warehouse";
import { passwordForms, startFakePostgres } from "../harness/fakePostgres";
import { accessProgram, failureOf, outputValues } from "./support/program";

jest.setTimeout(300_000);

/** Waits until `check` holds on the replica (replication is asynchronous). */
async function eventually(check: () => Promise<boolean>): Promise<void> {
    for (let i = 0; i < 100; i++) {
        if (await check().catch(() => false)) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error("the replica never caught up");
}

/** A replica's settings: Whaly's queries conflict with replay after 1 s; the replica tells the primary its snapshots every second. */
const standby = (feedback: "on" | "off") => ({
    hot_standby_feedback: feedback,
    max_standby_streaming_delay: "1s",
    wal_receiver_status_interval: "1s",
});

const CANCELS = "is a read replica that cancels queries conflicting with the replay of the primary's changes";

/** What a preview says of Whaly's host, each message once (the CLI prints each as it comes and again in its summary). */
const whalyHostMessages = (output: string) => [...new Set(output.split("\n").flatMap((line) => /Whaly's host .*/.exec(line) ?? []))];

let certs: TestCertificates;
beforeAll(() => {
    certs = makeCertificates();
});
afterAll(() => certs?.dispose());

describe.each([15, 18] as const)("PostgreSQL %i: Whaly reads a streaming replica", (major) => {
    let primary: PostgresServer;
    let replica: PostgresServer;
    let t: TestStack;
    let password: string;
    /** The component on the primary, Whaly's host at `host:port`; the admin connects with verify-full unless told otherwise. */
    const program = (
        host: string,
        port: number,
        tls: { sslMode: string; sslRootCert?: string } = { sslMode: "verify-full", sslRootCert: certs.caFile },
    ) =>
        accessProgram(primary, {
            schemas: ["public", "sales"],
            tableCreators: ["etl"],
            host,
            port,
            admin: { host: primary.host, port: primary.port, username: primary.adminUser, password: primary.adminPassword, ...tls },
        });
    const previewOutput = async () => {
        let output = "";
        await t.stack.preview({ onOutput: (line) => (output += line) });
        return output;
    };

    beforeAll(async () => {
        primary = await startPostgres(major, { tls: certs.local });
        await seedWarehouse(primary);
        replica = await startPostgres(major, { replicaOf: primary, settings: standby("off"), tls: certs.local });
        t = await newTestStack(`replica-pg${major}`, program(replica.host, replica.port));
    });
    afterAll(() => {
        t?.dispose();
        replica?.stop();
        primary?.stop();
    });

    it("provisions on the primary; the outputs log into the replica, which reads what exists and what etl creates later", async () => {
        await t.stack.up();
        const out = await outputValues(t.stack);
        expect(out).toMatchObject({ host: replica.host, port: replica.port, user: "whaly_bi" });
        const [{ in_recovery }] = await replica.query<{ in_recovery: boolean }>("SELECT pg_is_in_recovery() AS in_recovery");
        expect(in_recovery).toBe(true);
        password = out.password as string;
        await eventually(() => as(replica, DATABASE, "whaly_bi", password, (s) => s.canSelect("sales.orders")));
        await primary.query("CREATE TABLE sales.etl_later (id int); INSERT INTO sales.etl_later VALUES (1)", {
            database: DATABASE,
            user: "etl",
            password: CREATOR_PASSWORD,
        });
        await eventually(
            async () => (await as(replica, DATABASE, "whaly_bi", password, (s) => s.query("SELECT id FROM sales.etl_later"))).length === 1,
        );
        expect(await as(replica, DATABASE, "whaly_bi", password, (s) => s.canSelect("secret.salaries"))).toBe(false);
    });

    it("hot_standby_feedback off and max_standby_streaming_delay 1 s: preview warns, naming both fixes", async () => {
        const output = await previewOutput();
        expect(output).toContain(
            `Whaly's host ${replica.host}:${replica.port} ${CANCELS} after max_standby_streaming_delay (1 s), with hot_standby_feedback off`,
        );
        expect(output).toContain("Whaly's statement timeout is 10 min (statementTimeoutMs 600000)");
        expect(output).toContain("set hot_standby_feedback = on");
        expect(output).toContain("or max_standby_streaming_delay to at least 600000 ms, or -1");
        // Same cluster, readable identity: nothing else to say.
        expect(output).not.toContain("another cluster");
        expect(output).not.toContain("was not checked");
    });

    /**
     * A long read as Whaly on `server` (a replica), while the primary deletes half the rows it reads
     * and vacuums them; with feedback, only once the primary holds the replica's snapshot. The table
     * is made with vacuum_truncate off: VACUUM then takes no ACCESS EXCLUSIVE lock, whose conflict
     * no setting but the delay prevents (see the docs).
     */
    const longReadDuringVacuum = async (server: PostgresServer, table: string, waitForFeedback: boolean) => {
        await primary.query(
            `CREATE TABLE sales.${table} WITH (vacuum_truncate = false) AS SELECT g AS id FROM generate_series(1, 10000) g`,
            { database: DATABASE, user: "etl", password: CREATOR_PASSWORD },
        );
        await eventually(
            async () => (await server.query(`SELECT count(*)::int AS n FROM sales.${table}`, { database: DATABASE }))[0].n === 10000,
        );
        const whaly = new Client({ host: server.host, port: server.port, database: DATABASE, user: "whaly_bi", password });
        await whaly.connect();
        try {
            const read = whaly.query(`SELECT pg_sleep(5), count(*)::int AS n FROM sales.${table}`).then(
                (r) => ({ rows: r.rows[0].n as number }),
                (e: Error) => ({ error: e.message }),
            );
            await eventually(
                async () =>
                    (await server.query("SELECT 1 FROM pg_stat_activity WHERE usename = 'whaly_bi' AND state = 'active'")).length === 1,
            );
            if (waitForFeedback)
                await eventually(
                    async () => (await primary.query("SELECT 1 FROM pg_stat_replication WHERE backend_xmin IS NOT NULL")).length > 0,
                );
            await primary.query(`DELETE FROM sales.${table} WHERE id % 2 = 0`, {
                database: DATABASE,
                user: "etl",
                password: CREATOR_PASSWORD,
            });
            await primary.query(`VACUUM sales.${table}`, { database: DATABASE, user: "etl", password: CREATOR_PASSWORD });
            return await read;
        } finally {
            await whaly.end().catch(() => undefined);
        }
    };

    it("and there a long read as whaly_bi really is cancelled while the primary deletes and vacuums the rows it reads", async () => {
        expect(await longReadDuringVacuum(replica, "events_off", false)).toEqual({
            error: "canceling statement due to conflict with recovery",
        });
        // The replica's own count of the conflict, by kind.
        const [{ snapshot }] = await replica.query<{ snapshot: string }>(
            "SELECT confl_snapshot AS snapshot FROM pg_stat_database_conflicts WHERE datname = 'analytics'",
        );
        expect(Number(snapshot)).toBeGreaterThan(0);
    });

    it("with hot_standby_feedback on: no warning at preview, and the same read completes, seeing every row it started with", async () => {
        const kept = await startPostgres(major, { replicaOf: primary, settings: standby("on"), tls: certs.local });
        try {
            t.setProgram(program(kept.host, kept.port));
            const output = await previewOutput();
            expect(output).not.toContain(CANCELS);
            expect(output).not.toContain(`Whaly's host ${kept.host}:${kept.port}`);
            expect(await longReadDuringVacuum(kept, "events_on", true)).toEqual({ rows: 10000 });
        } finally {
            t.setProgram(program(replica.host, replica.port));
            kept.stop();
        }
    });

    it("a host that never answers: one info line, and the preview goes on", async () => {
        // Accepts connections and says nothing, as a firewall that drops packets leaves a client waiting.
        const silent = net.createServer(() => undefined);
        await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
        const { port } = silent.address() as net.AddressInfo;
        try {
            t.setProgram(program("127.0.0.1", port));
            const output = await previewOutput();
            expect(whalyHostMessages(output)).toEqual([
                expect.stringMatching(`^Whaly's host 127.0.0.1:${port} cannot be reached from here \\(timeout expired\\): `),
            ]);
            expect(output).not.toMatch(/error:/);
        } finally {
            t.setProgram(program(replica.host, replica.port));
            silent.close();
        }
    });

    it("an admin without verify-full: the replica is not looked at, one info line says how to have it looked at, no warning", async () => {
        try {
            for (const tls of [{ sslMode: "require" }, { sslMode: "verify-ca", sslRootCert: certs.caFile }]) {
                t.setProgram(program(replica.host, replica.port, tls));
                const output = await previewOutput();
                expect(whalyHostMessages(output)).toEqual([
                    expect.stringMatching(
                        `^Whaly's host ${replica.host}:${replica.port} was not looked at: the admin connects with sslmode ${tls.sslMode}, .*set admin.sslMode \\(or PGSSLMODE\\) verify-full and admin.sslRootCert \\(or PGSSLROOTCERT\\) to the CA that signed its certificate`,
                    ),
                ]);
                expect(output).not.toContain(CANCELS);
                expect(output).not.toMatch(/error:/);
            }
        } finally {
            t.setProgram(program(replica.host, replica.port));
        }
    });

    it.each([
        ["in cleartext", "cleartext", "in cleartext"],
        ["as MD5", "md5", "as an MD5 hash"],
    ] as const)(
        "a fake server as Whaly's host, with a certificate of the admin's CA, asking for the password %s: one info line, no error, nothing of the password sent",
        async (_how, ask, said) => {
            const fake = await startFakePostgres({ tls: certs.local, ask });
            try {
                t.setProgram(program("127.0.0.1", fake.port));
                const output = await previewOutput();
                expect(whalyHostMessages(output)).toEqual([
                    expect.stringMatching(
                        `^Whaly's host 127.0.0.1:${fake.port} cannot be asked from here \\(127.0.0.1:${fake.port} asks for the password ${said}, which this connection gives only in a SCRAM exchange`,
                    ),
                ]);
                expect(output).not.toMatch(/error:/);
                await fake.settled();
                expect(fake.sessions.map((s) => ({ handshake: s.handshake, asked: s.asked, closedByClient: s.closedByClient }))).toEqual([
                    { handshake: true, asked: true, closedByClient: true },
                ]);
                const received = fake.received().toString("latin1");
                for (const form of passwordForms(primary.adminPassword, primary.adminUser)) expect(received).not.toContain(form);
            } finally {
                t.setProgram(program(replica.host, replica.port));
                await fake.close();
            }
        },
    );

    it("the primary under another name (localhost): nothing to say", async () => {
        try {
            t.setProgram(program("localhost", primary.port));
            const output = await previewOutput();
            expect(output).not.toContain("Whaly's host");
            expect(output).not.toMatch(/error:/);
        } finally {
            t.setProgram(program(replica.host, replica.port));
        }
    });

    it("another cluster where the admin logs in: a warning that Whaly would read a server without its role", async () => {
        const other = await startPostgres(major, { tls: certs.local });
        try {
            // A staging server, say, with the same admin credentials.
            await other.query(`CREATE DATABASE ${DATABASE}`);
            await other.query(`ALTER ROLE postgres PASSWORD '${primary.adminPassword}'`);
            t.setProgram(program(other.host, other.port));
            const output = await previewOutput();
            expect(output).toContain(`Whaly's host ${other.host}:${other.port} is another cluster than the one the component provisions`);
            expect(output).toContain("Whaly would read another server, where role whaly_bi does not exist");
        } finally {
            t.setProgram(program(replica.host, replica.port));
            other.stop();
        }
    });

    it("an admin pointed at the replica is refused at preview, saying where to point it, and nothing changes", async () => {
        await t.stack.destroy();
        await eventually(async () => (await replica.query("SELECT 1 FROM pg_roles WHERE rolname = 'whaly_bi'")).length === 0);
        const before = await catalogSnapshot(primary, DATABASE);
        t.setProgram(
            accessProgram(primary, {
                tableCreators: ["etl"],
                admin: {
                    host: replica.host,
                    port: replica.port,
                    username: "postgres",
                    password: replica.adminPassword,
                    sslMode: "disable",
                },
            }),
        );
        const message = await failureOf(t.stack.preview());
        expect(message).toContain(`Preflight of WhalyPostgresAccess on 127.0.0.1:${replica.port}/analytics as postgres failed`);
        expect(message).toContain('- server "a read replica": refuses every change: point the admin (or the provider) at the primary');
        expect(await catalogSnapshot(primary, DATABASE)).toEqual(before);
    });
});
