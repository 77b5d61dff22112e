/**
 * futureSchemas against the real dbt (dbt-core and dbt-postgres on the project in
 * test/fixtures/dbt), through the real CLI and provider, on PostgreSQL 12, 15 and 18, in both
 * rotation modes, and over a whaly_bi made by hand and adopted: the component is deployed once on a
 * warehouse that holds only the loader's raw schema; then dbt builds from nothing, runs,
 * snapshots, rebuilds with --full-refresh and builds a developer's own schema, with no `up` in
 * between, while Whaly lists every relation of every non-system schema that exists at that moment
 * and reads each. After each dbt command, with dbt done, everything there is readable; then a
 * refresh finds nothing to change, and the audit names dbt and the loader as the roles whose future
 * schemas the role reads.
 */
import { auditRole } from "../../audit/audit";
import { PostgresMajor, PostgresServer, startPostgres } from "../../scripts/lib/postgresServer";
import { WhalyPostgresAccessArgs } from "../../index";
import { privilegesOf } from "../harness/catalog";
import { DbtLogins, DbtProject, dbtProject, DbtRun } from "../harness/dbt";
import { HAND_MADE_PASSWORD, makeByHand } from "../harness/handMade";
import { CatalogReaderTotals, startCatalogReader } from "../harness/reader";
import { as } from "../harness/sessions";
import { newTestStack, TestStack } from "../harness/stack";
import { adminConnection, DATABASE, EXISTING, seedWarehouse } from "../harness/warehouse";
import { ConnectionSource, outputValues, programFrom } from "./support/program";

jest.setTimeout(600_000);

const PASSWORD = "builder-password";
/** dbt on the prod target as its service role; on the dev target as the developer alice, acting as dbt (profiles.yml's `role`). */
const LOGINS: DbtLogins = { prod: { user: "dbt", password: PASSWORD }, dev: { user: "alice", password: PASSWORD, role: "dbt" } };
const ARGS: Partial<WhalyPostgresAccessArgs> = { schemas: ["raw"], tableCreators: ["dbt", "loader"], futureSchemas: true };

/** The loader's schema, made before the deploy, with what dbt's sources read. */
const RAW_SQL = `
CREATE SCHEMA raw;
CREATE TABLE raw.customers (id int PRIMARY KEY, name text NOT NULL, country text NOT NULL, updated_at timestamp NOT NULL DEFAULT now());
CREATE TABLE raw.orders (id int PRIMARY KEY, customer_id int NOT NULL, amount numeric(10, 2) NOT NULL, status text NOT NULL,
                         updated_at timestamp NOT NULL DEFAULT now());
INSERT INTO raw.customers (id, name, country) VALUES (1, 'Ada', 'FR'), (2, 'Grace', 'US'), (3, 'Alan', 'GB');
INSERT INTO raw.orders (id, customer_id, amount, status) VALUES (1, 1, 30, 'delivered'), (2, 2, 12.5, 'shipped'), (3, 3, 8, 'placed');
GRANT USAGE ON SCHEMA raw TO dbt;
GRANT SELECT ON ALL TABLES IN SCHEMA raw TO dbt;
ALTER DEFAULT PRIVILEGES IN SCHEMA raw GRANT SELECT ON TABLES TO dbt;`;

/** The loader's load before dbt's command number `round`: new and changed orders, a changed customer, and a table of its own made in raw. */
const loaderLoads = (server: PostgresServer, round: number) =>
    server.query(
        `INSERT INTO raw.orders (id, customer_id, amount, status) VALUES (${10 * round}, 1, ${round}, 'placed'), (${10 * round + 1}, 3, 5, 'returned');
         UPDATE raw.orders SET status = 'delivered', updated_at = now() WHERE id = 2;
         UPDATE raw.customers SET country = 'C${round}', updated_at = now() WHERE id = 2;
         CREATE TABLE IF NOT EXISTS raw.payments (order_id int, amount numeric(10, 2), paid_at timestamptz DEFAULT now());
         INSERT INTO raw.payments (order_id, amount) VALUES (${10 * round}, ${round});`,
        { database: DATABASE, user: "loader", password: PASSWORD },
    );

/** One dbt command, after the loader's load when `load`. */
interface Step {
    dbt: string[];
    target?: "prod" | "dev";
    load?: boolean;
}

