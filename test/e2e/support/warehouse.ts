/**
 * A small warehouse to grant on: database `analytics`, table creators `etl` and `dbt`, a role
 * `intruder` that may create tables but is never listed, and existing tables, views,
 * materialized views and sequences in `public` and `sales`, plus an unlisted schema `secret`.
 */
import { PulumiFn } from "@pulumi/pulumi/automation";
import { PostgresServer } from "../../harness/postgresServer";
import { WhalyPostgresAccess, WhalyPostgresAccessArgs } from "../../../index";

export const DATABASE = "analytics";
export const CREATOR_PASSWORD = "creator-password";

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

/** An inline program declaring the component with the server's admin, plus `args`. */
export function accessProgram(server: PostgresServer, args: Partial<WhalyPostgresAccessArgs> = {}): PulumiFn {
    return async () => {
        const access = new WhalyPostgresAccess("whaly", {
            database: DATABASE,
            admin: { host: server.host, port: server.port, username: server.adminUser, password: server.adminPassword, sslMode: "disable" },
            ...args,
        });
        return {
            host: access.host,
            port: access.port,
            database: access.database,
            user: access.user,
            password: access.password,
            connectionString: access.connectionString,
            ipRanges: access.ipRanges,
            pgHbaLines: access.pgHbaLines,
        };
    };
}
