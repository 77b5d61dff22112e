/**
 * adoptRole through the real CLI and provider: a `whaly_bi` made by hand from Whaly's guide, with
 * the extras such roles pick up, is taken over in one `up` while a session logged in with its
 * hand-made password reads without pause. The preview names each difference with its SQL; after
 * the `up` the role holds exactly what a fresh deployment holds on an identical server; its
 * password is kept until the first passwordVersion bump; destroy leaves nothing.
 */
import { auditRole } from "../../components/audit";
import { PostgresMajor, PostgresServer, startPostgres } from "../../scripts/lib/postgresServer";
import { WhalyPostgresAccessArgs } from "../../index";
import { catalogSnapshot, privilegesOf, roleAttributes, traces } from "../harness/catalog";
import { HAND_MADE_PASSWORD, makeByHand } from "../harness/handMade";
import { startReader } from "../harness/reader";
import { as } from "../harness/sessions";
import { newTestStack, TestStack } from "../harness/stack";
import { DATABASE, expectedPrivileges, seedWarehouse } from "../harness/warehouse";
import { accessProgram, failureOf, outputValues } from "./support/program";

jest.setTimeout(300_000);

const ARGS: Partial<WhalyPostgresAccessArgs> = { schemas: ["public", "sales"], tableCreators: ["etl", "dbt"] };
const READ = "SELECT count(*) FROM sales.orders";

/** Whether `user` logs in with `password` (false when the password is refused). */
const logsIn = (server: PostgresServer, user: string, password: string) =>
    as(server, DATABASE, user, password, async () => true).catch((e: Error) => {
        if (/password authentication failed/.test(e.message)) return false;
        throw e;
    });

/** The lines of the adoption warning, as the preview's diagnostics print them, sorted. */
function adoptionLines(output: string): string[] {
    const start = output.lastIndexOf("One line per difference:");
    if (start < 0) return [];
    const lines: string[] = [];
    for (const line of output.slice(start).split("\n").slice(1)) {
        if (!/^\s*[-~+] .*: (ALTER|REVOKE|GRANT) /.test(line)) break;
        lines.push(line.trim());
    }
    return lines.sort();
}