/** Every way dbt makes and remakes a relation, once per major. */
const EVERY_STEP: Step[] = [
    // From an empty warehouse: its schemas, the seed, views, a table, the incremental model's first
    // build, a materialized view, the snapshot's first build, and the tests.
    { dbt: ["build"] },
    // Views and the table built aside and renamed into place, the backups dropped with CASCADE;
    // the new orders merged into the incremental model (MERGE from 15, DELETE and INSERT before);
    // the materialized view, dropped with the backup of the table it reads, made again.
    { dbt: ["run"], load: true },
    // The changed customer merged into the snapshot.
    { dbt: ["snapshot"], load: true },
    // The seed dropped with CASCADE (the staging view on it goes too) and made again, every model
    // rebuilt and swapped in, the incremental model and the materialized view included.
    { dbt: ["build", "--full-refresh"] },
    // A developer's own schema, dbt_alice, from nothing: alice logs in and acts as dbt.
    { dbt: ["build"], target: "dev" },
];
/** The same for another login or another role's origin: a build from nothing, a load, and a full refresh. */
const BUILD_AND_FULL_REFRESH: Step[] = [{ dbt: ["build"] }, { dbt: ["build", "--full-refresh"], load: true }];

/** What dbt builds on a target, by schema on prod; on dev all in the developer's schema. */
const DBT_RELATIONS = {
    reference: ["order_statuses"],
    staging: ["stg_customers", "stg_orders"],
    marts: ["customers", "fct_orders", "revenue_by_country"],
    snapshots: ["customers_snapshot"],
};
const PROD_RELATIONS = Object.entries(DBT_RELATIONS).flatMap(([schema, names]) => names.map((n) => `${schema}.${n}`));
const DEV_RELATIONS = Object.values(DBT_RELATIONS).flatMap((names) => names.map((n) => `dbt_alice.${n}`));
const RAW_RELATIONS = ["raw.customers", "raw.orders", "raw.payments"];

interface Case {
    name: string;
    rotation: "single" | "alternating";
    steps: Step[];
    /** Adopt a whaly_bi made by hand from Whaly's guide on the test warehouse (harness/handMade.ts), which lists its schemas. */
    adoptRole?: boolean;
    /** How the component connects: `admin`, the stack's own provider in opts, or the default provider from stack config. */
    source: ConnectionSource;
}
const SINGLE: Case = { name: "rotation single", rotation: "single", steps: EVERY_STEP, source: "admin" };
const ALTERNATING = (source: ConnectionSource): Case => ({
    name: `rotation alternating, connected through ${source}`,
    rotation: "alternating",
    steps: BUILD_AND_FULL_REFRESH,
    source,
});
const ADOPTED: Case = {
    name: "a hand-made whaly_bi adopted",
    rotation: "single",
    steps: BUILD_AND_FULL_REFRESH,
    adoptRole: true,
    source: "provider",
};

const MAJORS: Array<{ major: PostgresMajor; cases: Case[] }> = [
    { major: 12, cases: [SINGLE, ALTERNATING("stack config")] },
    { major: 15, cases: [SINGLE, ALTERNATING("provider")] },
    { major: 18, cases: [SINGLE, ALTERNATING("stack config"), ADOPTED] },
];

/**
 * Every relation in a non-system schema, as Whaly finds them in the catalog (qualified, quoted),
 * but in `closed`: the schemas it must not read.
 */
const everyRelation = (closed: string[]) => `
  SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS relation
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
     AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'
     AND n.nspname <> ALL (ARRAY[${closed.map((s) => `'${s}'`).join(", ")}]::name[])
   ORDER BY 1`;

