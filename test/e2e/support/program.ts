import * as postgresql from "@pulumi/postgresql";
import { ConfigMap, PulumiFn, Stack } from "@pulumi/pulumi/automation";
import { PostgresServer } from "../../../scripts/lib/postgresServer";
import { DATABASE } from "../../harness/warehouse";
import { WhalyPostgresAccess, WhalyPostgresAccessArgs } from "../../../index";

/** An inline program declaring the component with the server's admin, plus `args`. */
export function accessProgram(server: PostgresServer, args: Partial<WhalyPostgresAccessArgs> = {}): PulumiFn {
    return async () => outputsOf(new WhalyPostgresAccess("whaly", { database: DATABASE, admin: adminOf(server), ...args }));
}

/** The server's superuser as the component's admin, without TLS (the test servers speak none unless asked). */
export function adminOf(server: PostgresServer): WhalyPostgresAccessArgs["admin"] {
    return { host: server.host, port: server.port, username: server.adminUser, password: server.adminPassword, sslMode: "disable" };
}

/** Every output of the component, as the stack's outputs. */
function outputsOf(access: WhalyPostgresAccess): Record<string, unknown> {
    return {
        host: access.host,
        port: access.port,
        database: access.database,
        user: access.user,
        password: access.password,
        previousUser: access.previousUser,
        previousUserRetiresAtVersion: access.previousUserRetiresAtVersion,
        connectionString: access.connectionString,
        ipRanges: access.ipRanges,
        pgHbaLines: access.pgHbaLines,
        accessSql: access.accessSql,
        sshAuthorizedKeysLine: access.sshAuthorizedKeysLine,
        sshdConfig: access.sshdConfig,
        sshHost: access.sshHost,
        sshPort: access.sshPort,
        sshUser: access.sshUser,
    };
}

/** Who tells the component where the server is. */
export type ConnectionSource = "admin" | "provider" | "stack config";
export const CONNECTION_SOURCES: ConnectionSource[] = ["admin", "provider", "stack config"];

/** How the component connects: by default as the server's superuser, without TLS (the test servers speak none unless asked). */
export interface Credentials {
    user: string;
    password: string;
    superuser?: boolean;
    sslMode?: string;
    sslRootCert?: string;
}

/**
 * The component on the warehouse, plus `args`, given its connection by `source`: `admin`, a
 * provider of the program's own passed in opts, or the default provider configured by stack config
 * (returned as `config`, for the stack to set).
 */
export function programFrom(
    source: ConnectionSource,
    server: PostgresServer,
    args: Partial<WhalyPostgresAccessArgs>,
    credentials: Partial<Credentials> = {},
): { program: PulumiFn; config: ConfigMap } {
    const { user, password, superuser, sslMode, sslRootCert } = {
        user: server.adminUser,
        password: server.adminPassword,
        sslMode: "disable",
        ...credentials,
    };
    if (source === "admin")
        return {
            program: accessProgram(server, {
                ...args,
                admin: { host: server.host, port: server.port, username: user, password, sslMode, sslRootCert, superuser },
            }),
            config: {},
        };
    const connection = {
        host: server.host,
        port: server.port,
        username: user,
        password,
        database: DATABASE,
        sslmode: sslMode,
        sslrootcert: sslRootCert,
        superuser,
    };
    if (source === "provider")
        return {
            program: async () => {
                const provider = new postgresql.Provider("given", connection);
                return outputsOf(new WhalyPostgresAccess("whaly", { database: DATABASE, host: server.host, ...args }, { provider }));
            },
            config: {},
        };
    return {
        program: async () => outputsOf(new WhalyPostgresAccess("whaly", { database: DATABASE, host: server.host, ...args })),
        config: Object.fromEntries(
            Object.entries(connection)
                .filter(([, value]) => value !== undefined)
                .map(([key, value]) => [`postgresql:${key}`, { value: String(value), secret: key === "password" }]),
        ),
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
