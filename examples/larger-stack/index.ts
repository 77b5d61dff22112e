// A warehouse stack: one program creates the database, the roles that load it and the schemas
// they own, and gives Whaly read-only access beside them through the stack's own provider. On an
// empty server, the first `pulumi up` deploys it all; Whaly may read a replica.
import * as pulumi from "@pulumi/pulumi";
import * as postgresql from "@pulumi/postgresql";
import * as random from "@pulumi/random";
import { WhalyPostgresAccess, WHALY_CONNECTOR_IPS, WHALY_IP_RANGES } from "whaly-postgres";

const config = new pulumi.Config();
const admin = config.get("adminUser") ?? "postgres";
const server = {
    host: config.require("primaryHost"),
    port: config.getNumber("port"), // default 5432
    username: admin,
    password: config.requireSecret("adminPassword"),
    sslmode: config.get("sslMode"), // default require
    superuser: config.getBoolean("adminSuperuser"), // false on RDS, Cloud SQL and Azure
};

// The server's admin creates the database; the stack's provider then works inside it (role drops run there).
const warehouse = new postgresql.Database("warehouse", { name: "warehouse" }, { provider: new postgresql.Provider("server", server) });
const provider = new postgresql.Provider("warehouse", { ...server, database: warehouse.name });

// The roles that load the warehouse, and the schemas they own.
const loader = (name: string) => {
    const password = new random.RandomPassword(`${name}-password`, { length: 32, special: false });
    const role = new postgresql.Role(name, { name, login: true, password: password.result }, { provider });
    return { role, password: password.result };
};
const etl = loader("etl");
const dbt = loader("dbt");
const sales = new postgresql.Schema("sales", { name: "sales", owner: etl.role.name, database: warehouse.name }, { provider });
const marketing = new postgresql.Schema("marketing", { name: "marketing", owner: dbt.role.name, database: warehouse.name }, { provider });

// Schemas and creators are plain names: dependsOn orders the component after the resources they name.
const whaly = new WhalyPostgresAccess(
    "whaly",
    {
        database: warehouse.name,
        schemas: ["public", "sales", "marketing"],
        tableCreators: [admin, "etl", "dbt"],
        host: config.get("replicaHost") ?? server.host, // privileges replicate; Whaly may read a replica
        port: server.port,
        statementTimeoutMs: 15 * 60 * 1000,
        ipRanges: [...WHALY_IP_RANGES, ...WHALY_CONNECTOR_IPS],
    },
    { provider, dependsOn: [etl.role, dbt.role, sales, marketing] },
);

// The five fields of Whaly's form.
export const whalyConnection = {
    host: whaly.host,
    port: whaly.port,
    database: whaly.database,
    user: whaly.user,
    password: whaly.password,
};
export const connectionString = whaly.connectionString;
export const allowlist = whaly.ipRanges;
export const pgHbaLines = whaly.pgHbaLines;
export const etlPassword = etl.password;
export const dbtPassword = dbt.password;
