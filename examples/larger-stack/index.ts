// A warehouse stack that already manages its databases: it passes its own provider (a managed
// service's master user, not a superuser), several schemas and the roles that create tables,
// points Whaly at a read replica, and feeds Whaly's IP ranges to pg_hba.conf.
import * as pulumi from "@pulumi/pulumi";
import * as postgresql from "@pulumi/postgresql";
import { WhalyPostgresAccess, WHALY_CONNECTOR_IPS, WHALY_IP_RANGES } from "whaly-postgres";

const config = new pulumi.Config();

const primary = new postgresql.Provider("warehouse-primary", {
    host: config.require("primaryHost"),
    username: "warehouse_admin",
    password: config.requireSecret("adminPassword"),
    database: "warehouse", // role drops run in the provider's database
    sslmode: "require",
    superuser: false, // RDS, Cloud SQL and Azure have no superuser
});

const whaly = new WhalyPostgresAccess(
    "whaly",
    {
        database: "warehouse",
        schemas: ["public", "sales", "marketing", "Finance"],
        tableCreators: ["warehouse_admin", "dbt", "airflow"],
        host: config.require("replicaHost"), // privileges replicate; Whaly reads the replica
        sslMode: "verify-full",
        statementTimeoutMs: 15 * 60 * 1000,
        ipRanges: [...WHALY_IP_RANGES, ...WHALY_CONNECTOR_IPS],
    },
    { provider: primary },
);

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
