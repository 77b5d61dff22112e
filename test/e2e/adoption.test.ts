/**
 * @jest-environment ./test/harness/killedCliEnvironment.ts
 *
 * adoptRole through the real CLI and provider: a `whaly_bi` made by hand from Whaly's guide, with
 * the extras such roles pick up, is taken over in one `up` while a session logged in with its
 * hand-made password reads without pause. The preview names each difference with its SQL; after
 * the `up` the role holds exactly what a fresh deployment holds on an identical server; its
 * password is kept until the first passwordVersion bump; destroy leaves nothing.
 */
import * as postgresql from "@pulumi/postgresql";
import * as pulumi from "@pulumi/pulumi";
import { AUDIT_SETTING_NAMES, auditRole, auditSettings } from "../../audit/audit";
import { takeOver } from "../../components/server/takeOver";
import { PostgresMajor, PostgresServer, startPostgres } from "../../scripts/lib/postgresServer";
import { WhalyPostgresAccess, WhalyPostgresAccessArgs } from "../../index";
import { catalogSnapshot, privilegesOf, roleAttributes, traces } from "../harness/catalog";
import { dropHandMade, HAND_MADE_PASSWORD, kindsSetupSql, makeByHand } from "../harness/handMade";
import { killPulumi, restoreIfTorn } from "../harness/kill";
import { psql } from "../harness/psql";
import { startReader } from "../harness/reader";
import { as } from "../harness/sessions";
import { newTestStack, TestStack } from "../harness/stack";
import { CREATOR_PASSWORD, DATABASE, expectedPrivileges, seedWarehouse } from "../harness/warehouse";
import { accessProgram, CONNECTION_SOURCES, failureOf, outputValues, programFrom } from "./support/program";

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
                '~ setting statement_timeout unset (the plan: 600000): ALTER ROLE "whaly_bi" SET "statement_timeout" TO 600000',
                '~ setting idle_in_transaction_session_timeout unset (the plan: 60000): ALTER ROLE "whaly_bi" SET "idle_in_transaction_session_timeout" TO 60000',
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

describe("PostgreSQL 15: adopting through the program's own provider, and through the default provider from stack config", () => {
    let server: PostgresServer;
    beforeAll(async () => {
        server = await startPostgres(15);
        await seedWarehouse(server);
    });
    afterAll(() => server?.stop());

    it.each(CONNECTION_SOURCES.filter((source) => source !== "admin"))(
        "with %s: the preview names the differences; the up takes the role over with 0 failed reads; it then matches the plan",
        async (source) => {
            makeByHand(server);
            const { program, config } = programFrom(source, server, { ...ARGS, adoptRole: true });
            const t = await newTestStack(`adopt-${source.replace(" ", "-")}`, program);
            try {
                await t.stack.setAllConfig(config);
                let output = "";
                await t.stack.preview({ onOutput: (line) => (output += line) });
                expect(adoptionLines(output)).toEqual(expect.arrayContaining(['- CREATEDB: ALTER ROLE "whaly_bi" NOCREATEDB']));
                expect(adoptionLines(output)).toHaveLength(17);
                const reader = await startReader(server, DATABASE, "whaly_bi", HAND_MADE_PASSWORD, READ);
                await t.stack.up();
                const totals = await reader.stop();
                expect(totals.failures).toEqual([]);
                expect(await privilegesOf(server, DATABASE, "whaly_bi")).toEqual(expectedPrivileges(["public", "sales"], ["etl", "dbt"]));
                expect(await roleAttributes(server, "whaly_bi")).toMatchObject({ rolcreatedb: false, rolconnlimit: 10, member_of: [] });
                expect(await logsIn(server, "whaly_bi", HAND_MADE_PASSWORD)).toBe(true);
                await t.stack.preview({ expectNoChanges: true, refresh: true });
                await t.stack.destroy();
                expect(await traces(server, DATABASE, "whaly_bi")).toEqual([]);
                console.log(`PostgreSQL 15, adoption with ${source}: reader ${JSON.stringify(totals.queries)} queries, 0 failed`);
            } finally {
                t.dispose();
            }
        },
    );
});

