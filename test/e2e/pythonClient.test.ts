/**
 * A Python BI client, as tools built on SQLAlchemy (Superset among them) browse a database: logged
 * in with Whaly's five fields from the stack's outputs, SQLAlchemy's inspector over psycopg lists
 * the schemas, tables, views and materialized views with their columns, and the script reads every
 * relation listed and tries writes ({@link SCRIPT}). Through the real CLI on the newest major and
 * on 12: the inspector lists every schema of the database, granted or not (PostgreSQL's catalog is
 * readable by every role), Whaly reads exactly the granted relations, every other one is refused,
 * and every write is refused (but CREATE in public on 12, PUBLIC's default before 15). Then what a table creator makes after the deploy, in a listed schema
 * and, with `futureSchemas`, in a schema of its own, is listed and read with no `up` between.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { NEWEST_MAJOR, PostgresMajor, PostgresServer, startPostgres } from "../../scripts/lib/postgresServer";
import { WhalyPostgresAccessArgs } from "../../index";
import { newTestStack, TestStack } from "../harness/stack";
import { CREATOR_PASSWORD, DATABASE, seedWarehouse } from "../harness/warehouse";
import { accessProgram, outputValues } from "./support/program";

jest.setTimeout(300_000);

const ROOT = path.resolve(__dirname, "../..");
/** The interpreter of the virtual environment `bash scripts/pythonEnv.sh` makes, with SQLAlchemy and psycopg. */
const PYTHON = path.join(ROOT, ".venv/bin/python");
const SCRIPT = path.join(ROOT, "test/python/inspect_access.py");

/** What the script prints. */
interface Browse {
    schemas: string[];
    relations: Array<{ schema: string; name: string; kind: string; columns: string[]; read: string }>;
    writes: Record<string, string>;
    informationSchema: { schemas: string[]; relations: string[] };
}

/** Runs the script with Whaly's five fields on stdin: what it reports, and everything it printed. */
function browseAsWhaly(out: Record<string, unknown>): Promise<{ report: Browse; printed: string }> {
    const form = { host: out.host, port: out.port, database: out.database, user: out.user, password: out.password };
    return new Promise((resolve, reject) => {
        const child = execFile(PYTHON, [SCRIPT], { encoding: "utf8", timeout: 60_000 }, (error, stdout, stderr) => {
            if (error) reject(new Error(`${path.relative(ROOT, SCRIPT)} failed: ${stderr || error.message}`));
            else resolve({ report: JSON.parse(stdout) as Browse, printed: stdout + stderr });
        });
        child.stdin!.end(JSON.stringify(form));
    });
}

/** The relations listed outside information_schema, as `schema.name -> "kind (columns): read"`. */
function listed(report: Browse): Record<string, string> {
    return Object.fromEntries(
        report.relations
            .filter((r) => r.schema !== "information_schema")
            .map((r) => [`${r.schema}.${r.name}`, `${r.kind} (${r.columns.join(", ")}): ${r.read}`]),
    );
}

/** The writes the script tries: INSERT and UPDATE on each table it read, refused, and CREATE TABLE in each schema it read from, with the outcome `schemas` gives. */
function writesTried(tables: Record<string, string>, schemas: Record<string, string>): Record<string, string> {
    return Object.fromEntries([
        ...Object.entries(tables).flatMap(([table, column]) => {
            const refused = `permission denied for table ${table.split(".")[1]}`;
            return [
                [`INSERT INTO ${table} DEFAULT VALUES`, refused],
                [`UPDATE ${table} SET ${column} = ${column}`, refused],
            ];
        }),
        ...Object.entries(schemas).map(([schema, outcome]) => [`CREATE TABLE ${schema}.whaly_probe (id int)`, outcome]),
    ]);
}

const ARGS: Partial<WhalyPostgresAccessArgs> = { schemas: ["public", "sales"], tableCreators: ["etl", "dbt"] };

/** Runs `sql` as the table creator etl. */
const asEtl = (server: PostgresServer, sql: string) => server.query(sql, { database: DATABASE, user: "etl", password: CREATOR_PASSWORD });

