/**
 * Where the component's checks connect, and as whom: the server its PostgreSQL resources go to.
 * `admin` says it; a provider in opts (or inherited from the parent) says it through its
 * configuration, which the bridged provider answers with `terraformConfig()`; the default
 * provider takes it from stack config (`postgresql:host`, …) and the PG* environment, as the
 * provider itself does. The checks then connect to the component's database with those settings.
 */
import * as pulumi from "@pulumi/pulumi";
import * as postgresql from "@pulumi/postgresql";
import { WhalyPostgresAdminArgs } from "../contract/args";
import { ConnectionSettings, ResolvedSettings, resolveSettings, SettingNames } from "../connect/libpq";

/** Who tells where the server is. */
export type ConnectionSource = "admin" | "provider" | "stack config";

export interface ServerLocation {
    source: ConnectionSource;
    /** The checks' connection to the component's database; absent when the credentials cannot be used here. */
    settings?: ResolvedSettings;
    /** Why the checks cannot use these credentials (an IAM token, a client certificate this program cannot read). */
    unusable?: string;
    /** `host:port` of the server, known even when the credentials are unusable (but for a cloud connector's scheme). */
    server?: string;
    /** How the user spells each setting, for errors. */
    names: SettingNames;
    /** The database the provider connects to, where it drops the role (REASSIGN OWNED, DROP OWNED): the component's with admin. */
    providerDatabase?: string;
}

/** The `postgresql` provider given in opts or inherited from the parent, if any. */
export function postgresqlProviderOf(opts: pulumi.ComponentResourceOptions): pulumi.ProviderResource | undefined {
    const given = [opts.provider, ...(Array.isArray(opts.providers) ? opts.providers : Object.values(opts.providers ?? {}))];
    // isInstance tells a postgresql provider whichever copy of @pulumi/postgresql made it.
    const isPostgresql = (p: pulumi.ProviderResource | undefined) => postgresql.Provider.isInstance(p);
    return given.find(isPostgresql) ?? opts.parent?.getProvider("postgresql::");
}

/** What `admin` leaves out comes from the environment, as for psql. */
export const ADMIN_NAMES: SettingNames = {
    host: "admin.host",
    port: "admin.port (or PGPORT)",
    sslMode: "admin.sslMode (or PGSSLMODE)",
    sslRootCert: "admin.sslRootCert (or PGSSLROOTCERT)",
    sslCert: "PGSSLCERT",
    sslKey: "PGSSLKEY",
    password: "admin.password (or PGPASSWORD, or the password file: PGPASSFILE or ~/.pgpass)",
    connectTimeout: "PGCONNECT_TIMEOUT",
};
const PROVIDER_NAMES: SettingNames = {
    host: "the provider's host",
    port: "the provider's port",
    sslMode: "the provider's sslmode",
    sslRootCert: "the provider's sslrootcert",
    sslCert: "the provider's clientcert",
    sslKey: "the provider's clientcert key",
    password: "the provider's password",
    connectTimeout: "the provider's connect_timeout",
};
export const STACK_CONFIG_NAMES: SettingNames = {
    host: "postgresql:host (or PGHOST)",
    port: "postgresql:port (or PGPORT)",
    sslMode: "postgresql:sslmode (or PGSSLMODE)",
    sslRootCert: "postgresql:sslrootcert (or PGSSLROOTCERT)",
    sslCert: "postgresql:clientcert (or PGSSLCERT)",
    sslKey: "postgresql:clientcert's key (or PGSSLKEY)",
    password: "postgresql:password (or PGPASSWORD, or the password file: PGPASSFILE or ~/.pgpass)",
    connectTimeout: "postgresql:connectTimeout (or PGCONNECT_TIMEOUT)",
};

/** Where the server is, for the component's `database`: from `admin`, the provider in opts, or stack config. */
export function locateServer(
    database: pulumi.Input<string>,
    admin: WhalyPostgresAdminArgs | undefined,
    provider: pulumi.ProviderResource | undefined,
): pulumi.Output<ServerLocation> {
    if (admin) return pulumi.all([database, pulumi.output(admin)]).apply(([db, a]) => fromAdmin(db, a));
    if (provider) return fromProvider(database, provider);
    const config = new pulumi.Config("postgresql");
    return pulumi
        .all([database, config.getSecret("password")])
        .apply(([db, password]) => fromProviderConfig(db, stackConfigAsTerraform(config, password), "stack config", STACK_CONFIG_NAMES));
}

