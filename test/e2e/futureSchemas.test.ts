/**
 * futureSchemas through the real CLI and provider, on PostgreSQL 12, 15 and 18, in both rotation
 * modes, whoever gives the component its connection: a schema a table creator makes after the
 * deploy is readable at once, with what the creators make in it; so is a listed schema its creator
 * drops and creates again; a schema of any other role stays closed; Whaly can create nothing; a
 * refresh finds no drift. Then dbt-like runs under a reader that selects whatever exists at that
 * moment, and switching the option on and off on a live stack.
 */
import { auditRole, formatAudit } from "../../audit/audit";
import { PostgresMajor, PostgresServer, startPostgres } from "../../scripts/lib/postgresServer";
import { WhalyPostgresAccessArgs } from "../../index";
import { privilegesOf, traces } from "../harness/catalog";
import { CatalogReaderTotals, startCatalogReader } from "../harness/reader";
import { as, Session } from "../harness/sessions";
import { newTestStack, TestStack } from "../harness/stack";
import { adminConnection, CREATOR_PASSWORD, DATABASE, seedWarehouse } from "../harness/warehouse";
import { accessProgram, ConnectionSource, outputValues, programFrom } from "./support/program";

jest.setTimeout(600_000);

const SCHEMAS = ["public", "sales", "marts"];
const CREATORS = ["etl", "dbt"];

/** Runs `sql` as `creator` in the warehouse. */
const asCreator = (server: PostgresServer, creator: string, sql: string) =>
    server.query(sql, { database: DATABASE, user: creator, password: CREATOR_PASSWORD });

/**
 * The test warehouse, where the creators (and intruder) may also create schemas; a listed schema
 * `marts` that dbt owns, and a schema `staging` that etl made before the deploy and that is not listed.
 */
async function seedLivingWarehouse(server: PostgresServer): Promise<void> {
    await seedWarehouse(server);
    await server.query(`GRANT CREATE ON DATABASE ${DATABASE} TO etl, dbt, intruder`);
    // A SELECT of a view and the view's DROP … CASCADE lock in opposite orders: let the reader
    // (deadlock_timeout 1 s), never the builders, be the one that gives way.
    await server.query("ALTER ROLE etl SET deadlock_timeout = '10s'; ALTER ROLE dbt SET deadlock_timeout = '10s'");
    await asCreator(server, "dbt", "CREATE SCHEMA marts; CREATE TABLE marts.daily AS SELECT 1 AS id");
    await asCreator(
        server,
        "etl",
        "CREATE SCHEMA staging; CREATE TABLE staging.raw_orders (id int); CREATE TABLE staging.raw_customers (id int)",
    );
}

/** What Whaly reads: every relation of a listed schema, and of a schema a creator owns but staging, which predates the deploy. */
const WHAT_WHALY_BROWSES = `
  SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS relation
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S')
     AND (n.nspname IN ('public', 'sales', 'marts') OR (pg_get_userbyid(n.nspowner) IN ('etl', 'dbt') AND n.nspname <> 'staging'))`;

/**
 * One round of what dbt does, as dbt: in each developer's schema (created if missing; dropped and
 * created again every other round, as a full refresh), a table built by CREATE TABLE AS and
 * swapped in by renames, and a view over it; the listed schema marts dropped and created again
 * with a table, a materialized view and a sequence. And etl loads into a schema of the round,
 * dropping the previous round's.
 */
async function dbtLikeRound(dbt: Session, etl: Session, round: number): Promise<void> {
    for (const dev of ["dbt_alice", "dbt_bob"]) {
        if (round % 2 === 0) await dbt.query(`DROP SCHEMA IF EXISTS ${dev} CASCADE`);
        await dbt.query(`CREATE SCHEMA IF NOT EXISTS ${dev}`);
        await dbt.query(
            `CREATE TABLE ${dev}.stg_orders__dbt_tmp AS SELECT g AS id, g % ${round + 2} AS amount FROM generate_series(1, 500) g`,
        );
        await dbt.query(`ALTER TABLE IF EXISTS ${dev}.stg_orders RENAME TO stg_orders__dbt_backup`);
        await dbt.query(`ALTER TABLE ${dev}.stg_orders__dbt_tmp RENAME TO stg_orders`);
        await dbt.query(`DROP TABLE IF EXISTS ${dev}.stg_orders__dbt_backup CASCADE`);
        await dbt.query(
            `CREATE OR REPLACE VIEW ${dev}.orders_by_amount AS SELECT amount, count(*) AS n FROM ${dev}.stg_orders GROUP BY amount`,
        );
    }
    await dbt.query("DROP SCHEMA marts CASCADE");
    await dbt.query("CREATE SCHEMA marts");
    await dbt.query(`CREATE TABLE marts.daily AS SELECT g AS id, g * ${round} AS amount FROM generate_series(1, 500) g`);
    await dbt.query("CREATE MATERIALIZED VIEW marts.daily_totals AS SELECT sum(amount) AS total FROM marts.daily");
    await dbt.query("CREATE SEQUENCE marts.run_id");
    await etl.query(`CREATE SCHEMA load_${round}`);
    await etl.query(`CREATE TABLE load_${round}.batch AS SELECT g AS id FROM generate_series(1, 500) g`);
    await etl.query(`DROP SCHEMA IF EXISTS load_${round - 1} CASCADE`);
}

