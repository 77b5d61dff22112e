// Whaly's guide, step by step, as one component: the admin (who also creates the tables)
// connects to the primary; Whaly reads the public schema.
import * as pulumi from "@pulumi/pulumi";
import { WhalyPostgresAccess } from "whaly-postgres";

const config = new pulumi.Config();

const whaly = new WhalyPostgresAccess("whaly", {
    database: "analytics",
    admin: {
        host: config.require("adminHost"),
        port: config.getNumber("adminPort"), // default 5432
        username: "postgres",
        password: config.requireSecret("adminPassword"),
    },
});

// The five fields of Whaly's form.
export const host = whaly.host;
export const port = whaly.port;
export const database = whaly.database;
export const user = whaly.user;
export const password = whaly.password; // secret: `pulumi stack output password --show-secrets`