describe.each(MAJORS)("PostgreSQL $major: the real dbt under futureSchemas", ({ major, cases }) => {
    let server: PostgresServer;
    let project: DbtProject;

    beforeAll(async () => {
        server = await startPostgres(major);
        await server.query(
            `CREATE ROLE loader LOGIN PASSWORD '${PASSWORD}';
             CREATE ROLE dbt LOGIN PASSWORD '${PASSWORD}';
             CREATE ROLE alice LOGIN PASSWORD '${PASSWORD}' IN ROLE dbt;`,
        );
        // A SELECT of a view and the view's DROP … CASCADE lock in opposite orders: let the reader
        // (deadlock_timeout 1 s), never the builders, be the one that gives way.
        for (const role of ["loader", "dbt", "alice"]) await server.query(`ALTER ROLE ${role} SET deadlock_timeout = '10s'`);
        project = dbtProject(server, DATABASE, LOGINS, major >= 15 ? "merge" : "delete+insert");
    });
    afterAll(() => {
        project?.dispose();
        server?.stop();
    });

    describe.each(cases)("$name", ({ name, rotation, steps, adoptRole, source }) => {
        let t: TestStack;
        let whaly: { user: string; password: string };
        // The hand-made role's warehouse has schemas of its own: public and sales are listed; secret, an admin's, stays closed.
        const schemas = adoptRole ? ["public", "sales", "raw"] : ["raw"];
        const listing = everyRelation(adoptRole ? ["secret"] : []);

        beforeAll(async () => {
            if (adoptRole) {
                await seedWarehouse(server, ["etl"]);
                makeByHand(server);
            } else await server.query(`CREATE DATABASE ${DATABASE}`);
            await server.query(`GRANT CREATE ON DATABASE ${DATABASE} TO loader, dbt`);
            await server.query(RAW_SQL, { database: DATABASE, user: "loader", password: PASSWORD });
            const { program, config } = programFrom(source, server, { ...ARGS, schemas, rotation, adoptRole });
            t = await newTestStack(`dbt-pg${major}-${rotation}${adoptRole ? "-adopted" : ""}`, program);
            await t.stack.setAllConfig(config);
        });
        afterAll(async () => {
            t?.dispose();
            // The next case starts again from a warehouse dbt has not touched, with no Whaly role:
            // every privilege the stack gave is in the database.
            await server.query(`DROP DATABASE IF EXISTS ${DATABASE}`);
            await server.query("DROP ROLE IF EXISTS whaly_bi_a, whaly_bi_b, whaly_bi, etl");
        });

        it("up, before dbt has made anything, says whose new schemas Whaly reads and gives three database-wide defaults per creator", async () => {
            let output = "";
            await t.stack.up({ onOutput: (line) => (output += line) });
            expect(output).toContain(
                "futureSchemas: the schemas that dbt and loader create from now on, with the tables, views and sequences the table creators make in them, are readable by whaly_bi at once",
            );
            const out = await outputValues(t.stack);
            expect(out.user).toBe(rotation === "single" ? "whaly_bi" : "whaly_bi_a");
            // An adopted role keeps the password it has until the first passwordVersion bump.
            if (adoptRole) expect(out.password).toBe("");
            whaly = { user: out.user as string, password: adoptRole ? HAND_MADE_PASSWORD : (out.password as string) };
            expect((await privilegesOf(server, DATABASE, "whaly_bi")).filter((p) => p.startsWith("default "))).toEqual([
                "default dbt * schema USAGE",
                "default dbt * sequence SELECT",
                "default dbt * table SELECT",
                "default loader * schema USAGE",
                "default loader * sequence SELECT",
                "default loader * table SELECT",
            ]);
        });

        it("dbt builds, runs, snapshots and full-refreshes with no up, while Whaly reads whatever exists: no permission error, and all of it readable after each command", async () => {
            const reader = await startCatalogReader(server, DATABASE, whaly.user, whaly.password, listing);
            const runs: DbtRun[] = [];
            const seen = new Set<string>();
            const refused: string[] = [];
            let totals: CatalogReaderTotals;
            try {
                for (const [round, step] of steps.entries()) {
                    if (step.load) await loaderLoads(server, round);
                    runs.push(await project.dbt(step.dbt, step.target ?? "prod"));
                    await reader.passStartedAfterNow();
                    // With dbt done, Whaly reads each relation there is, in a session of its own.
                    await as(server, DATABASE, whaly.user, whaly.password, async (s) => {
                        for (const { relation } of await s.query<{ relation: string }>(listing)) {
                            seen.add(relation);
                            if (!(await s.canSelect(relation))) refused.push(`after ${runs[runs.length - 1].command}: ${relation}`);
                        }
                    });
                }
            } finally {
                totals = await reader.stop();
            }
            console.log(
                `PostgreSQL ${major}, ${name}: ${runs.length} dbt commands (${runs.map((r) => `${r.command}: ${r.nodes} nodes, ${r.seconds.toFixed(1)} s`).join("; ")}); ` +
                    `${seen.size} relations, all readable after every command; Whaly's reader meanwhile: ${totals.listings} passes over the catalog, ` +
                    `${totals.selects} reads, ${totals.permissionErrors.length} permission errors, ${totals.missing} "does not exist" (dropped between the listing and the read), ` +
                    `${totals.deadlocks} deadlocks, ${totals.otherErrors.length} other errors`,
            );
            expect(refused).toEqual([]);
            expect(totals.permissionErrors).toEqual([]);
            expect(totals.otherErrors).toEqual([]);
            const existing = adoptRole
                ? Object.values(EXISTING).flatMap((e) => [...e.tables, ...e.sequences, ...e.views, ...e.matviews])
                : [];
            const dev = steps.some((s) => s.target === "dev") ? DEV_RELATIONS : [];
            expect([...seen].sort()).toEqual([...RAW_RELATIONS, ...PROD_RELATIONS, ...dev, ...existing].sort());
            expect(totals.listings).toBeGreaterThanOrEqual(2 * steps.length);
            expect(totals.selects).toBeGreaterThan(10 * steps.length);
        });

        it("preview --refresh plans no change; the audit names dbt and the loader as the roles whose new schemas the role reads", async () => {
            await t.stack.preview({ refresh: true, expectNoChanges: true });
            const admin = adminConnection(server);
            for (const role of rotation === "single" ? ["whaly_bi"] : ["whaly_bi", whaly.user]) {
                const report = await auditRole(admin, role, {});
                expect([role, report.futureSchemaOwners]).toEqual([role, ["dbt", "loader"]]);
                expect(report.schemas).toEqual(expect.arrayContaining(["marts", "raw", "reference", "snapshots", "staging"]));
            }
        });
    });
});