/**
 * The test warehouse (public.customers; sales.orders, the view sales.order_totals and the
 * materialized view sales.monthly, made by the admin; the unlisted schema secret), plus what etl
 * makes before the deploy: a partitioned table with its partition, a view and a materialized view
 * in sales; and a view and a materialized view in secret. etl may create schemas.
 */
async function seed(server: PostgresServer): Promise<void> {
    await seedWarehouse(server);
    await server.query(
        `GRANT CREATE ON DATABASE ${DATABASE} TO etl;
         CREATE VIEW secret.salary_total AS SELECT sum(amount) AS total FROM secret.salaries;
         CREATE MATERIALIZED VIEW secret.salary_count AS SELECT count(*) AS n FROM secret.salaries;`,
        { database: DATABASE },
    );
    await asEtl(
        server,
        `CREATE TABLE sales.events (id int, day date) PARTITION BY RANGE (day);
         CREATE TABLE sales.events_2026 PARTITION OF sales.events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
         INSERT INTO sales.events VALUES (1, '2026-05-01');
         CREATE VIEW sales.events_by_day AS SELECT day, count(*) AS n FROM sales.events GROUP BY day;
         CREATE MATERIALIZED VIEW sales.event_count AS SELECT count(*) AS n FROM sales.events;`,
    );
}

/** What the inspector lists after the deploy, outside information_schema, and what reading each gives: written from the seed. */
const AFTER_DEPLOY: Record<string, string> = {
    "public.customers": "table (id, name): ok",
    "sales.orders": "table (id, amount): ok",
    "sales.events": "table (id, day): ok",
    "sales.events_2026": "table (id, day): ok",
    "sales.order_totals": "view (total): ok",
    "sales.events_by_day": "view (day, n): ok",
    "sales.monthly": "materialized view (n): ok",
    "sales.event_count": "materialized view (n): ok",
    "secret.salaries": "table (id, amount): permission denied for schema secret",
    "secret.salary_total": "view (total): permission denied for schema secret",
    "secret.salary_count": "materialized view (n): permission denied for schema secret",
};
/** The tables Whaly reads after the deploy, with the column the script's UPDATE sets. */
const TABLES_AFTER_DEPLOY = {
    "public.customers": "id",
    "sales.orders": "id",
    "sales.events": "id",
    "sales.events_2026": "id",
};

/**
 * The relations of information_schema that PostgreSQL grants to no role (their owner, the bootstrap
 * superuser, alone reads them), with the refusal: the inspector lists them too.
 */
const CATALOG_REFUSED: Record<string, string> = {
    _pg_foreign_data_wrappers: "permission denied for view _pg_foreign_data_wrappers",
    _pg_foreign_servers: "permission denied for view _pg_foreign_servers",
    _pg_foreign_table_columns: "permission denied for view _pg_foreign_table_columns",
    _pg_foreign_tables: "permission denied for view _pg_foreign_tables",
    _pg_user_mappings: "permission denied for view _pg_user_mappings",
    sql_parts: "permission denied for table sql_parts",
    transforms: "permission denied for view transforms",
};

/** What etl makes in sales after the deploy, as the inspector lists it and as reading it goes. */
const MADE_IN_SALES: Record<string, string> = {
    "sales.returns": "table (id, amount): ok",
    "sales.returns_by_amount": "view (amount, n): ok",
    "sales.return_count": "materialized view (n): ok",
};