describe("PostgreSQL 18: adopting in a stack that also declares a schema", () => {
    let server: PostgresServer;
    beforeAll(async () => {
        server = await startPostgres(18);
        await seedWarehouse(server);
        makeByHand(server);
    });
    afterAll(() => server?.stop());

    const program = () => async () => {
        const provider = new postgresql.Provider("warehouse", {
            host: server.host,
            port: server.port,
            username: server.adminUser,
            password: server.adminPassword,
            database: DATABASE,
            sslmode: "disable",
        });
        const marts = new postgresql.Schema("marts", { name: "marts", owner: "etl", database: DATABASE }, { provider });
        new WhalyPostgresAccess(
            "whaly",
            {
                database: DATABASE,
                host: server.host,
                port: server.port,
                schemas: ["public", "sales", "marts"],
                tableCreators: ["etl", "dbt"],
                adoptRole: true,
            },
            { provider, dependsOn: [marts] },
        );
    };

    it("the preview defers the other checks yet names the differences; one up adopts, with 0 failed reads, and grants on the new schema", async () => {
        const t = await newTestStack("adopt-composed", program());
        try {
            let output = "";
            await t.stack.preview({ onOutput: (line) => (output += line) });
            expect(output).toContain("The server checks run at up, once postgresql:index/schema:Schema marts exists");
            expect(adoptionLines(output)).toEqual(
                expect.arrayContaining([
                    '- CREATEDB: ALTER ROLE "whaly_bi" NOCREATEDB',
                    '- SELECT on table secret.salaries (granted by postgres): REVOKE SELECT ON TABLE "secret"."salaries" FROM "whaly_bi" (as postgres)',
                    '+ USAGE on schema marts: GRANT USAGE ON SCHEMA "marts" TO "whaly_bi"',
                ]),
            );
            const reader = await startReader(server, DATABASE, "whaly_bi", HAND_MADE_PASSWORD, READ);
            await t.stack.up();
            const totals = await reader.stop();
            expect(totals.failures).toEqual([]);
            const marts = [
                "schema marts USAGE",
                ...["etl", "dbt"].flatMap((c) => [`default ${c} marts table SELECT`, `default ${c} marts sequence SELECT`]),
            ];
            expect(await privilegesOf(server, DATABASE, "whaly_bi")).toEqual(
                [...expectedPrivileges(["public", "sales"], ["etl", "dbt"]), ...marts].sort(),
            );
            await t.stack.preview({ expectNoChanges: true });
            await t.stack.destroy();
            expect(await traces(server, DATABASE, "whaly_bi")).toEqual([]);
        } finally {
            t.dispose();
        }
    });
});

