import * as pulumi from "@pulumi/pulumi";
import * as postgresql from "@pulumi/postgresql";
import * as random from "@pulumi/random";
import { WhalyPostgresAccessArgs } from "./contract/args";
import { connectionString } from "./outputs/connectionString";
import { dependenciesOf, isKnown, valueOf } from "./server/dependencies";
import { renderPgHbaLines } from "./outputs/network";
import { LoginPlan, planLogins, PlannedLogin } from "./plan/logins";
import { AccessPlan, planAccess } from "./plan/grants";
import { roleTakenProblem } from "./plan/preflight";
import { SCRAM_SALT_BYTES, scramVerifier } from "./plan/scram";
import { sshOutputs } from "./outputs/sshOutputs";
import { checkedWhalyHost, checkServer, Verdict } from "./server/checks";
import { postgresqlProviderOf, rootCertForProvider } from "./server/location";
import { accessStatements, psqlScript } from "./plan/sql";
import { takeOverAtUp } from "./server/takeOver";
import { takeTurn } from "./server/turns";
import { formatProblems, ResolvedArgs, ValidatedArgs, validateArgs } from "./contract/validate";

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
    /** Name of the role Whaly logs in as: the role itself, or with rotation "alternating" the current user. */
    readonly user: pulumi.Output<string>;
    /** Password of `user` (secret). */
    readonly password: pulumi.Output<string>;
    /**
     * With rotation "alternating": the user of the previous passwordVersion, whose credentials keep
     * working until the next bump (`previousUserRetiresAtVersion`). Empty when there is none.
     */
    readonly previousUser: pulumi.Output<string>;
    /** The passwordVersion at which `previousUser`'s password is replaced, and its credentials stop working; 0 when there is no previous user. */
    readonly previousUserRetiresAtVersion: pulumi.Output<number>;
    /** `postgresql://` URI with every field and the `sslmode` (secret). */
    readonly connectionString: pulumi.Output<string>;
    /** CIDR ranges Whaly connects from, for a firewall, security group or pg_hba.conf. */
    readonly ipRanges: pulumi.Output<string[]>;
    /** pg_hba.conf lines admitting only this role to this database from `ipRanges`, or with sshTunnel from the bastion's address. */
    readonly pgHbaLines: pulumi.Output<string[]>;
    /** The SQL this component amounts to, as a psql script runnable from any database, the password elided (see {@link renderAccessSql}). */
    readonly accessSql: pulumi.Output<string>;
    /** With sshTunnel, the bastion user's `authorized_keys` line for Whaly's key, which may only forward to `host`:`port`; empty without. */
    readonly sshAuthorizedKeysLine!: pulumi.Output<string>;
    /** With sshTunnel, an sshd_config `Match User` block that confines the bastion user the same way; empty without. */
    readonly sshdConfig!: pulumi.Output<string>;
    /** Whaly's "SSH host": the bastion, `sshTunnel.bastionHost`; empty without a tunnel. */
    readonly sshHost!: pulumi.Output<string>;
    /** Whaly's "SSH port": `sshTunnel.bastionPort`; 0 without a tunnel. */
    readonly sshPort!: pulumi.Output<number>;
    /** Whaly's "SSH user": `sshTunnel.bastionUser`; empty without a tunnel. */
    readonly sshUser!: pulumi.Output<string>;

    constructor(name: string, args: WhalyPostgresAccessArgs, opts: pulumi.ComponentResourceOptions = {}) {
        // A bad arg fails here, before anything is registered.
        const provider = postgresqlProviderOf(opts);
        const v = validateArgs(name, args, provider !== undefined);
        super(WhalyPostgresAccess.typeToken, name, {}, opts);

        // Waits for what the component depends on, then checks the server; nothing is declared before.
        const checked = checkServer(name, this, v, opts.dependsOn, provider);
        // Components on one database of one server take turns, in program order (turns.ts).
        const turn = takeTurn(checked.then((verdict) => verdict.place));
        const verdict = pulumi.output(checked);
        const declared = verdict.apply((verdict) => turn.run((previous) => this.declare(name, v, verdict, previous, opts.dependsOn)));

        this.host = checkedWhalyHost(name, this, v, verdict);
        this.port = pulumi.output(v.port);
        this.database = pulumi.output(v.database);
        this.ipRanges = pulumi.output(v.ipRanges);
        // apply flattens the Output the callback returns, which its typings do not say. Undefined
        // only when a check failed, which fails the deployment: the outputs stay empty then.
        const access = declared as unknown as pulumi.Output<Declared | undefined>;
        // The name travels with the password (one Output): it is no secret, so say so.
        this.user = pulumi.unsecret(access.apply((d) => d?.user as string));
        this.password = pulumi.secret(access.apply((d) => d?.password as string));
        this.previousUser = pulumi.unsecret(access.apply((d) => d?.previousUser ?? ""));
        this.previousUserRetiresAtVersion = this.previousUser.apply((previous) => (previous ? v.passwordVersion + 1 : 0));
        this.connectionString = pulumi.secret(
            pulumi
                .all([this.host, this.port, this.database, access])
                .apply(([host, port, database, d]) =>
                    d ? connectionString({ host, port, database, user: d.user, password: d.password, sslMode: v.sslMode }) : "",
                ),
        );
        const { pgHbaRanges, ...ssh } = sshOutputs(v);
        Object.assign(this, ssh);
        // The previous user too: Whaly logs in with it until it has the new credentials.
        this.pgHbaLines = pulumi
            .all([this.database, this.user, this.previousUser, pgHbaRanges])
            .apply(([database, user, previous, ipRanges]) =>
                user && ipRanges.length > 0 ? renderPgHbaLines({ database, user: previous ? [user, previous] : user, ipRanges }) : [],
            );
        // Known at preview, for review before the deploy; with discoverTableCreators, the creators found.
        this.accessSql = verdict.apply((verdict) => renderSql(effectiveArgs(v, verdict)));

        this.registerOutputs({
            host: this.host,
            port: this.port,
            database: this.database,
            user: this.user,
            password: this.password,
            previousUser: this.previousUser,
            previousUserRetiresAtVersion: this.previousUserRetiresAtVersion,
            connectionString: this.connectionString,
            ipRanges: this.ipRanges,
            pgHbaLines: this.pgHbaLines,
            accessSql: this.accessSql,
            ...ssh,
        });
    }

    /**
     * Declares the children once the checks passed, after `previous` (the children of the component
     * before it on its database): the provider built from `admin`, the passwords, the roles, and
     * (their names being ours) the grants. Returns the PostgreSQL children, for the next one's turn.
     */
    private async declare(
        name: string,
        v: ValidatedArgs,
        verdict: Verdict,
        previous: pulumi.CustomResource[],
        dependsOn: pulumi.ResourceOptions["dependsOn"],
    ): Promise<[pulumi.CustomResource[] | undefined, pulumi.Output<Declared> | undefined]> {
        if (!verdict.go || !(await takeOverAtUp(this, v.roleName, verdict.adoption, verdict.connection, previous)))
            return [undefined, undefined];
        const effective = effectiveArgs(v, verdict);
        const logins = planLogins(v.roleName, v.rotation, v.passwordVersion, v.loginUsers);
        const plan = planAccess(effective.schemas, effective.tableCreators, effective);
        const provider = v.admin && this.declareAdminProvider(name, v, verdict.database);
        // Explicit, so that a destroy removes the grants before what they depend on.
        const pgOpts = { parent: this, provider, dependsOn: [...(await dependenciesOf(dependsOn)), ...previous] };
        const passwords = await this.declarePasswords(name, effective, logins, verdict.adoption !== undefined);
        const roles = this.declareRoles(name, effective, logins, plan, passwords, pgOpts, verdict.adoption !== undefined);
        if (!(await this.rolesAreOurs(roles, v.roleName, verdict))) return [undefined, undefined];
        // After every role, users included: a non-superuser provider's role and grant statements
        // take locks on role memberships, and running them side by side deadlocked a destroy.
        const grantOpts = { ...pgOpts, dependsOn: [...pgOpts.dependsOn, ...roles.values()] };
        const grants = this.declareGrants(name, effective, plan, roles.get(logins.grantee)!, grantOpts);
        const nameOf = (login?: PlannedLogin) => (login ? roles.get(login.name)!.name : "");
        const current = passwords.get(logins.current.name)!;
        if (current.kept) pulumi.log.warn(keptPasswordWarning(v.roleName, v.passwordVersion), this);
        const declared = pulumi
            .all([nameOf(logins.current), current.kept ? "" : current.password, nameOf(logins.previous)])
            .apply(([user, password, previousUser]) => ({ user, password, previousUser }));
        return [[...roles.values(), ...grants], declared];
    }

    /** The provider built from `admin`, connected to the component's database (role drops run there). */
    private declareAdminProvider(name: string, v: ValidatedArgs, database: string): postgresql.Provider {
        const admin = v.admin!;
        return new postgresql.Provider(
            `${name}/admin`,
            {
                host: admin.host,
                port: admin.port,
                username: admin.username,
                password: admin.password === undefined ? undefined : pulumi.secret(admin.password),
                database,
                sslmode: admin.sslMode,
                sslrootcert: admin.sslRootCert && pulumi.output(admin.sslRootCert).apply(rootCertForProvider),
                superuser: admin.superuser,
            },
            { parent: this },
        );
    }

    /**
     * Per login with a password, the password (generated for its version unless given) and the salt
     * of its SCRAM verifier: stack state only, nothing on the server. A role adopted with a password
     * of its own keeps it until the next bump (see adoptedPasswordKept).
     */
    private async declarePasswords(name: string, v: ResolvedArgs, logins: LoginPlan, adopting: boolean): Promise<Map<string, LoginSecret>> {
        const secrets = new Map<string, LoginSecret>();
        for (const login of logins.logins) {
            if (login.passwordVersion === undefined) continue;
            // A new version replaces only the password; the role is altered in place.
            const keepers = { version: String(login.passwordVersion) };
            const generated = () =>
                new random.RandomPassword(
                    `${name}/password${login.secretSuffix}`,
                    { length: v.passwordLength, special: false, keepers },
                    { parent: this },
                ).result;
            const password = pulumi.secret(v.password ?? generated());
            // Created with the login's first password and never replaced: it also records the version
            // at which an existing role was adopted (see adoptedPasswordKept).
            const adopted = adopting && logins.granteeLogsIn && v.password === undefined;
            const salt = new random.RandomBytes(
                `${name}/salt${login.secretSuffix}`,
                { length: SCRAM_SALT_BYTES, keepers: adopted ? { adoptedAtVersion: String(login.passwordVersion) } : undefined },
                { parent: this, ignoreChanges: ["keepers"] },
            );
            // The SCRAM verifier, never the password: see scram.ts.
            const verifier = pulumi.secret(
                pulumi.all([password, salt.base64]).apply(([plain, saltBase64]) => scramVerifier(plain, Buffer.from(saltBase64, "base64"))),
            );
            const kept =
                logins.granteeLogsIn && v.password === undefined && (await adoptedPasswordKept(salt, login.passwordVersion, adopted));
            secrets.set(login.name, { password, verifier, kept });
        }
        return secrets;
    }

    /**
     * The roles, by name: the one holding the grants (single mode: the one that logs in; alternating:
     * the NOLOGIN group), and the users that log in as its members, each with the role guards.
     */
    private declareRoles(
        name: string,
        v: ResolvedArgs,
        logins: LoginPlan,
        plan: AccessPlan,
        secrets: Map<string, LoginSecret>,
        pgOpts: pulumi.CustomResourceOptions,
        adopting: boolean,
    ): Map<string, postgresql.Role> {
        const readOnly = { superuser: false, createDatabase: false, createRole: false, replication: false, bypassRowLevelSecurity: false };
        const guarded = (login: PlannedLogin) => ({
            login: login.passwordVersion !== undefined,
            password: secrets.get(login.name)?.kept ? undefined : secrets.get(login.name)?.verifier,
            connectionLimit: v.connectionLimit,
            statementTimeout: v.statementTimeoutMs,
            idleInTransactionSessionTimeout: v.idleInTransactionSessionTimeoutMs,
        });
        const grantee = new postgresql.Role(
            `${name}/role`,
            {
                name: logins.grantee,
                ...(logins.granteeLogsIn ? guarded(logins.current) : { login: false }),
                // On the role itself: a separate GrantRole would be seen as drift of the role's `roles`.
                roles: plan.memberOf.length > 0 ? plan.memberOf : undefined,
                ...readOnly,
            },
            // An existing role is taken over (its ID is its name); one already in the state stays as it is.
            { ...pgOpts, import: adopting ? logins.grantee : undefined },
        );
        const roles = new Map([[logins.grantee, grantee]]);
        if (logins.granteeLogsIn) return roles;
        for (const login of logins.logins)
            roles.set(
                login.name,
                new postgresql.Role(
                    `${name}/${login.child}`,
                    { name: login.name, ...guarded(login), roles: [grantee.name], inherit: true, ...readOnly },
                    pgOpts,
                ),
            );
        return roles;
    }

    /**
     * At preview, a role of the plan that exists on the server must be in this stack's state: only
     * then does the engine know its ID. Otherwise the plan would take over a role someone else made.
     * (An `up` without preview cannot tell: the provider refuses to create a role that exists.)
     */
    private async rolesAreOurs(roles: Map<string, postgresql.Role>, roleName: string, verdict: Verdict): Promise<boolean> {
        if (!pulumi.runtime.isDryRun()) return true;
        const taken: string[] = [];
        for (const [role, resource] of roles)
            if (verdict.server?.roles[role] && !(role === roleName && verdict.adoption) && !(await isKnown(resource.id))) taken.push(role);
        if (taken.length === 0) return true;
        pulumi.log.error(
            `Preflight of WhalyPostgresAccess on ${verdict.where} failed; nothing was changed:\n${formatProblems(taken.map((role) => roleTakenProblem(role, role === roleName ? "roleName" : "loginUsers")))}`,
            this,
        );
        return false;
    }

    /** The grants of the plan (plan/grants.ts), to the role that holds them. */
    private declareGrants(
        name: string,
        v: ResolvedArgs,
        plan: AccessPlan,
        role: postgresql.Role,
        pgOpts: pulumi.CustomResourceOptions,
    ): pulumi.CustomResource[] {
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
        return children;
    }
}