describe.each([12, 15, 18] as PostgresMajor[])("PostgreSQL %i: adopting a whaly_bi made by hand from Whaly's guide", (major) => {
    let server: PostgresServer;
    let twin: PostgresServer;
    let t: TestStack;

    beforeAll(async () => {
        [server, twin] = await Promise.all([startPostgres(major), startPostgres(major)]);
        await Promise.all([seedWarehouse(server), seedWarehouse(twin)]);
        makeByHand(server);
        t = await newTestStack(`adopt-pg${major}`, accessProgram(server, ARGS));
    });
    afterAll(() => {
        t?.dispose();
        server?.stop();
        twin?.stop();
    });

    it("without adoptRole, the preview refuses the taken name, and nothing changes", async () => {
        const before = await catalogSnapshot(server, DATABASE);
        const message = await failureOf(t.stack.preview());
        expect(message).toContain('- roleName "whaly_bi": already exists on the server and this stack does not manage it');
        expect(await catalogSnapshot(server, DATABASE)).toEqual(before);
    });

    it("with adoptRole, the preview names each difference with its SQL, and says the password is kept; nothing changes", async () => {
        const before = await catalogSnapshot(server, DATABASE);
        t.setProgram(accessProgram(server, { ...ARGS, adoptRole: true }));
        let output = "";
        await t.stack.preview({ onOutput: (line) => (output += line) });
        const revokedBy = major >= 16 ? ' GRANTED BY "postgres"' : "";
        expect(adoptionLines(output)).toEqual(
            [
                '- CREATEDB: ALTER ROLE "whaly_bi" NOCREATEDB',
                '~ connection limit -1 (the plan: 10): ALTER ROLE "whaly_bi" CONNECTION LIMIT 10',
                '~ setting statement_timeout unset (the plan: 600000): ALTER ROLE "whaly_bi" SET statement_timeout TO 600000',
                '~ setting idle_in_transaction_session_timeout unset (the plan: 60000): ALTER ROLE "whaly_bi" SET idle_in_transaction_session_timeout TO 60000',
                `- member of pg_monitor (granted by postgres): REVOKE "pg_monitor" FROM "whaly_bi"${revokedBy}`,
                '- INSERT on table public.customers (granted by postgres): REVOKE INSERT ON TABLE "public"."customers" FROM "whaly_bi" (as postgres)',
                '- USAGE on schema secret (granted by postgres): REVOKE USAGE ON SCHEMA "secret" FROM "whaly_bi" (as postgres)',
                '- SELECT on table secret.salaries (granted by postgres): REVOKE SELECT ON TABLE "secret"."salaries" FROM "whaly_bi" (as postgres)',
                '- default SELECT on tables that postgres creates in schema public: ALTER DEFAULT PRIVILEGES FOR ROLE "postgres" IN SCHEMA "public" REVOKE SELECT ON TABLES FROM "whaly_bi"',
                '- default SELECT on sequences that postgres creates in schema public: ALTER DEFAULT PRIVILEGES FOR ROLE "postgres" IN SCHEMA "public" REVOKE SELECT ON SEQUENCES FROM "whaly_bi"',
                '+ USAGE on schema public: GRANT USAGE ON SCHEMA "public" TO "whaly_bi"',
                '+ default SELECT on tables that etl creates in schema public: ALTER DEFAULT PRIVILEGES FOR ROLE "etl" IN SCHEMA "public" GRANT SELECT ON TABLES TO "whaly_bi"',
                '+ default SELECT on sequences that etl creates in schema public: ALTER DEFAULT PRIVILEGES FOR ROLE "etl" IN SCHEMA "public" GRANT SELECT ON SEQUENCES TO "whaly_bi"',
                '+ default SELECT on tables that dbt creates in schema public: ALTER DEFAULT PRIVILEGES FOR ROLE "dbt" IN SCHEMA "public" GRANT SELECT ON TABLES TO "whaly_bi"',
                '+ default SELECT on sequences that dbt creates in schema public: ALTER DEFAULT PRIVILEGES FOR ROLE "dbt" IN SCHEMA "public" GRANT SELECT ON SEQUENCES TO "whaly_bi"',
                '+ default SELECT on tables that dbt creates in schema sales: ALTER DEFAULT PRIVILEGES FOR ROLE "dbt" IN SCHEMA "sales" GRANT SELECT ON TABLES TO "whaly_bi"',
                '+ default SELECT on sequences that dbt creates in schema sales: ALTER DEFAULT PRIVILEGES FOR ROLE "dbt" IN SCHEMA "sales" GRANT SELECT ON SEQUENCES TO "whaly_bi"',
            ].sort(),
        );
        expect(output).toContain(
            "adoptRole: role whaly_bi keeps the password it has, which this stack does not know: until passwordVersion goes above 1",
        );
        expect(await catalogSnapshot(server, DATABASE)).toEqual(before);
    });

    it("the up takes it over while a session with the hand-made password reads: 0 failed reads; new logins with it still work", async () => {
        const reader = await startReader(server, DATABASE, "whaly_bi", HAND_MADE_PASSWORD, READ);
        await t.stack.up();
        const totals = await reader.stop();
        expect(totals.failures).toEqual([]);
        expect(totals.queries.open).toBeGreaterThan(5);
        expect(totals.queries.reconnecting).toBeGreaterThan(5);
        expect(await logsIn(server, "whaly_bi", HAND_MADE_PASSWORD)).toBe(true);
        const out = await outputValues(t.stack);
        expect(out).toMatchObject({ user: "whaly_bi", password: "" });
        expect(out.connectionString).toBe(`postgresql://whaly_bi@127.0.0.1:${server.port}/${DATABASE}?sslmode=require`);
        console.log(`PostgreSQL ${major}, adoption: reader ${JSON.stringify(totals.queries)} queries, ${totals.failures.length} failed`);
    });

    it("the role then holds exactly what a fresh deployment holds on an identical server, and the audit passes", async () => {
        const fresh = await newTestStack(`adopt-twin-pg${major}`, accessProgram(twin, ARGS));
        try {
            await fresh.stack.up();
            expect(await privilegesOf(server, DATABASE, "whaly_bi")).toEqual(await privilegesOf(twin, DATABASE, "whaly_bi"));
            expect(await privilegesOf(server, DATABASE, "whaly_bi")).toEqual(expectedPrivileges(["public", "sales"], ["etl", "dbt"]));
            expect(await roleAttributes(server, "whaly_bi")).toEqual(await roleAttributes(twin, "whaly_bi"));
            await fresh.stack.destroy();
        } finally {
            fresh.dispose();
        }
        const admin = { host: server.host, port: server.port, user: server.adminUser, password: server.adminPassword, database: DATABASE };
        if (major < 15) await server.query("REVOKE CREATE ON SCHEMA public FROM PUBLIC", { database: DATABASE });
        expect((await auditRole({ ...admin, sslMode: "disable" }, "whaly_bi", {})).readOnly).toBe(true);
    });

    it("a second preview, and one with --refresh, plan no change", async () => {
        await t.stack.preview({ expectNoChanges: true });
        await t.stack.preview({ expectNoChanges: true, refresh: true });
    });

    it("the first passwordVersion bump gives the role the generated password and retires the hand-made one", async () => {
        t.setProgram(accessProgram(server, { ...ARGS, adoptRole: true, passwordVersion: 2 }));
        await t.stack.up();
        const out = await outputValues(t.stack);
        expect(out.password).toMatch(/^[A-Za-z0-9]{32}$/);
        expect(await logsIn(server, "whaly_bi", HAND_MADE_PASSWORD)).toBe(false);
        expect(await as(server, DATABASE, "whaly_bi", out.password as string, (s) => s.canSelect("sales.orders"))).toBe(true);
        await t.stack.preview({ expectNoChanges: true });
    });

    it("destroy leaves nothing that mentions the role", async () => {
        await t.stack.destroy();
        expect(await traces(server, DATABASE, "whaly_bi")).toEqual([]);
    });
});