interface Case {
    major: PostgresMajor;
    rotation: "single" | "alternating";
    source: ConnectionSource;
    args?: Partial<WhalyPostgresAccessArgs>;
}
const CASES: Case[] = [
    { major: 12, rotation: "single", source: "admin" },
    { major: 12, rotation: "alternating", source: "provider" },
    // The compact mode, asked for: the same plan.
    { major: 15, rotation: "single", source: "stack config", args: { defaultPrivilegesScope: "database" } },
    { major: 15, rotation: "alternating", source: "admin" },
    { major: 18, rotation: "single", source: "provider" },
    { major: 18, rotation: "alternating", source: "stack config" },
];

describe.each(CASES)(
    "PostgreSQL $major: futureSchemas, rotation $rotation, connected through $source",
    ({ major, rotation, source, args }) => {
        let server: PostgresServer;
        let t: TestStack;
        let user: string;
        let password: string;
        const asWhaly = <T>(body: (s: Session) => Promise<T>) => as(server, DATABASE, user, password, body);

        beforeAll(async () => {
            server = await startPostgres(major);
            await seedLivingWarehouse(server);
            const { program, config } = programFrom(source, server, {
                schemas: SCHEMAS,
                tableCreators: CREATORS,
                futureSchemas: true,
                rotation,
                ...args,
            });
            t = await newTestStack(`future-${major}-${rotation}-${source.replace(" ", "-")}`, program);
            await t.stack.setAllConfig(config);
        });
        afterAll(() => {
            t?.dispose();
            server?.stop();
        });

        it("preview says whose new schemas are read, warns of the unlisted schema a creator owns, and plans 3 database-wide defaults per creator", async () => {
            let output = "";
            await t.stack.preview({ onOutput: (line) => (output += line) });
            expect(output).toContain(
                "futureSchemas: the schemas that etl and dbt create from now on, with the tables, views and sequences the table creators make in them, are readable by whaly_bi at once; schemas of other roles stay closed",
            );
            expect(output).toContain(
                'schema staging, owned by etl, is not listed: whaly_bi reads nothing in it, neither its 2 relations today nor what is made there later (futureSchemas opens the schemas created from now on); add "staging" to schemas',
            );
            expect(output).not.toMatch(/schema (secret|marts|sales|public), owned by/);
            const defaults = [...(await t.plannedOps()).entries()].filter(([name]) => name.startsWith("whaly/default-"));
            expect(defaults.sort()).toEqual(
                CREATORS.flatMap((c) => ["tables", "sequences", "schemas"].map((kind) => [`whaly/default-${kind}/${c}`, "create"])).sort(),
            );
        });

        it("up gives the role default USAGE on the creators' schemas and SELECT on their tables and sequences, database-wide, and CREATE nowhere", async () => {
            let output = "";
            await t.stack.up({ onOutput: (line) => (output += line) });
            expect(output).toContain("futureSchemas: the schemas that etl and dbt create from now on");
            const out = await outputValues(t.stack);
            [user, password] = [out.user as string, out.password as string];
            expect(user).toBe(rotation === "single" ? "whaly_bi" : "whaly_bi_a");
            const held = await privilegesOf(server, DATABASE, "whaly_bi");
            expect(held.filter((p) => p.startsWith("default "))).toEqual(
                [
                    "default dbt * schema USAGE",
                    "default dbt * sequence SELECT",
                    "default dbt * table SELECT",
                    "default etl * schema USAGE",
                    "default etl * sequence SELECT",
                    "default etl * table SELECT",
                ].sort(),
            );
            expect(held).toContain("schema marts USAGE");
            expect(held).toContain("table marts.daily SELECT");
            expect(held.filter((p) => p.endsWith(" CREATE"))).toEqual([]);
            // The grants stay on the group.
            if (rotation === "alternating")
                for (const u of ["whaly_bi_a", "whaly_bi_b"]) expect(await privilegesOf(server, DATABASE, u)).toEqual([]);
            expect(out.accessSql).toContain('ALTER DEFAULT PRIVILEGES FOR ROLE "dbt" GRANT USAGE ON SCHEMAS TO "whaly_bi";');
        });

        it("a schema a creator makes after the deploy is readable at once, with its table, view, materialized view and sequence, and what another creator makes there; Whaly can only read", async () => {
            await asCreator(
                server,
                "etl",
                `CREATE SCHEMA etl_new;
             CREATE TABLE etl_new.orders (id serial PRIMARY KEY, amount int);
             INSERT INTO etl_new.orders (amount) VALUES (5);
             CREATE VIEW etl_new.totals AS SELECT sum(amount) AS total FROM etl_new.orders;
             CREATE MATERIALIZED VIEW etl_new.monthly AS SELECT count(*) AS n FROM etl_new.orders;
             CREATE SEQUENCE etl_new.invoice_no;
             GRANT USAGE, CREATE ON SCHEMA etl_new TO dbt;`,
            );
            await asCreator(server, "dbt", "CREATE TABLE etl_new.dbt_model AS SELECT 1 AS id");
            // A schema a superuser makes for a creator is the creator's: its defaults apply.
            await server.query("CREATE SCHEMA etl_by_admin AUTHORIZATION etl", { database: DATABASE });
            await asCreator(server, "etl", "CREATE TABLE etl_by_admin.events (id int)");
            expect(
                await asWhaly(async (s) => ({
                    "etl_new.orders": await s.canSelect("etl_new.orders"),
                    "etl_new.orders_id_seq": await s.canSelect("etl_new.orders_id_seq"),
                    "etl_new.totals (view)": await s.canSelect("etl_new.totals"),
                    "etl_new.monthly (materialized view)": await s.canSelect("etl_new.monthly"),
                    "etl_new.invoice_no (sequence)": await s.canSelect("etl_new.invoice_no"),
                    "etl_new.dbt_model (dbt's)": await s.canSelect("etl_new.dbt_model"),
                    "etl_by_admin.events": await s.canSelect("etl_by_admin.events"),
                    "nextval etl_new.invoice_no": await s.canNextval("etl_new.invoice_no"),
                    "insert etl_new.orders": await s.canInsert("etl_new.orders"),
                    "update etl_new.orders": await s.canUpdate("etl_new.orders"),
                    "delete etl_new.orders": await s.canDelete("etl_new.orders"),
                    "create table in etl_new": await s.canCreateTable("etl_new"),
                    "create schema": await s.canCreateSchema(),
                })),
            ).toEqual({
                "etl_new.orders": true,
                "etl_new.orders_id_seq": true,
                "etl_new.totals (view)": true,
                "etl_new.monthly (materialized view)": true,
                "etl_new.invoice_no (sequence)": true,
                "etl_new.dbt_model (dbt's)": true,
                "etl_by_admin.events": true,
                "nextval etl_new.invoice_no": false,
                "insert etl_new.orders": false,
                "update etl_new.orders": false,
                "delete etl_new.orders": false,
                "create table in etl_new": false,
                "create schema": false,
            });
            expect(await asWhaly((s) => s.query("SELECT amount FROM etl_new.orders"))).toEqual([{ amount: 5 }]);
        });

        it("a listed schema its creator drops with CASCADE and creates again is readable at once, with its new tables", async () => {
            await asCreator(
                server,
                "dbt",
                "DROP SCHEMA marts CASCADE; CREATE SCHEMA marts; CREATE TABLE marts.daily AS SELECT 2 AS id; CREATE TABLE marts.weekly (id serial)",
            );
            expect(
                await asWhaly(async (s) => ({
                    daily: await s.query("SELECT id FROM marts.daily"),
                    weekly: await s.canSelect("marts.weekly"),
                    weeklySequence: await s.canSelect("marts.weekly_id_seq"),
                    createTable: await s.canCreateTable("marts"),
                })),
            ).toEqual({ daily: [{ id: 2 }], weekly: true, weeklySequence: true, createTable: false });
        });

        it("stay closed: a schema of a role that is not a table creator, a superuser's, a table a superuser hands to etl, and the unlisted schema etl made before the deploy, even its new tables", async () => {
            await asCreator(server, "intruder", "CREATE SCHEMA intruder_own; CREATE TABLE intruder_own.t (id int)");
            await server.query("CREATE SCHEMA admin_own; CREATE TABLE admin_own.t (id int)", { database: DATABASE });
            // Privileges are set when a table is made: one a superuser makes and hands to etl is not etl's creation.
            await server.query("CREATE TABLE etl_new.handed_over (id int); ALTER TABLE etl_new.handed_over OWNER TO etl", {
                database: DATABASE,
            });
            await asCreator(server, "etl", "CREATE TABLE staging.raw_later (id int)");
            expect(
                await asWhaly(async (s) => ({
                    "intruder_own.t": await s.canSelect("intruder_own.t"),
                    "admin_own.t": await s.canSelect("admin_own.t"),
                    "etl_new.handed_over": await s.canSelect("etl_new.handed_over"),
                    "staging.raw_orders": await s.canSelect("staging.raw_orders"),
                    "staging.raw_later": await s.canSelect("staging.raw_later"),
                    "secret.salaries": await s.canSelect("secret.salaries"),
                })),
            ).toEqual({
                "intruder_own.t": false,
                "admin_own.t": false,
                "etl_new.handed_over": false,
                "staging.raw_orders": false,
                "staging.raw_later": false,
                "secret.salaries": false,
            });
            // Out of the way of the reader below, which lists etl's schemas.
            await server.query("DROP TABLE etl_new.handed_over", { database: DATABASE });
        });

        it("dbt-like runs, while Whaly selects whatever exists at that moment: no permission error", async () => {
            const [dbt, etl] = await Promise.all(["dbt", "etl"].map((c) => Session.open(server, DATABASE, c, CREATOR_PASSWORD)));
            const reader = await startCatalogReader(server, DATABASE, user, password, WHAT_WHALY_BROWSES);
            let totals: CatalogReaderTotals;
            const rounds = 20;
            try {
                for (let round = 1; round <= rounds; round++) {
                    await dbtLikeRound(dbt, etl, round);
                    // Whaly also sees what this round left, before the next one starts.
                    await reader.passStartedAfterNow();
                }
            } finally {
                await Promise.all([dbt.close(), etl.close()]);
                totals = await reader.stop();
            }
            console.log(
                `PostgreSQL ${major}, ${rotation}, ${source}: ${rounds} dbt-like rounds; Whaly made ${totals.listings} passes over the catalog, ` +
                    `${totals.selects} selects returned, ${totals.permissionErrors.length} permission errors, ` +
                    `${totals.missing} "does not exist" and ${totals.deadlocks} deadlocks (with a concurrent drop), ${totals.otherErrors.length} other errors`,
            );
            expect(totals.permissionErrors).toEqual([]);
            expect(totals.otherErrors).toEqual([]);
            expect(totals.listings).toBeGreaterThanOrEqual(2 * rounds);
            expect(totals.selects).toBeGreaterThan(10 * rounds);
        });

        it("preview --refresh plans no change after all of it, and warns only of the schema that predates the deploy; up --refresh converges", async () => {
            let output = "";
            await t.stack.preview({ refresh: true, expectNoChanges: true, onOutput: (line) => (output += line) });
            expect(output).toContain("schema staging, owned by etl, is not listed");
            expect(output).not.toMatch(/schema (etl_new|etl_by_admin|dbt_alice|dbt_bob|load_20), owned by/);
            expect(await t.plannedOps({ refresh: true })).toEqual(new Map());
            const { summary } = await t.stack.up({ refresh: true });
            expect(Object.keys(summary.resourceChanges ?? {}).filter((op) => op !== "same")).toEqual([]);
            await t.stack.preview({ refresh: true, expectNoChanges: true });
        });

        it("the audit reports the creators whose new schemas and tables the role reads, and CREATE nowhere", async () => {
            const admin = adminConnection(server);
            for (const role of rotation === "single" ? ["whaly_bi"] : ["whaly_bi", "whaly_bi_a", "whaly_bi_b"]) {
                const report = await auditRole(admin, role, {});
                expect([role, report.futureSchemaOwners]).toEqual([role, ["dbt", "etl"]]);
                expect(formatAudit(report)).toContain(
                    "Future schemas (readable the moment they exist):\n  the schemas dbt creates, with the tables dbt creates in them\n  the schemas etl creates, with the tables etl creates in them\n",
                );
                // Before 15, PUBLIC (so every role) may create in schema public: see README, "Limits".
                expect(report.beyondRead.filter((b) => b.privilege === "CREATE" && !(major < 15 && b.on === "schema public"))).toEqual([]);
                expect(report.schemas).toEqual(expect.arrayContaining(["dbt_alice", "dbt_bob", "etl_new", "load_20", "marts"]));
            }
        });

        it("destroy leaves nothing that mentions the role, in the schemas made since either", async () => {
            await t.stack.destroy();
            for (const role of ["whaly_bi", "whaly_bi_a", "whaly_bi_b"]) expect(await traces(server, DATABASE, role)).toEqual([]);
        });
    },
);

