/**
 * A warehouse stack as platform teams write one: a single program declares the database, its
 * admin, a table creator role and a schema that role owns, then Whaly's access beside them, on a
 * server where none of it exists yet. Whaly's access is given the stack's own provider, or the
 * same credentials as `admin`.
 */
import * as postgresql from "@pulumi/postgresql";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { PulumiFn } from "@pulumi/pulumi/automation";
import { PostgresServer } from "../../../scripts/lib/postgresServer";
import { WhalyPostgresAccess, WhalyPostgresAccessArgs } from "../../../index";

export interface ComposedOptions {
    /** How the component gets its connection: the stack's provider in opts, or `admin`. */
    mode: "provider" | "admin";
    /** The stack also creates its admin, a LOGIN CREATEROLE role owning the database, as on a managed service. */
    managedAdmin?: boolean;
    /** Args over the defaults (schemas public and sales, creator etl). */
    args?: Partial<WhalyPostgresAccessArgs>;
}

export const COMPOSED_DATABASE = "warehouse";
export const MANAGED_ADMIN = "warehouse_admin";

export function composedProgram(server: PostgresServer, options: ComposedOptions): PulumiFn {
    return async () => {
        // The server's bootstrap superuser, as a stack holds it to create databases and roles.
        const bootstrap = new postgresql.Provider("bootstrap", {
            host: server.host,
            port: server.port,
            username: server.adminUser,
            password: server.adminPassword,
            sslmode: "disable",
        });
        let adminUser: pulumi.Input<string> = server.adminUser;
        let adminPassword: pulumi.Input<string> = server.adminPassword;
        if (options.managedAdmin) {
            const password = new random.RandomPassword("admin-password", { length: 24, special: false });
            const role = new postgresql.Role(
                "warehouse-admin",
                { name: MANAGED_ADMIN, login: true, createRole: true, password: password.result },
                { provider: bootstrap },
            );
            adminUser = role.name;
            adminPassword = password.result;
        }
        const db = new postgresql.Database("warehouse", { name: COMPOSED_DATABASE, owner: adminUser }, { provider: bootstrap });
        const superuser = !options.managedAdmin;
        const warehouse = new postgresql.Provider("warehouse", {
            host: server.host,
            port: server.port,
            username: adminUser,
            password: adminPassword,
            database: db.name,
            sslmode: "disable",
            superuser,
        });
        const etlPassword = new random.RandomPassword("etl-password", { length: 24, special: false });
        const etl = new postgresql.Role("etl", { name: "etl", login: true, password: etlPassword.result }, { provider: warehouse });
        const sales = new postgresql.Schema("sales", { name: "sales", owner: etl.name, database: db.name }, { provider: warehouse });
        // A builder that makes schemas of its own, as dbt does, needs CREATE on the database.
        const etlMakesSchemas = options.args?.futureSchemas
            ? [
                  new postgresql.Grant(
                      "etl-create-schemas",
                      { database: db.name, role: etl.name, objectType: "database", privileges: ["CREATE"] },
                      { provider: warehouse },
                  ),
              ]
            : [];

        const creators = options.managedAdmin ? ["etl", MANAGED_ADMIN] : ["etl"];
        const base = { schemas: ["public", "sales"], tableCreators: creators, ...options.args };
        const whaly =
            options.mode === "provider"
                ? // The database by name, with everything it needs in dependsOn.
                  new WhalyPostgresAccess(
                      "whaly",
                      { database: COMPOSED_DATABASE, host: server.host, port: server.port, ...base },
                      { provider: warehouse, dependsOn: [db, etl, sales, ...etlMakesSchemas] },
                  )
                : // The database as an Output, which orders the component after it.
                  new WhalyPostgresAccess(
                      "whaly",
                      {
                          database: db.name,
                          admin: {
                              host: server.host,
                              port: server.port,
                              username: adminUser,
                              password: adminPassword,
                              sslMode: "disable",
                              superuser,
                          },
                          ...base,
                      },
                      { dependsOn: [etl, sales, ...etlMakesSchemas] },
                  );
        return {
            user: whaly.user,
            password: whaly.password,
            database: whaly.database,
            etlPassword: etlPassword.result,
            accessSql: whaly.accessSql,
        };
    };
}
