import * as pulumi from "@pulumi/pulumi";
import * as postgresql from "@pulumi/postgresql";
import * as random from "@pulumi/random";
import { WhalyPostgresAccessArgs } from "./args";
import { connectionString } from "./connection";
import { renderPgHbaLines } from "./network";
import { planAccess } from "./plan";
import { hasPostgresqlProvider, validateArgs } from "./validate";

/**
 * Gives Whaly read-only access to one PostgreSQL database: a LOGIN role, CONNECT, USAGE and
 * SELECT on the listed schemas, default privileges for future tables of every table creator,
 * and the connection details Whaly's form asks for.
 */
export class WhalyPostgresAccess extends pulumi.ComponentResource {
    /** Type token of the component. */
    static readonly typeToken = "whaly-postgres:index:WhalyPostgresAccess";

    /** Host Whaly connects to (the primary or a read replica). */
    readonly host: pulumi.Output<string>;
    /** Port Whaly connects to. */
    readonly port: pulumi.Output<number>;
    /** Database Whaly reads. */
    readonly database: pulumi.Output<string>;
    /** Name of the LOGIN role Whaly uses. */
    readonly user: pulumi.Output<string>;
    /** Password of the role (secret). */
    readonly password: pulumi.Output<string>;
    /** `postgresql://` URI with every field and the `sslmode` (secret). */
    readonly connectionString: pulumi.Output<string>;
    /** CIDR ranges Whaly connects from, for a firewall, security group or pg_hba.conf. */
    readonly ipRanges: pulumi.Output<string[]>;
    /** pg_hba.conf lines admitting only this role to this database from `ipRanges`. */
    readonly pgHbaLines: pulumi.Output<string[]>;

    constructor(name: string, args: WhalyPostgresAccessArgs, opts?: pulumi.ComponentResourceOptions) {
        // Validate first: a bad arg must fail before anything is registered.
        const v = validateArgs(name, args, hasPostgresqlProvider(opts));
        const plan = planAccess(v.schemas, v.tableCreators);
        super(WhalyPostgresAccess.typeToken, name, {}, opts);

        const provider =
            v.admin &&
            new postgresql.Provider(
                `${name}/admin`,
                {
                    host: v.admin.host,
                    port: v.admin.port,
                    username: v.admin.username,
                    password: v.admin.password === undefined ? undefined : pulumi.secret(v.admin.password),
                    // Role drops run in the provider's database: it must be the one holding the grants.
                    database: v.database,
                    sslmode: v.admin.sslMode,
                    superuser: v.admin.superuser,
                },
                { parent: this },
            );
        const pgOpts: pulumi.CustomResourceOptions = { parent: this, provider };

        const password = pulumi.secret(
            v.password ??
                new random.RandomPassword(
                    `${name}/password`,
                    {
                        length: v.passwordLength,
                        special: false,
                        // A new version replaces only the password; the role is altered in place.
                        keepers: { version: String(v.passwordVersion) },
                    },
                    { parent: this },
                ).result,
        );

        const role = new postgresql.Role(
            `${name}/role`,
            {
                name: v.roleName,
                login: true,
                password,
                connectionLimit: v.connectionLimit,
                statementTimeout: v.statementTimeoutMs,
                idleInTransactionSessionTimeout: v.idleInTransactionSessionTimeoutMs,
                superuser: false,
                createDatabase: false,
                createRole: false,
                replication: false,
                bypassRowLevelSecurity: false,
            },
            pgOpts,
        );

        for (const grant of plan.grants) {
            new postgresql.Grant(
                `${name}/${grant.name}`,
                {
                    database: v.database,
                    role: role.name,
                    objectType: grant.objectType,
                    schema: grant.schema,
                    // Empty = every object of the type in the schema (ignored for database and schema grants).
                    objects: grant.objectType === "table" || grant.objectType === "sequence" ? [] : undefined,
                    privileges: grant.privileges,
                },
                pgOpts,
            );
        }
        for (const defaults of plan.defaultPrivileges) {
            new postgresql.DefaultPrivileges(
                `${name}/${defaults.name}`,
                {
                    database: v.database,
                    role: role.name,
                    owner: defaults.owner,
                    schema: defaults.schema,
                    objectType: defaults.objectType,
                    privileges: defaults.privileges,
                },
                // Create-before-delete would run the old resource's REVOKE after the new GRANT.
                { ...pgOpts, deleteBeforeReplace: true },
            );
        }

        this.host = pulumi.output(v.host);
        this.port = pulumi.output(v.port);
        this.database = pulumi.output(v.database);
        this.user = role.name;
        this.password = password;
        this.connectionString = pulumi.secret(
            pulumi
                .all([this.host, this.user, password])
                .apply(([host, user, pw]) =>
                    connectionString({ host, port: v.port, database: v.database, user, password: pw, sslMode: v.sslMode }),
                ),
        );
        this.ipRanges = pulumi.output(v.ipRanges);
        this.pgHbaLines = role.name.apply((user) => renderPgHbaLines({ database: v.database, user, ipRanges: v.ipRanges }));

        this.registerOutputs({
            host: this.host,
            port: this.port,
            database: this.database,
            user: this.user,
            password: this.password,
            connectionString: this.connectionString,
            ipRanges: this.ipRanges,
            pgHbaLines: this.pgHbaLines,
        });
    }
}