describe.each([15, 18] as PostgresMajor[])("PostgreSQL %i: adopting with a non-superuser admin (a managed service's)", (major) => {
    const ADMIN = "adm";
    const ADMIN_PASSWORD = "adm-Password-123";
    let server: PostgresServer;
    let t: TestStack;

    /** The managed layout: adm owns the database and schema sales; whaly_bi made by adm from the guide; etl, made by the superuser, granted it SELECT on its own table. */
    beforeAll(async () => {
        server = await startPostgres(major);
        await server.query(
            `CREATE ROLE ${ADMIN} LOGIN CREATEROLE PASSWORD '${ADMIN_PASSWORD}'; CREATE ROLE etl LOGIN PASSWORD '${CREATOR_PASSWORD}'`,
        );
        await server.query(`CREATE DATABASE ${DATABASE} OWNER ${ADMIN}`);
        const asAdmin = { user: ADMIN, password: ADMIN_PASSWORD };
        await server.query(`CREATE USER whaly_bi WITH ENCRYPTED PASSWORD '${HAND_MADE_PASSWORD}'`, asAdmin);
        await server.query(
            `CREATE SCHEMA sales; CREATE TABLE sales.orders (id serial PRIMARY KEY);
             GRANT CONNECT ON DATABASE ${DATABASE} TO whaly_bi;
             GRANT USAGE ON SCHEMA sales TO whaly_bi; GRANT SELECT ON ALL TABLES IN SCHEMA sales TO whaly_bi;
             ALTER DEFAULT PRIVILEGES IN SCHEMA sales GRANT SELECT ON TABLES TO whaly_bi;`,
            { database: DATABASE, ...asAdmin },
        );
        await server.query("CREATE SCHEMA etl_only AUTHORIZATION etl", { database: DATABASE });
        await server.query(
            "CREATE TABLE etl_only.feed (id int); GRANT USAGE ON SCHEMA etl_only TO whaly_bi; GRANT SELECT ON etl_only.feed TO whaly_bi",
            {
                database: DATABASE,
                user: "etl",
                password: CREATOR_PASSWORD,
            },
        );
        t = await newTestStack(
            `adopt-managed-pg${major}`,
            accessProgram(server, {
                schemas: ["sales"],
                tableCreators: [ADMIN],
                adoptRole: true,
                admin: {
                    host: server.host,
                    port: server.port,
                    username: ADMIN,
                    password: ADMIN_PASSWORD,
                    sslMode: "disable",
                    superuser: false,
                },
            }),
        );
    });
    afterAll(() => {
        t?.dispose();
        server?.stop();
    });

    it("a privilege granted by a role the admin cannot act as is refused at preview and at up, named with the fix, and nothing changes", async () => {
        const before = await catalogSnapshot(server, DATABASE);
        const message = await failureOf(t.stack.preview());
        expect(message).toContain(
            `Preflight of WhalyPostgresAccess on 127.0.0.1:${server.port}/${DATABASE} as ${ADMIN} failed; nothing was changed`,
        );
        expect(message).toContain(
            '- adoptRole true: role whaly_bi holds SELECT on table etl_only.feed, granted by etl, and the admin adm cannot act as etl to revoke it: run REVOKE SELECT ON TABLE "etl_only"."feed" FROM "whaly_bi" as etl',
        );
        expect(message).toContain("- adoptRole true: role whaly_bi holds USAGE on schema etl_only, granted by etl");
        await expect(t.stack.up()).rejects.toThrow("the admin adm cannot act as etl to revoke it");
        expect(await catalogSnapshot(server, DATABASE)).toEqual(before);
    });

    it("once the admin may act as etl (the fix named), the up takes the role over, with 0 failed reads, to exactly the plan", async () => {
        await server.query(`GRANT etl TO ${ADMIN}`);
        const reader = await startReader(server, DATABASE, "whaly_bi", HAND_MADE_PASSWORD, "SELECT count(*) FROM sales.orders");
        await t.stack.up();
        const totals = await reader.stop();
        expect(totals.failures).toEqual([]);
        expect(await privilegesOf(server, DATABASE, "whaly_bi")).toEqual(
            [
                `database ${DATABASE} CONNECT`,
                "schema sales USAGE",
                "table sales.orders SELECT",
                "sequence sales.orders_id_seq SELECT",
                "default adm sales table SELECT",
                "default adm sales sequence SELECT",
            ].sort(),
        );
        await t.stack.preview({ expectNoChanges: true });
        await t.stack.destroy();
        expect(await traces(server, DATABASE, "whaly_bi")).toEqual([]);
    });
});

