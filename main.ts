/**
 * The program `pulumi up` runs at the root of the repository: the component configured from
 * stack config alone, for teams that want no code. Every key mirrors an arg of
 * WhalyPostgresAccessArgs (see README, "Deploy from config"); a key of this project's namespace
 * that it does not know is refused, named with the closest one, its value never shown.
 */
import * as pulumi from "@pulumi/pulumi";
import { WhalyPostgresAccess, WhalyPostgresAccessArgs, WhalyPostgresSshTunnelArgs } from "./index";
import { editDistance } from "./components/contract/validate";

const config = new pulumi.Config();

const KEYS = [
    ...["database", "schemas", "tableCreators", "futureSchemas", "roleName", "adoptRole", "password", "passwordLength"],
    ...["passwordVersion", "rotation", "loginUsers", "host", "port", "sslMode", "connectionLimit", "statementTimeoutMs"],
    ...["idleInTransactionSessionTimeoutMs", "ipRanges", "sshTunnel"],
    ...["adminHost", "adminPort", "adminUser", "adminPassword", "adminSslMode", "adminSslRootCert", "adminSuperuser"],
];
const unknown = Object.keys(pulumi.runtime.allConfig())
    .filter((key) => key.startsWith(`${config.name}:`))
    .map((key) => key.slice(config.name.length + 1))
    .filter((key) => !KEYS.includes(key));
if (unknown.length > 0)
    throw new Error(
        `Unknown config keys of ${config.name} (their values not shown):\n` +
            unknown
                .map(
                    (key) =>
                        `- ${config.name}:${key}: did you mean ${[...KEYS].sort((a, b) => editDistance(key, a) - editDistance(key, b))[0]}?`,
                )
                .join("\n"),
    );

const adminPassword = config.getSecret("adminPassword");
const adminHost = config.get("adminHost");

const args: WhalyPostgresAccessArgs = {
    database: config.require("database"),
    schemas: config.getObject<string[]>("schemas"),
    tableCreators: config.getObject<string[]>("tableCreators"),
    futureSchemas: config.getBoolean("futureSchemas"),
    roleName: config.get("roleName"),
    adoptRole: config.getBoolean("adoptRole"),
    password: config.getSecret("password"),
    passwordLength: config.getNumber("passwordLength"),
    passwordVersion: config.getNumber("passwordVersion"),
    rotation: config.get("rotation"),
    loginUsers: config.getObject<string[]>("loginUsers"),
    host: config.get("host"),
    port: config.getNumber("port"),
    sslMode: config.get("sslMode"),
    connectionLimit: config.getNumber("connectionLimit"),
    statementTimeoutMs: config.getNumber("statementTimeoutMs"),
    idleInTransactionSessionTimeoutMs: config.getNumber("idleInTransactionSessionTimeoutMs"),
    ipRanges: config.getObject<string[]>("ipRanges"),
    sshTunnel: config.getObject<WhalyPostgresSshTunnelArgs>("sshTunnel"),
    // Without adminHost the component uses the default provider, configured by postgresql:* keys.
    admin:
        adminHost === undefined
            ? undefined
            : {
                  host: adminHost,
                  port: config.getNumber("adminPort"),
                  username: config.get("adminUser") ?? "postgres",
                  password: adminPassword,
                  sslMode: config.get("adminSslMode"),
                  sslRootCert: config.get("adminSslRootCert"),
                  superuser: config.getBoolean("adminSuperuser"),
              },
};

const access = new WhalyPostgresAccess("whaly", args);

export const host = access.host;
export const port = access.port;
export const database = access.database;
export const user = access.user;
export const password = access.password;
export const connectionString = access.connectionString;
export const ipRanges = access.ipRanges;
export const pgHbaLines = access.pgHbaLines;
export const sshAuthorizedKeysLine = access.sshAuthorizedKeysLine;
export const sshdConfig = access.sshdConfig;
export const sshHost = access.sshHost;
export const sshPort = access.sshPort;
export const sshUser = access.sshUser;