/** The checks' connection from `admin`, what it leaves out from `env`. Pure but for the password file and certificates it names. */
export function fromAdmin(
    database: string,
    admin: pulumi.Unwrap<WhalyPostgresAdminArgs>,
    env: NodeJS.ProcessEnv = process.env,
): ServerLocation {
    const given: ConnectionSettings = {
        host: admin.host,
        port: admin.port,
        user: admin.username,
        password: admin.password,
        database,
        sslMode: admin.sslMode,
        sslRootCert: admin.sslRootCert,
    };
    // The provider's driver, lib/pq, encrypts unless told otherwise: so does the check.
    const settings = resolveSettings(given, "require", env);
    return { source: "admin", settings, server: serverOf(settings), names: ADMIN_NAMES, providerDatabase: database };
}

function fromProvider(database: pulumi.Input<string>, provider: pulumi.ProviderResource): pulumi.Output<ServerLocation> {
    const terraformConfig = (provider as Partial<postgresql.Provider>).terraformConfig;
    if (typeof terraformConfig !== "function")
        return pulumi.output({
            source: "provider" as const,
            unusable: "the provider in opts does not tell its configuration (terraformConfig), which @pulumi/postgresql 3.18 and later do",
            names: PROVIDER_NAMES,
        });
    return pulumi
        .all([database, terraformConfig.call(provider)])
        .apply(([db, { result }]) => fromProviderConfig(db, result as Record<string, unknown>, "provider", PROVIDER_NAMES));
}

/**
 * The default provider's configuration as the bridged provider reads it: stack config, and for the
 * user the provider's own default (PGUSER, else postgres, not libpq's OS user). The other PG*
 * variables fill what stack config leaves out as libpq reads them (resolveSettings).
 */
export function stackConfigAsTerraform(
    config: pulumi.Config,
    password: string | undefined,
    env: NodeJS.ProcessEnv = process.env,
): Record<string, unknown> {
    const clientcert = config.getObject<{ cert: string; key: string; sslinline?: boolean }>("clientcert");
    return {
        scheme: config.get("scheme") ?? "postgres",
        host: config.get("host"),
        port: config.getNumber("port"),
        username: config.get("username") ?? (env.PGUSER || "postgres"),
        password,
        sslmode: config.get("sslmode") ?? config.get("sslMode"),
        sslrootcert: config.get("sslrootcert"),
        clientcert: clientcert && [clientcert],
        aws_rds_iam_auth: config.getBoolean("awsRdsIamAuth"),
        azure_identity_auth: config.getBoolean("azureIdentityAuth"),
        gcp_iam_impersonate_service_account: config.get("gcpIamImpersonateServiceAccount"),
        connect_timeout: config.getNumber("connectTimeout"),
        database: config.get("database"),
    };
}

/**
 * The checks' connection from a provider's configuration (Terraform's names, as
 * `terraformConfig()` answers them), or why its credentials cannot be used here. Pure.
 */
export function fromProviderConfig(
    database: string,
    config: Record<string, unknown>,
    source: ConnectionSource,
    names: SettingNames,
    env: NodeJS.ProcessEnv = process.env,
): ServerLocation {
    const text = (key: string) => (typeof config[key] === "string" && config[key] !== "" ? (config[key] as string) : undefined);
    // The provider's own default: PGDATABASE, else postgres.
    const base = { source, names, providerDatabase: text("database") ?? (env.PGDATABASE || "postgres") };
    const scheme = text("scheme") ?? "postgres";
    const unusable =
        scheme !== "postgres"
            ? `it connects through the ${scheme} scheme (a cloud connector)`
            : config.aws_rds_iam_auth === true
              ? "it signs in with an AWS RDS IAM token (aws_rds_iam_auth)"
              : config.azure_identity_auth === true
                ? "it signs in with an Azure identity token (azure_identity_auth)"
                : text("gcp_iam_impersonate_service_account")
                  ? "it signs in as a GCP service account (gcp_iam_impersonate_service_account)"
                  : undefined;
    // The provider's clientcert is a list of one block (Terraform's nesting); sslinline means PEM text rather than paths.
    const block = (Array.isArray(config.clientcert) ? config.clientcert[0] : config.clientcert) as
        { cert?: string; key?: string } | null | undefined;
    const port = typeof config.port === "number" ? config.port : undefined;
    const timeout = typeof config.connect_timeout === "number" && config.connect_timeout > 0 ? config.connect_timeout : undefined;
    const given: ConnectionSettings = {
        host: text("host"),
        port,
        user: text("username"),
        password: text("password"),
        database,
        sslMode: text("sslmode") ?? text("ssl_mode"),
        sslRootCert: text("sslrootcert"),
        sslCert: block?.cert || undefined,
        sslKey: block?.key || undefined,
        connectTimeoutSeconds: timeout,
    };
    const settings = resolveSettings(given, "require", env);
    if (unusable) return { ...base, unusable, server: scheme === "postgres" ? serverOf(settings) : undefined };
    return { ...base, settings, server: serverOf(settings) };
}

/** The server's `host:port`, the host in lower case (host names are case-insensitive). */
const serverOf = (settings: ResolvedSettings) => `${settings.host.toLowerCase()}:${settings.port}`;