describe("PostgreSQL 18: adopting with rotation alternating, and an up killed mid-adoption", () => {
    let server: PostgresServer;
    let twin: PostgresServer;
    beforeAll(async () => {
        [server, twin] = await Promise.all([startPostgres(18), startPostgres(18)]);
        await Promise.all([seedWarehouse(server), seedWarehouse(twin)]);
    });
    afterAll(() => {
        server?.stop();
        twin?.stop();
    });

    it("the hand-made role becomes the group: the preview warns what stops; its users log in; it holds what a fresh group holds", async () => {
        makeByHand(server);
        const args = { ...ARGS, rotation: "alternating" };
        const t = await newTestStack("adopt-alternating", accessProgram(server, { ...args, adoptRole: true }));
        const fresh = await newTestStack("adopt-alternating-twin", accessProgram(twin, args));
        try {
            let output = "";
            await t.stack.preview({ onOutput: (line) => (output += line) });
            expect(output).toContain(
                'rotation "alternating": role whaly_bi logs in today and becomes a NOLOGIN group at this up: new logins as whaly_bi stop working',
            );
            expect(adoptionLines(output)).toEqual(
                expect.arrayContaining(['~ LOGIN (the plan: NOLOGIN, a group): ALTER ROLE "whaly_bi" NOLOGIN']),
            );
            await t.stack.up();
            await fresh.stack.up();
            const out = await outputValues(t.stack);
            expect(out.user).toBe("whaly_bi_a");
            expect(await as(server, DATABASE, "whaly_bi_a", out.password as string, (s) => s.canSelect("sales.orders"))).toBe(true);
            for (const role of ["whaly_bi", "whaly_bi_a", "whaly_bi_b"]) {
                expect(await privilegesOf(server, DATABASE, role)).toEqual(await privilegesOf(twin, DATABASE, role));
                expect(await roleAttributes(server, role)).toEqual(await roleAttributes(twin, role));
            }
            await t.stack.preview({ expectNoChanges: true });
            await Promise.all([t.stack.destroy(), fresh.stack.destroy()]);
            expect(await traces(server, DATABASE, "whaly_bi")).toEqual([]);
        } finally {
            t.dispose();
            fresh.dispose();
        }
    });

    it("with futureSchemas, what the creators make later (a schema, a table) is the plan's: the next preview names nothing, the next up keeps it", async () => {
        makeByHand(server);
        const t = await newTestStack("adopt-future", accessProgram(server, { ...ARGS, adoptRole: true, futureSchemas: true }));
        try {
            const reader = await startReader(server, DATABASE, "whaly_bi", HAND_MADE_PASSWORD, READ);
            await t.stack.up();
            expect((await reader.stop()).failures).toEqual([]);
            await server.query("GRANT CREATE ON DATABASE analytics TO etl", { database: DATABASE });
            await server.query("CREATE SCHEMA marts; CREATE TABLE marts.revenue AS SELECT 1 AS amount", {
                database: DATABASE,
                user: "etl",
                password: CREATOR_PASSWORD,
            });
            const readsMarts = () =>
                as(server, DATABASE, "whaly_bi", HAND_MADE_PASSWORD, (s) => s.query("SELECT amount FROM marts.revenue"));
            expect(await readsMarts()).toEqual([{ amount: 1 }]);
            let output = "";
            await t.stack.preview({ onOutput: (line) => (output += line), expectNoChanges: true });
            expect(adoptionLines(output)).toEqual([]);
            await t.stack.up();
            expect(await readsMarts()).toEqual([{ amount: 1 }]);
            await server.query("DROP SCHEMA marts CASCADE", { database: DATABASE });
            await t.stack.destroy();
            expect(await traces(server, DATABASE, "whaly_bi")).toEqual([]);
        } finally {
            t.dispose();
        }
    });

    it("with the docs' transform (retainOnDelete on every child), destroy forgets the role and leaves Whaly reading", async () => {
        makeByHand(server);
        const keepOnDestroy: pulumi.ResourceTransform = (args) => ({ props: args.props, opts: { ...args.opts, retainOnDelete: true } });
        const t = await newTestStack("adopt-retained", async () => {
            new WhalyPostgresAccess(
                "whaly",
                {
                    database: DATABASE,
                    ...ARGS,
                    adoptRole: true,
                    admin: {
                        host: server.host,
                        port: server.port,
                        username: server.adminUser,
                        password: server.adminPassword,
                        sslMode: "disable",
                    },
                },
                { transforms: [keepOnDestroy] },
            );
        });
        try {
            await t.stack.up();
            const held = await privilegesOf(server, DATABASE, "whaly_bi");
            await t.stack.destroy();
            expect((await t.stack.exportStack()).deployment.resources ?? []).toEqual([]);
            expect(await privilegesOf(server, DATABASE, "whaly_bi")).toEqual(held);
            expect(await as(server, DATABASE, "whaly_bi", HAND_MADE_PASSWORD, (s) => s.canSelect("sales.orders"))).toBe(true);
            await server.query("DROP OWNED BY whaly_bi; DROP ROLE whaly_bi", { database: DATABASE });
        } finally {
            t.dispose();
        }
    });

    it("killed (SIGKILL) once the role is imported: the recovery converges to the plan, the hand-made password still logs in", async () => {
        makeByHand(server);
        const t = await newTestStack("adopt-killed", accessProgram(server, { ...ARGS, adoptRole: true }));
        try {
            let killed = 0;
            await failureOf(
                t.stack.up({
                    onEvent: (event) => {
                        if (event.resOutputsEvent?.metadata.type === "postgresql:index/role:Role") killed += killPulumi();
                    },
                }),
            );
            expect(killed).toBe(1);
            await restoreIfTorn(t, "adopt-killed");
            await t.stack.cancel();
            await t.stack.refresh({ clearPendingCreates: true });
            await t.stack.up();
            expect(await privilegesOf(server, DATABASE, "whaly_bi")).toEqual(expectedPrivileges(["public", "sales"], ["etl", "dbt"]));
            expect(await roleAttributes(server, "whaly_bi")).toMatchObject({ rolcreatedb: false, member_of: [] });
            expect(await logsIn(server, "whaly_bi", HAND_MADE_PASSWORD)).toBe(true);
            expect((await outputValues(t.stack)).password).toBe("");
            await t.stack.preview({ expectNoChanges: true, refresh: true });
            await t.stack.destroy();
            expect(await traces(server, DATABASE, "whaly_bi")).toEqual([]);
        } finally {
            t.dispose();
        }
    });
});

