import * as pulumi from "@pulumi/pulumi";
import * as postgresql from "@pulumi/postgresql";
import * as random from "@pulumi/random";
import { WhalyPostgresAccessArgs } from "./args";
import { connectionString } from "./connection";
import { renderPgHbaLines } from "./network";
import { AccessPlan, planAccess } from "./plan";
import { accessStatements } from "./sql";
import { SCRAM_SALT_BYTES, scramVerifier } from "./scram";
import { discoveredCreators, preflightProblems, ServerFacts, uncoveredCreatorMessage, uncoveredCreators } from "./preflight";
import { clientConfig, readServerFacts } from "./serverFacts";
import { ArgProblem, formatProblems, hasPostgresqlProvider, ValidatedArgs, validateArgs } from "./validate";

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
    /** The SQL statements this component amounts to, in order, the password elided (see {@link renderAccessSql}). */
    readonly accessSql: pulumi.Output<string>;

    constructor(name: string, args: WhalyPostgresAccessArgs, opts?: pulumi.ComponentResourceOptions) {
        // Validate first: a bad arg must fail before anything is registered.
        const v = validateArgs(name, args, hasPostgresqlProvider(opts));
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

        const { after, settle } = queueOnDatabase(v.database);
        const facts = this.serverFacts(v);
        // The SQL is known at preview even where the password is not, for review before the deploy.
        let renderSql!: (args: ValidatedArgs) => void;
        const sql = new Promise<string>((resolve) => {
            renderSql = (a) => {
                const plan = planAccess(a.schemas, a.tableCreators, a.defaultPrivilegesScope, a.readAllData);
                resolve(
                    accessStatements(a, plan)
                        .map((statement) => `${statement};\n`)
                        .join(""),
                );
            };
        });
        void isKnown(facts).then(async (known) => {
            if (known) return;
            // Unknown server (its address comes from a resource still to be created): nothing is
            // declared at this preview; the SQL is rendered from the args alone.
            renderSql(v);
            settle(await after);
        });

        // Nothing is declared before the server passed the preflight: a failed check registers
        // nothing and fails the deployment, at preview as at up, with one error.
        const declared = facts.apply(async (facts): Promise<pulumi.Output<Declared> | undefined> => {
            const previous = await after;
            const server = facts.server;
            // With discoverTableCreators, the table creators are the ones the catalog shows today.
            const effective = v.discoverTableCreators && server ? { ...v, tableCreators: discoveredCreators(v.schemas, server) } : v;
            renderSql(effective);
            if (!this.passes(facts, effective)) return settle(previous);
            if (server && !effective.readAllData && !this.coversCreators(effective, server)) return settle(previous);
            const { password, salt } = this.declareSecrets(name, effective);
            // At preview, the salt has a value only when it is in the stack's state, with the role it salts.
            const roleManagedByStack = pulumi.runtime.isDryRun() ? await isKnown(salt.base64) : undefined;
            if (!this.passes(facts, effective, roleManagedByStack)) return settle(previous);
            const plan = planAccess(effective.schemas, effective.tableCreators, effective.defaultPrivilegesScope, effective.readAllData);
            const access = this.declareAccess(name, effective, plan, password, salt, { parent: this, provider, dependsOn: previous });
            settle(access);
            return pulumi.all([access[0].name, password]).apply(([user, pw]) => ({ user, password: pw }));
        });

        this.host = pulumi.output(v.host);
        this.port = pulumi.output(v.port);
        this.database = pulumi.output(v.database);
        // apply flattens the Output the callback returns, which its typings do not say. Undefined
        // only when the preflight failed, which fails the deployment: the outputs stay empty then.
        const access = declared as unknown as pulumi.Output<Declared | undefined>;
        // The name travels with the password (one Output): it is no secret, so say so.
        this.user = pulumi.unsecret(access.apply((d) => d?.user as string));
        this.password = pulumi.secret(access.apply((d) => d?.password as string));
        this.connectionString = pulumi.secret(
            pulumi.all([this.host, access]).apply(([host, d]) =>
                d
                    ? connectionString({
                          host,
                          port: v.port,
                          database: v.database,
                          user: d.user,
                          password: d.password,
                          sslMode: v.sslMode,
                      })
                    : "",
            ),
        );
        this.ipRanges = pulumi.output(v.ipRanges);
        this.pgHbaLines = this.user.apply((user) => (user ? renderPgHbaLines({ database: v.database, user, ipRanges: v.ipRanges }) : []));

        this.accessSql = pulumi.output(sql);

        this.registerOutputs({
            host: this.host,
            port: this.port,
            database: this.database,
            user: this.user,
            password: this.password,
            connectionString: this.connectionString,
            ipRanges: this.ipRanges,
            pgHbaLines: this.pgHbaLines,
            accessSql: this.accessSql,
        });
    }

    /** The password (generated unless given) and the salt of its SCRAM verifier: stack state only, nothing on the server. */
    private declareSecrets(name: string, v: ValidatedArgs): { password: pulumi.Output<string>; salt: random.RandomBytes } {
        // A new version replaces only the password; the role is altered in place.
        const keepers = { version: String(v.passwordVersion) };
        const password = pulumi.secret(
            v.password ??
                new random.RandomPassword(`${name}/password`, { length: v.passwordLength, special: false, keepers }, { parent: this })
                    .result,
        );
        const salt = new random.RandomBytes(`${name}/salt`, { length: SCRAM_SALT_BYTES }, { parent: this });
        return { password, salt };
    }

    /** The role and its grants (plan.ts); returns the role, then the grants. */
    private declareAccess(
        name: string,
        v: ValidatedArgs,
        plan: AccessPlan,
        password: pulumi.Output<string>,
        salt: random.RandomBytes,
        pgOpts: pulumi.CustomResourceOptions,
    ): [postgresql.Role, ...pulumi.CustomResource[]] {
        const role = new postgresql.Role(
            `${name}/role`,
            {
                name: v.roleName,
                login: true,
                // The SCRAM verifier, never the password: see scram.ts.
                password: pulumi.secret(
                    pulumi
                        .all([password, salt.base64])
                        .apply(([plain, saltBase64]) => scramVerifier(plain, Buffer.from(saltBase64, "base64"))),
                ),
                connectionLimit: v.connectionLimit,
                statementTimeout: v.statementTimeoutMs,
                idleInTransactionSessionTimeout: v.idleInTransactionSessionTimeoutMs,
                // On the role itself: a separate GrantRole would be seen as drift of the role's `roles`.
                roles: plan.memberOf.length > 0 ? plan.memberOf : undefined,
                superuser: false,
                createDatabase: false,
                createRole: false,
                replication: false,
                bypassRowLevelSecurity: false,
            },
            pgOpts,
        );
        const children: pulumi.CustomResource[] = [];
        for (const grant of plan.grants) {
            const g = new postgresql.Grant(
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
            children.push(g);
        }
        for (const defaults of plan.defaultPrivileges) {
            const d = new postgresql.DefaultPrivileges(
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
            children.push(d);
        }
        return [role, ...children];
    }

    /**
     * What the preflight needs to know of the server. With `admin`, everything, through a
     * connection of its own; with a provider from `opts`, only which schemas exist, through the
     * provider's getSchemas.
     */
    private serverFacts(v: ValidatedArgs): pulumi.Output<ServerCheck> {
        const { admin } = v;
        if (!admin)
            return postgresql.getSchemasOutput({ database: v.database }, { parent: this }).apply((found) => ({
                where: `database ${v.database} through the provider`,
                existingSchemas: found.schemas,
            }));
        return pulumi.all([admin.host, admin.password]).apply(async ([host, password]) => {
            const connection = { host, port: admin.port, username: admin.username, password, database: v.database, sslMode: admin.sslMode };
            const where = `${host}:${clientConfig(connection).port}/${v.database} as ${admin.username}`;
            try {
                return {
                    where,
                    ...(await readServerFacts(
                        connection,
                        v.schemas,
                        [...v.tableCreators, v.roleName, ...(v.readAllData ? ["pg_read_all_data"] : [])],
                        v.roleName,
                    )),
                };
            } catch (e) {
                const fix = "check admin.host, admin.port, admin.password and admin.sslMode";
                return {
                    where,
                    existingSchemas: [],
                    unreachable: { field: "admin", value: where, message: `cannot be reached: ${(e as Error).message}: ${fix}` },
                };
            }
        });
    }

    /**
     * Warns, through the engine, of each role that may create tables in a listed schema and is
     * not a table creator; with strictTableCreators, fails instead (one error). Returns whether to go on.
     */
    private coversCreators(v: ValidatedArgs, server: ServerFacts): boolean {
        const uncovered = uncoveredCreators(v.schemas, v.tableCreators, server);
        if (v.strictTableCreators && uncovered.length > 0) {
            const problems = uncovered.map((c) => ({
                field: "tableCreators",
                value: v.tableCreators,
                message: uncoveredCreatorMessage(c, v.roleName),
            }));
            pulumi.log.error(
                `WhalyPostgresAccess: strictTableCreators, and some roles that create tables are not listed; nothing was changed:\n${formatProblems(problems)}`,
                this,
            );
            return false;
        }
        for (const c of uncovered) pulumi.log.warn(uncoveredCreatorMessage(c, v.roleName), this);
        return true;
    }

    /** Whether the preflight (preflight.ts) passes; if not, reports its one error through the engine. */
    private passes(check: ServerCheck, v: ValidatedArgs, roleManagedByStack?: boolean): boolean {
        const problems = check.unreachable ? [check.unreachable] : preflightProblems({ ...v, ...check, roleManagedByStack });
        if (problems.length === 0) return true;
        pulumi.log.error(
            `Preflight of WhalyPostgresAccess on ${check.where} failed; nothing was changed:\n${formatProblems(problems)}`,
            this,
        );
        return false;
    }
}

/** What the component declared: the role's name and its password. */
interface Declared {
    user: string;
    password: string;
}

/** What the server told the preflight. */
interface ServerCheck {
    /** The server, database and user, for the error; never a secret. */
    where: string;
    existingSchemas: string[];
    server?: ServerFacts;
    /** Set when the admin connection failed. */
    unreachable?: ArgProblem;
}

/** Per program run (its Stack resource) and database: the PostgreSQL children of the last component declared. */
const lastOnDatabase = new WeakMap<object, Map<string, Promise<pulumi.CustomResource[]>>>();

/**
 * PostgreSQL refuses concurrent ACL changes on one object ("tuple concurrently updated"), and the
 * provider serialises them only per role: the components of one program on the same database
 * take turns. Each one's PostgreSQL children depend on the previous one's (so they are created
 * after them and deleted before them), and hands its own on with `settle`.
 */
function queueOnDatabase(database: string): {
    after: Promise<pulumi.CustomResource[]>;
    settle: (children: pulumi.CustomResource[]) => undefined;
} {
    const run = pulumi.runtime.getStackResource() ?? lastOnDatabase;
    const byDatabase = lastOnDatabase.get(run) ?? new Map<string, Promise<pulumi.CustomResource[]>>();
    lastOnDatabase.set(run, byDatabase);
    const after = byDatabase.get(database) ?? Promise.resolve([]);
    let settle!: (children: pulumi.CustomResource[]) => void;
    byDatabase.set(database, new Promise((resolve) => (settle = resolve)));
    return {
        after,
        settle: (children) => {
            settle(children);
            return undefined;
        },
    };
}

/** Whether `output` has a value yet; at preview, what is still to be created has none. (`isKnown` is internal to the SDK, and long stable.) */
function isKnown(output: pulumi.Output<unknown>): Promise<boolean> {
    return (output as unknown as { isKnown: Promise<boolean> }).isKnown;
}