describe.each([NEWEST_MAJOR, 12] as PostgresMajor[])("PostgreSQL %i: a Python BI client (SQLAlchemy's inspector)", (major) => {
    let server: PostgresServer;
    let t: TestStack;
    let out: Record<string, unknown>;
    // Before 15, PUBLIC (so every role) may create in schema public: see docs/troubleshooting.md, "Limits".
    const createInPublic = major < 15 ? "ok" : "permission denied for schema public";
    const createInSales = "permission denied for schema sales";

    beforeAll(async () => {
        if (!fs.existsSync(PYTHON))
            throw new Error(`${path.relative(ROOT, PYTHON)} is missing: make it with \`bash scripts/pythonEnv.sh\``);
        server = await startPostgres(major);
        await seed(server);
        t = await newTestStack(`python-client-${major}`, accessProgram(server, ARGS));
        await t.stack.up();
        out = await outputValues(t.stack);
    });
    afterAll(() => {
        t?.dispose();
        server?.stop();
    });

    it("lists every schema, the unlisted one included; reads exactly the granted relations, refuses the rest and every write (CREATE in public on 12 aside)", async () => {
        const { report, printed } = await browseAsWhaly(out);
        expect(report.schemas).toEqual(["information_schema", "public", "sales", "secret"]);
        expect(listed(report)).toEqual(AFTER_DEPLOY);
        // The catalog's own relations read, but for those PostgreSQL grants to no role.
        const catalog = report.relations.filter((r) => r.schema === "information_schema");
        expect(catalog.length).toBeGreaterThan(60);
        expect(Object.fromEntries(catalog.filter((r) => r.read !== "ok").map((r) => [r.name, r.read]))).toEqual(CATALOG_REFUSED);
        expect(report.writes).toEqual(writesTried(TABLES_AFTER_DEPLOY, { public: createInPublic, sales: createInSales }));
        // information_schema, unlike the inspector, shows only what the role may use, and no materialized view.
        expect(report.informationSchema.schemas).toEqual(["information_schema", "pg_catalog", "public", "sales"]);
        expect(report.informationSchema.relations).toEqual([
            "public.customers",
            "sales.events",
            "sales.events_2026",
            "sales.events_by_day",
            "sales.order_totals",
            "sales.orders",
        ]);
        expect(printed).not.toContain(out.password as string);
    });

    it("lists and reads the table, view and materialized view a creator makes in a listed schema after the deploy, with no up", async () => {
        await asEtl(
            server,
            `CREATE TABLE sales.returns (id int, amount int);
             CREATE VIEW sales.returns_by_amount AS SELECT amount, count(*) AS n FROM sales.returns GROUP BY amount;
             CREATE MATERIALIZED VIEW sales.return_count AS SELECT count(*) AS n FROM sales.returns;`,
        );
        const { report } = await browseAsWhaly(out);
        expect(listed(report)).toEqual({ ...AFTER_DEPLOY, ...MADE_IN_SALES });
        expect(report.writes).toEqual(
            writesTried({ ...TABLES_AFTER_DEPLOY, "sales.returns": "id" }, { public: createInPublic, sales: createInSales }),
        );
    });

    it("with futureSchemas, lists and reads a schema a creator makes after the deploy, with what it makes there, with no up", async () => {
        t.setProgram(accessProgram(server, { ...ARGS, futureSchemas: true }));
        await t.stack.up();
        await asEtl(
            server,
            `CREATE SCHEMA etl_new;
             CREATE TABLE etl_new.loads (id int, amount int);
             CREATE VIEW etl_new.load_total AS SELECT sum(amount) AS total FROM etl_new.loads;
             CREATE MATERIALIZED VIEW etl_new.load_count AS SELECT count(*) AS n FROM etl_new.loads;`,
        );
        const { report } = await browseAsWhaly(await outputValues(t.stack));
        expect(report.schemas).toEqual(["etl_new", "information_schema", "public", "sales", "secret"]);
        expect(listed(report)).toEqual({
            ...AFTER_DEPLOY,
            ...MADE_IN_SALES,
            "etl_new.loads": "table (id, amount): ok",
            "etl_new.load_total": "view (total): ok",
            "etl_new.load_count": "materialized view (n): ok",
        });
        expect(report.writes).toEqual(
            writesTried(
                { ...TABLES_AFTER_DEPLOY, "sales.returns": "id", "etl_new.loads": "id" },
                { etl_new: "permission denied for schema etl_new", public: createInPublic, sales: createInSales },
            ),
        );
    });
});
