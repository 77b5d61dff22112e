import * as postgresql from "@pulumi/postgresql";
import { PulumiFn, Stack } from "@pulumi/pulumi/automation";
import { PostgresServer } from "../../../scripts/lib/postgresServer";
import { DATABASE } from "../../harness/warehouse";
import { WhalyPostgresAccess, WhalyPostgresAccessArgs } from "../../../index";

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
            accessSql: access.accessSql,
        };
    };
}

/** An inline program declaring the component with a provider of its own passed in opts (no `admin`), plus `args`. */
export function providerProgram(server: PostgresServer, args: Partial<WhalyPostgresAccessArgs>): PulumiFn {
    return async () => {
        const provider = new postgresql.Provider("given", {
            host: server.host,
            port: server.port,
            username: server.adminUser,
            password: server.adminPassword,
            database: DATABASE,
            sslmode: "disable",
        });
        new WhalyPostgresAccess("whaly", { database: DATABASE, host: server.host, ...args }, { provider });
    };
}

/** The error message of an operation that must fail; the test fails if it succeeds. */
export async function failureOf(operation: Promise<unknown>): Promise<string> {
    return operation.then(
        () => {
            throw new Error("expected the operation to fail");
        },
        (e: Error) => e.message,
    );
}

/** The stack's outputs as plain values (secrets revealed). */
export async function outputValues(stack: Stack): Promise<Record<string, unknown>> {
    return Object.fromEntries(Object.entries(await stack.outputs()).map(([k, v]) => [k, v.value]));
}