/** Extras beyond the guide's, each a kind of object or setting the take-over revokes with its own SQL. */
const ODD_EXTRAS_SQL = `
ALTER ROLE whaly_bi NOINHERIT CONNECTION LIMIT 3 VALID UNTIL '2031-01-01';
ALTER ROLE whaly_bi SET search_path TO sales, public;
ALTER ROLE whaly_bi SET work_mem TO '64MB';
ALTER ROLE whaly_bi IN DATABASE ${DATABASE} SET statement_timeout TO '5min';
\\c ${DATABASE}
CREATE FUNCTION public.answer(n integer) RETURNS integer LANGUAGE sql AS 'SELECT n';
REVOKE EXECUTE ON FUNCTION public.answer(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.answer(integer) TO whaly_bi WITH GRANT OPTION;
CREATE DOMAIN public.amount AS integer;
REVOKE USAGE ON DOMAIN public.amount FROM PUBLIC;
GRANT USAGE ON DOMAIN public.amount TO whaly_bi;
GRANT UPDATE (amount) ON secret.salaries TO whaly_bi;
GRANT SELECT ON public.customers TO whaly_bi WITH GRANT OPTION;
GRANT USAGE ON SEQUENCE sales.invoice_no TO whaly_bi;
GRANT CREATE, TEMPORARY ON DATABASE ${DATABASE} TO whaly_bi;
GRANT CONNECT ON DATABASE postgres TO whaly_bi;
ALTER DEFAULT PRIVILEGES GRANT SELECT, INSERT ON TABLES TO whaly_bi;
ALTER DEFAULT PRIVILEGES FOR ROLE etl IN SCHEMA sales GRANT UPDATE ON TABLES TO whaly_bi;
`;