/** The args the children are declared from: the database resolved, the creators the verdict covers. */
function effectiveArgs(v: ValidatedArgs, verdict: Verdict): ResolvedArgs {
    return { ...v, database: verdict.database, tableCreators: verdict.tableCreators };
}

function renderSql(args: ResolvedArgs): string {
    const plan = planAccess(args.schemas, args.tableCreators, args);
    return psqlScript(args.database, accessStatements(args, plan));
}

/** What the component declared: the current login's name and password, and the previous login's name. */
interface Declared {
    user: string;
    password: string;
    previousUser: string;
}

/** A login's password and the SCRAM verifier the server gets instead, or with `kept` the role's own password left as it is. */
interface LoginSecret {
    password: pulumi.Output<string>;
    verifier: pulumi.Output<string>;
    kept: boolean;
}

/**
 * Whether an adopted role keeps the password it had: until `passwordVersion` goes above the version
 * it was adopted at. The salt's keepers hold that version: a salt created while the role already
 * exists means the role was made outside the stack, and a salt in the state keeps its keepers as
 * they were (ignoreChanges), so a role the stack created is never taken for an adopted one.
 */
async function adoptedPasswordKept(salt: random.RandomBytes, version: number, adopting: boolean): Promise<boolean> {
    const keepers = salt.keepers;
    // At up, known once the salt exists; should a preview not know it, what this run writes stands in.
    if (!(await isKnown(keepers))) return adopting;
    return (await valueOf(keepers))?.adoptedAtVersion === String(version);
}

function keptPasswordWarning(roleName: string, version: number): string {
    return (
        `adoptRole: role ${roleName} keeps the password it has, which this stack does not know: until passwordVersion goes above ${version}, ` +
        `the password output is empty and connectionString holds no password (Whaly's form keeps the one it has). ` +
        `Set passwordVersion to ${version + 1} to give the role this stack's generated password, then put it in Whaly's form`
    );
}