describe("PostgreSQL 18: turning futureSchemas on and off on a live stack", () => {
    let server: PostgresServer;
    let t: TestStack;
    let password: string;
    let made = 0;

    const program = (futureSchemas: boolean) =>
        accessProgram(server, { schemas: ["public", "sales"], tableCreators: CREATORS, futureSchemas });
    const readable = (relations: string[]) =>
        as(server, DATABASE, "whaly_bi", password, async (s) => {
            const answers: Record<string, boolean> = {};
            for (const relation of relations) answers[relation] = await s.canSelect(relation);
            return answers;
        });

    /** Runs `up` while etl creates a table in the listed schema sales every few milliseconds; returns the tables made. */
    async function upWhileCreating(): Promise<string[]> {
        const etl = await Session.open(server, DATABASE, "etl", CREATOR_PASSWORD);
        const tables: string[] = [];
        let deploying = true;
        const creating = (async () => {
            while (deploying) {
                const table = `sales.during_${++made}`;
                await etl.query(`CREATE TABLE ${table} (id int)`);
                tables.push(table);
                await new Promise((resolve) => setTimeout(resolve, 5));
            }
        })();
        try {
            await t.stack.up();
        } finally {
            deploying = false;
            await creating;
            await etl.close();
        }
        return tables;
    }

    beforeAll(async () => {
        server = await startPostgres(18);
        await seedLivingWarehouse(server);
        t = await newTestStack("future-switch", program(false));
        await t.stack.up();
        password = (await outputValues(t.stack)).password as string;
    });
    afterAll(() => {
        t?.dispose();
        server?.stop();
    });

    it("without it, a schema a creator makes after the deploy is closed", async () => {
        await asCreator(server, "etl", "CREATE SCHEMA before_on; CREATE TABLE before_on.t (id int)");
        expect(await readable(["before_on.t"])).toEqual({ "before_on.t": false });
    });

    it("turning it on creates 3 database-wide defaults per creator, deletes the per-schema ones, and leaves no table made meanwhile unreadable", async () => {
        t.setProgram(program(true));
        const created = CREATORS.flatMap((c) => ["tables", "sequences", "schemas"].map((kind) => `whaly/default-${kind}/${c}`));
        const deleted = CREATORS.flatMap((c) =>
            ["public", "sales"].flatMap((s) => [`whaly/default-tables/${c}/${s}`, `whaly/default-sequences/${c}/${s}`]),
        );
        expect(await t.plannedOps()).toEqual(
            new Map([...created.map((n) => [n, "create"] as const), ...deleted.map((n) => [n, "delete"] as const)]),
        );
        const tables = await upWhileCreating();
        expect(tables.length).toBeGreaterThan(10);
        expect(Object.entries(await readable(tables)).filter(([, ok]) => !ok)).toEqual([]);
        await asCreator(server, "etl", "CREATE SCHEMA while_on; CREATE TABLE while_on.t (id int)");
        expect(await readable(["while_on.t", "before_on.t"])).toEqual({ "while_on.t": true, "before_on.t": false });
        await t.stack.preview({ refresh: true, expectNoChanges: true });
    });

    it("turning it off closes the schemas made from then on; those made meanwhile keep their grant; no table of a listed schema is unreadable", async () => {
        t.setProgram(program(false));
        const tables = await upWhileCreating();
        expect(tables.length).toBeGreaterThan(10);
        expect(Object.entries(await readable(tables)).filter(([, ok]) => !ok)).toEqual([]);
        await asCreator(server, "etl", "CREATE SCHEMA after_off; CREATE TABLE after_off.t (id int)");
        expect(await readable(["after_off.t", "while_on.t"])).toEqual({ "after_off.t": false, "while_on.t": true });
        expect((await privilegesOf(server, DATABASE, "whaly_bi")).filter((p) => p.startsWith("default ") && p.includes(" * "))).toEqual([]);
        await t.stack.preview({ refresh: true, expectNoChanges: true });
    });

    it("destroy leaves nothing that mentions the role, in while_on either", async () => {
        await t.stack.destroy();
        expect(await traces(server, DATABASE, "whaly_bi")).toEqual([]);
    });
});