describe.each([13, 16] as PostgresMajor[])("PostgreSQL %i: adopting a role with extras of every kind", (major) => {
    let server: PostgresServer;
    beforeAll(async () => {
        server = await startPostgres(major);
        await seedWarehouse(server);
        makeByHand(server);
        psql(server, ODD_EXTRAS_SQL);
    });
    afterAll(() => server?.stop());

    it("revokes each with its own SQL in one up, keeps Whaly reading, and leaves exactly the plan", async () => {
        const t = await newTestStack(`adopt-odd-pg${major}`, accessProgram(server, { ...ARGS, adoptRole: true }));
        try {
            let output = "";
            await t.stack.preview({ onOutput: (line) => (output += line) });
            expect(adoptionLines(output)).toEqual(
                expect.arrayContaining([
                    '~ NOINHERIT (the plan: INHERIT): ALTER ROLE "whaly_bi" INHERIT',
                    '- setting work_mem = 64MB: ALTER ROLE "whaly_bi" RESET "work_mem"',
                    `- settings in database ${DATABASE}: ALTER ROLE "whaly_bi" IN DATABASE "${DATABASE}" RESET ALL`,
                    '- EXECUTE on function public.answer(integer) (granted by postgres): REVOKE EXECUTE ON ROUTINE "public"."answer"(integer) FROM "whaly_bi" CASCADE (as postgres)',
                    '- UPDATE on column secret.salaries.amount (granted by postgres): REVOKE UPDATE ("amount") ON TABLE "secret"."salaries" FROM "whaly_bi" (as postgres)',
                    '- the grant option of SELECT on table public.customers (granted by postgres): REVOKE GRANT OPTION FOR SELECT ON TABLE "public"."customers" FROM "whaly_bi" CASCADE (as postgres)',
                    '- default INSERT on tables that postgres creates in any schema: ALTER DEFAULT PRIVILEGES FOR ROLE "postgres" REVOKE INSERT ON TABLES FROM "whaly_bi"',
                ]),
            );
            const reader = await startReader(server, DATABASE, "whaly_bi", HAND_MADE_PASSWORD, READ);
            await t.stack.up();
            const totals = await reader.stop();
            expect(totals.failures).toEqual([]);
            expect(await privilegesOf(server, DATABASE, "whaly_bi")).toEqual(expectedPrivileges(["public", "sales"], ["etl", "dbt"]));
            expect(await privilegesOf(server, "postgres", "whaly_bi")).toEqual([]);
            expect(
                await server.query("SELECT rolinherit, rolvaliduntil::text AS valid_until FROM pg_roles WHERE rolname = 'whaly_bi'"),
            ).toEqual([{ rolinherit: true, valid_until: "infinity" }]);
            expect(await roleAttributes(server, "whaly_bi")).toMatchObject({
                rolconnlimit: 10,
                rolconfig: ["statement_timeout=600000", "idle_in_transaction_session_timeout=60000"],
            });
            expect(
                await server.query(
                    "SELECT 1 FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole WHERE r.rolname = 'whaly_bi' AND s.setdatabase <> 0",
                ),
            ).toEqual([]);
            await t.stack.preview({ expectNoChanges: true, refresh: true });
            await t.stack.destroy();
            expect(await traces(server, DATABASE, "whaly_bi")).toEqual([]);
        } finally {
            t.dispose();
        }
    });

    it("refuses a role that owns a table, or holds privileges in another database, naming each, and changes nothing", async () => {
        makeByHand(server, false);
        await server.query("CREATE DATABASE crm");
        psql(
            server,
            "GRANT CONNECT ON DATABASE crm TO whaly_bi;\n\\c crm\nCREATE TABLE leads (id int);\nGRANT SELECT ON leads TO whaly_bi;",
        );
        await server.query("CREATE TABLE public.scratch (id int); ALTER TABLE public.scratch OWNER TO whaly_bi", { database: DATABASE });
        const t = await newTestStack(`adopt-refused-pg${major}`, accessProgram(server, { ...ARGS, adoptRole: true }));
        try {
            const before = await catalogSnapshot(server, DATABASE);
            const message = await failureOf(t.stack.preview());
            expect(message).toContain(
                "- adoptRole true: role whaly_bi owns table public.scratch, which the component cannot take away from database analytics",
            );
            expect(message).toContain(
                "- adoptRole true: role whaly_bi holds privileges in database crm (1 object), which the component cannot take away",
            );
            expect(await catalogSnapshot(server, DATABASE)).toEqual(before);
        } finally {
            t.dispose();
        }
    });
});

