/**
 * A small warehouse to grant on: database `analytics`, table creators `etl` and `dbt`, a role
 * `intruder` that may create tables but is never listed, and existing tables, views,
 * materialized views and sequences in `public` and `sales`, plus an unlisted schema `secret`.
 */
import { PostgresServer } from "../../scripts/lib/postgresServer";
import { Session } from "./sessions";

export const DATABASE = "analytics";
export const CREATOR_PASSWORD = "creator-password";

/** The admin's connection to the warehouse, as the audit takes it. */
export function adminConnection(server: PostgresServer) {
    return {
        host: server.host,
        port: server.port,
        user: server.adminUser,
        password: server.adminPassword,
        database: DATABASE,
        sslMode: "disable",
    };
}

/** Relations that exist before `up`, by schema. */
export const EXISTING = {
    public: { tables: ["public.customers"], sequences: ["public.customers_id_seq"], views: [] as string[], matviews: [] as string[] },
    sales: {
        tables: ["sales.orders"],
        sequences: ["sales.orders_id_seq", "sales.invoice_no"],
        views: ["sales.order_totals"],
        matviews: ["sales.monthly"],
    },
};

export async function seedWarehouse(server: PostgresServer, creators: string[] = ["etl", "dbt", "intruder"]): Promise<void> {
    for (const role of creators) await server.query(`CREATE ROLE "${role}" LOGIN PASSWORD '${CREATOR_PASSWORD}'`);
    await server.query(`CREATE DATABASE ${DATABASE}`);
    const grantees = creators.map((c) => `"${c}"`).join(", ");
    await server.query(
        `CREATE SCHEMA sales;
         CREATE SCHEMA secret;
         GRANT USAGE, CREATE ON SCHEMA public, sales TO ${grantees};
         CREATE TABLE public.customers (id serial PRIMARY KEY, name text);
         CREATE TABLE sales.orders (id serial PRIMARY KEY, amount int);
         CREATE SEQUENCE sales.invoice_no;
         CREATE VIEW sales.order_totals AS SELECT sum(amount) AS total FROM sales.orders;
         CREATE MATERIALIZED VIEW sales.monthly AS SELECT count(*) AS n FROM sales.orders;
         CREATE TABLE secret.salaries (id serial PRIMARY KEY, amount int);
         INSERT INTO public.customers (name) VALUES ('ada');
         INSERT INTO sales.orders (amount) VALUES (42);`,
        { database: DATABASE },
    );
}

/** The privilege set the guide implies for `schemas` and `creators` on this warehouse, written out by hand. */
export function expectedPrivileges(schemas: Array<keyof typeof EXISTING>, creators: string[]): string[] {
    const entries = [`database ${DATABASE} CONNECT`];
    for (const schema of schemas) {
        const existing = EXISTING[schema];
        entries.push(`schema ${schema} USAGE`);
        entries.push(...existing.tables.map((t) => `table ${t} SELECT`));
        entries.push(...existing.views.map((v) => `view ${v} SELECT`));
        entries.push(...existing.matviews.map((m) => `materialized view ${m} SELECT`));
        entries.push(...existing.sequences.map((s) => `sequence ${s} SELECT`));
        for (const creator of creators)
            entries.push(`default ${creator} ${schema} table SELECT`, `default ${creator} ${schema} sequence SELECT`);
    }
    return entries.sort();
}

/** What a read-only BI role may and may not do on the warehouse, as `check -> allowed`. */
export const READ_ONLY_ACCESS: Record<string, boolean> = {
    "select public.customers": true,
    "select public.customers_id_seq": true,
    "select sales.orders": true,
    "select sales.orders_id_seq": true,
    "select sales.invoice_no": true,
    "select sales.order_totals (view)": true,
    "select sales.monthly (materialized view)": true,
    "select secret.salaries (unlisted schema)": false,
    "insert sales.orders": false,
    "update sales.orders": false,
    "delete sales.orders": false,
    "truncate sales.orders": false,
    "insert public.customers": false,
    "create table in public": false,
    "create table in sales": false,
    "create schema": false,
    "nextval sales.invoice_no": false,
    // PUBLIC holds TEMPORARY on every new database: see README, "Limits".
    "create temporary table": true,
};

/** Tries every check of {@link READ_ONLY_ACCESS} in `session`. */
export async function accessReport(session: Session): Promise<Record<string, boolean>> {
    return {
        "select public.customers": await session.canSelect("public.customers"),
        "select public.customers_id_seq": await session.canSelect("public.customers_id_seq"),
        "select sales.orders": await session.canSelect("sales.orders"),
        "select sales.orders_id_seq": await session.canSelect("sales.orders_id_seq"),
        "select sales.invoice_no": await session.canSelect("sales.invoice_no"),
        "select sales.order_totals (view)": await session.canSelect("sales.order_totals"),
        "select sales.monthly (materialized view)": await session.canSelect("sales.monthly"),
        "select secret.salaries (unlisted schema)": await session.canSelect("secret.salaries"),
        "insert sales.orders": await session.canInsert("sales.orders"),
        "update sales.orders": await session.canUpdate("sales.orders"),
        "delete sales.orders": await session.canDelete("sales.orders"),
        "truncate sales.orders": await session.canTruncate("sales.orders"),
        "insert public.customers": await session.canInsert("public.customers"),
        "create table in public": await session.canCreateTable("public"),
        "create table in sales": await session.canCreateTable("sales"),
        "create schema": await session.canCreateSchema(),
        "nextval sales.invoice_no": await session.canNextval("sales.invoice_no"),
        "create temporary table": await session.can("CREATE TEMPORARY TABLE whaly_probe (id int)"),
    };
}

/** Each of `creators` makes a table (with its serial sequence) in `sales` and a sequence in `public`. */
export async function createLaterObjects(server: PostgresServer, creators: string[]): Promise<void> {
    for (const creator of creators)
        await server.query(`CREATE TABLE sales.${creator}_later (id serial PRIMARY KEY); CREATE SEQUENCE public.${creator}_seq;`, {
            database: DATABASE,
            user: creator,
            password: CREATOR_PASSWORD,
        });
}

/** Which of the objects {@link createLaterObjects} made for `creators` `session` can read. */
export async function laterObjectsReadable(session: Session, creators: string[]): Promise<Record<string, boolean>> {
    const readable: Record<string, boolean> = {};
    for (const creator of creators)
        for (const relation of [`sales.${creator}_later`, `sales.${creator}_later_id_seq`, `public.${creator}_seq`])
            readable[relation] = await session.canSelect(relation);
    return readable;
}

/** What {@link laterObjectsReadable} answers when `etl` and `dbt` are listed creators and `intruder` is not. */
export const LATER_OBJECTS_ACCESS: Record<string, boolean> = {
    "sales.etl_later": true,
    "sales.etl_later_id_seq": true,
    "public.etl_seq": true,
    "sales.dbt_later": true,
    "sales.dbt_later_id_seq": true,
    "public.dbt_seq": true,
    "sales.intruder_later": false,
    "sales.intruder_later_id_seq": false,
    "public.intruder_seq": false,
};