describe("PostgreSQL 18: what a review of adoption found", () => {
    let server: PostgresServer;
    beforeAll(async () => {
        server = await startPostgres(18);
        await seedWarehouse(server);
        // legacy.people, and USAGE on its schema for all, so that only a column privilege decides an UPDATE of it.
        psql(server, `${kindsSetupSql()}\nGRANT USAGE ON SCHEMA legacy TO PUBLIC;`);
    });
    afterEach(() => dropHandMade(server));
    afterAll(() => server?.stop());

    /** Adopts the hand-made role with `args`, returning the preview's adoption lines and what the reader saw during the up. */
    async function adopt(name: string, args: Partial<WhalyPostgresAccessArgs>, read = READ) {
        const t = await newTestStack(name, accessProgram(server, { ...args, adoptRole: true }));
        try {
            let output = "";
            await t.stack.preview({ onOutput: (line) => (output += line) });
            const reader = await startReader(server, DATABASE, "whaly_bi", HAND_MADE_PASSWORD, read);
            await t.stack.up().finally(() => reader.stop());
            return { lines: adoptionLines(output), totals: await reader.stop() };
        } finally {
            t.dispose();
        }
    }

    it("column privileges: the preview names each with its REVOKE, and after the up whaly_bi may no longer UPDATE the column", async () => {
        makeByHand(server, false);
        psql(
            server,
            `\\c ${DATABASE}\nGRANT UPDATE (email) ON legacy.people TO whaly_bi;\nGRANT SELECT (id, email) ON legacy.people TO whaly_bi;`,
        );
        const updatesEmail = () =>
            as(server, DATABASE, "whaly_bi", HAND_MADE_PASSWORD, (s) => s.can("UPDATE legacy.people SET email = email"));
        expect(await updatesEmail()).toBe(true);
        const { lines, totals } = await adopt("adopt-review-columns", ARGS);
        expect(lines).toEqual(
            expect.arrayContaining([
                '- UPDATE on column legacy.people.email (granted by postgres): REVOKE UPDATE ("email") ON TABLE "legacy"."people" FROM "whaly_bi" (as postgres)',
                '- SELECT on column legacy.people.email (granted by postgres): REVOKE SELECT ("email") ON TABLE "legacy"."people" FROM "whaly_bi" (as postgres)',
                '- SELECT on column legacy.people.id (granted by postgres): REVOKE SELECT ("id") ON TABLE "legacy"."people" FROM "whaly_bi" (as postgres)',
            ]),
        );
        expect(totals.failures).toEqual([]);
        expect(await updatesEmail()).toBe(false);
        expect(await as(server, DATABASE, "whaly_bi", HAND_MADE_PASSWORD, (s) => s.canSelect("legacy.people"))).toBe(false);
        expect(await privilegesOf(server, DATABASE, "whaly_bi")).toEqual(expectedPrivileges(["public", "sales"], ["etl", "dbt"]));
    });

    it("default privileges on large objects (pg_default_acl letter L): named at preview, not a TypeError, and revoked at up", async () => {
        makeByHand(server, false);
        psql(server, `\\c ${DATABASE}\nALTER DEFAULT PRIVILEGES GRANT SELECT ON LARGE OBJECTS TO whaly_bi;`);
        const { lines, totals } = await adopt("adopt-review-large-objects", ARGS);
        expect(lines).toEqual(
            expect.arrayContaining([
                '- default SELECT on large objects that postgres creates: ALTER DEFAULT PRIVILEGES FOR ROLE "postgres" REVOKE SELECT ON LARGE OBJECTS FROM "whaly_bi"',
            ]),
        );
        expect(totals.failures).toEqual([]);
        const named = await server.query(
            "SELECT d.defaclobjtype FROM pg_default_acl d CROSS JOIN aclexplode(d.defaclacl) a WHERE a.grantee = 'whaly_bi'::regrole AND d.defaclobjtype = 'L'",
            { database: DATABASE },
        );
        expect(named).toEqual([]);
    });

    it("the take-over commits what it grants before it revokes: a removal that fails leaves the grants, and says so", async () => {
        makeByHand(server, false);
        const { host, port, adminUser: user, adminPassword: password } = server;
        const settings = auditSettings({ host, port, user, password, database: DATABASE, sslMode: "disable" }, {});
        const failing = takeOver({ settings, names: AUDIT_SETTING_NAMES }, [
            [{ sql: 'GRANT USAGE ON SCHEMA "legacy" TO "whaly_bi"' }],
            [
                { sql: 'REVOKE CONNECT ON DATABASE "analytics" FROM "whaly_bi"' },
                { sql: 'REVOKE SELECT ON TABLE "nowhere"."nothing" FROM "whaly_bi"', as: "etl" },
            ],
        ]);
        await expect(failing).rejects.toMatchObject({
            committed: 1,
            message: 'REVOKE SELECT ON TABLE "nowhere"."nothing" FROM "whaly_bi" (as etl) failed: schema "nowhere" does not exist',
        });
        const held = await privilegesOf(server, DATABASE, "whaly_bi");
        expect(held).toEqual(expect.arrayContaining(["schema legacy USAGE", `database ${DATABASE} CONNECT`]));
    });

    it("with readAllData, the role holds pg_read_all_data before the guide's SELECTs go: 0 failed reads during the up", async () => {
        makeByHand(server, false);
        const { lines, totals } = await adopt(
            "adopt-review-all-data",
            { readAllData: true },
            "SELECT (SELECT count(*) FROM sales.orders), (SELECT count(*) FROM public.customers), (SELECT count(*) FROM sales.monthly)",
        );
        console.log(
            `PostgreSQL 18, adoption with readAllData: reader ${JSON.stringify(totals.queries)} queries, ${totals.failures.length} failed`,
        );
        expect(totals.failures).toEqual([]);
        expect(totals.queries.open).toBeGreaterThan(20);
        expect(lines).toEqual(
            expect.arrayContaining(['+ member of pg_read_all_data: GRANT "pg_read_all_data" TO "whaly_bi" WITH INHERIT TRUE']),
        );
        expect(await roleAttributes(server, "whaly_bi")).toMatchObject({ member_of: ["pg_read_all_data"] });
    });
});
