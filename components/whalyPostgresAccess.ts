import { AsyncResource } from "node:async_hooks";
import * as pulumi from "@pulumi/pulumi";
import * as postgresql from "@pulumi/postgresql";
import * as random from "@pulumi/random";
import { WhalyPostgresAccessArgs } from "./contract/args";
import { ResolvedArgs, ValidatedArgs, validateArgs } from "./contract/validate";
import { AccessPlan, planAccess } from "./plan/grants";
import { LoginPlan, planLogins, PlannedLogin } from "./plan/logins";
import {
    loginUserRenamedWarning,
    loginUserTakenProblem,
    passwordVersionJumpProblem,
    passwordVersionLeftOutProblem,
    roleRenamedProblem,
    roleTakenProblem,
} from "./plan/preflight";
import { SCRAM_SALT_BYTES, scramVerifier } from "./plan/scram";
import { accessStatements, psqlScript } from "./plan/sql";
import { connectionString } from "./outputs/connectionString";
import { renderPgHbaLines } from "./outputs/network";
import { sshOutputs } from "./outputs/sshOutputs";
import { adoptionWarning, checkedWhalyHost, checkServer, preflightFailure, Verdict, withoutSecrets } from "./server/checks";
import { isKnown, valueOf } from "./server/dependencies";
import { postgresqlProviderOf } from "./server/location";
import { retryHook } from "./server/retry";
import { runTakeOver } from "./server/takeOver";

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
    /**
     * The SQL this component amounts to, as a psql script runnable from any database, the password
     * elided (see `renderAccessSql`); empty where the server checks failed.
     */
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

        // What only the server knows, read (never changed) once what the component depends on exists.
        const verdict = checkServer(name, this, v, opts.dependsOn, provider);
        // Every child's create and update step fails when the checks did, at preview as at up: nothing
        // is created or changed before they pass, `up --target` of any child included.
        const passed = checksPassed(name, verdict);
        const gated: pulumi.CustomResourceOptions = {
            parent: this,
            dependsOn: opts.dependsOn,
            hooks: { beforeCreate: [passed], beforeUpdate: [passed] },
        };
        const takeOver = v.adoptRole ? this.declareTakeOver(name, v, verdict, gated) : undefined;
        const after = dependingOn(opts.dependsOn, takeOver);
        const logins = planLogins(v.roleName, v.rotation, v.passwordVersion, v.loginUsers);
        const plan = planAccess(v.schemas, v.tableCreators, v);
        // The engine replaces a grant whose database or role changes, deleting it first (its REVOKE),
        // before its create asks the checks: the gate is replaced first then, and its create asks them.
        // A child's other inputs follow from its name (plan/grants.ts): other changes only create and delete.
        const gate = new random.RandomId(
            `${name}/checks`,
            { byteLength: 4, keepers: { database: v.database, role: logins.grantee } },
            gated,
        );
        const pgOpts: pulumi.CustomResourceOptions = {
            ...gated,
            provider: v.admin && this.declareAdminProvider(name, v),
            dependsOn: dependingOn(after, gate),
            hooks: { ...gated.hooks, onError: [retryHook(name)] },
        };
        const version = v.rotation === "alternating" ? this.declareVersionStep(name, v, verdict, gated) : undefined;
        const passwords = this.declarePasswords(name, v, logins, verdict, {
            ...gated,
            dependsOn: dependingOn(after, version?.step),
            hooks: { ...gated.hooks, beforeCreate: [...(gated.hooks?.beforeCreate ?? []), ...(version ? [version.recorded] : [])] },
        });
        const roles = this.declareRoles(name, v, logins, plan, passwords, verdict, pgOpts);
        // After every role, users included: a non-superuser provider's role and grant statements
        // take locks on role memberships, and running them side by side deadlocked a destroy.
        const grantOpts = { ...pgOpts, dependsOn: dependingOn(after, gate, ...roles.values()) };
        const grantee = roles.get(logins.grantee)!;
        this.declareGrants(name, v, plan, grantee, grantOpts);
        // The one set of children the args cannot name: those of the creators the catalog shows.
        if (v.discoverTableCreators)
            void verdict.then(
                ({ go, tableCreators }) =>
                    go && this.declareGrants(name, v, planAccess(v.schemas, tableCreators, v), grantee, grantOpts, true),
            );

        const checked = pulumi.output(verdict);
        const current = passwords.get(logins.current.name)!;
        const nameOf = (login?: PlannedLogin) => (login ? roles.get(login.name)!.name : pulumi.output(""));
        this.host = checkedWhalyHost(name, this, v, checked);
        this.port = pulumi.output(v.port);
        this.database = pulumi.output(v.database);
        this.ipRanges = pulumi.output(v.ipRanges);
        this.user = nameOf(logins.current);
        // An adopted role keeps its own password, which the stack does not know: no password to output.
        this.password = pulumi.secret(pulumi.all([current.kept, current.password]).apply(([kept, password]) => (kept ? "" : password)));
        this.previousUser = nameOf(logins.previous);
        this.previousUserRetiresAtVersion = this.previousUser.apply((previous) => (previous ? v.passwordVersion + 1 : 0));
        this.connectionString = pulumi.secret(
            pulumi
                .all([this.host, this.port, this.database, this.user, this.password])
                .apply(([host, port, database, user, password]) =>
                    connectionString({ host, port, database, user, password, sslMode: v.sslMode }),
                ),
        );
        const { pgHbaRanges, ...ssh } = sshOutputs(v);
        Object.assign(this, ssh);
        // The previous user too: Whaly logs in with it until it has the new credentials.
        // None when the checks failed: a database name they refused cannot be written to pg_hba.conf.
        this.pgHbaLines = pulumi
            // The database beside the verdict: a secret one keeps both outputs secret.
            .all([checked, this.user, this.previousUser, pgHbaRanges, v.database])
            .apply(([{ go, database }, user, previous, ipRanges]) =>
                go && user && ipRanges.length > 0 ? renderPgHbaLines({ database, user: previous ? [user, previous] : user, ipRanges }) : [],
            );
        // Known at preview, for review before the deploy; with discoverTableCreators, the creators found.
        // None either when the checks failed: a database name they refused cannot be written to a psql script.
        this.accessSql = pulumi.all([checked, v.database]).apply(([verdict]) => (verdict.go ? renderSql(effectiveArgs(v, verdict)) : ""));

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
     * With adoptRole, the take-over (server/takeOver.ts) in a step of its own: it runs when that
     * step runs, once, before the role is imported and any child changes; never in an update that
     * targets other resources. A role not there yet is created for the import. At the preview of
     * the update that adopts the role, the step refuses what cannot be taken over, and a warning
     * says what will change; a role adopted before is left as it is. The step holds the role's
     * name: an update of it is a renamed role, refused (roleRenamedProblem), since an import of
     * another name would replace the role, and an import runs no hook.
     */
    private declareTakeOver(name: string, v: ValidatedArgs, verdict: Promise<Verdict>, gated: pulumi.CustomResourceOptions): pulumi.Stash {
        // Taken here: in a hook of an inline program, the SDK no longer knows it is a preview.
        const preview = pulumi.runtime.isDryRun();
        const takeOver = new pulumi.ResourceHook(
            `whaly-postgres/${name}/take-over`,
            async () => {
                const { adoption, connection, server, where } = await verdict;
                if (adoption && adoption.problems.length > 0)
                    throw new Error(withoutSecrets(this, preflightFailure(where, adoption.problems)));
                if (!preview)
                    await runTakeOver(v.roleName, server?.roles[v.roleName] !== undefined, adoption, connection).catch((e: Error) => {
                        throw new Error(withoutSecrets(this, e.message));
                    });
            },
            { onDryRun: true },
        );
        const renamed = new pulumi.ResourceHook(
            `whaly-postgres/${name}/take-over/renamed`,
            async ({ oldInputs }) => refuseRename(oldInputs?.input?.role, v.roleName, verdict),
            { onDryRun: true },
        );
        const { beforeCreate = [], beforeUpdate = [] } = gated.hooks ?? {};
        const step = new pulumi.Stash(
            `${name}/take-over`,
            { input: { role: v.roleName } },
            { ...gated, hooks: { ...gated.hooks, beforeCreate: [...beforeCreate, takeOver], beforeUpdate: [...beforeUpdate, renamed] } },
        );
        // At preview, a step in the state has its ID; one this update creates has none yet.
        if (preview)
            void isKnown(step.id).then(async (adopted) => {
                const { adoption, where } = await verdict;
                if (!adopted && adoption && adoption.problems.length === 0 && adoption.lines.length > 0)
                    pulumi.log.warn(withoutSecrets(this, adoptionWarning(name, v.roleName, where, adoption.lines)), this);
            });
        return step;
    }

    /**
     * With the alternating rotation, the passwordVersion in a step of its own, which every password
     * waits for: its update, at preview as at up, refuses a version other than the one it holds or
     * the next (passwordVersionJumpProblem). `recorded`, on each password's create, refuses a new
     * version in an update that leaves the step out (`up --target`), which would check nothing.
     */
    private declareVersionStep(
        name: string,
        v: ValidatedArgs,
        verdict: Promise<Verdict>,
        gated: pulumi.CustomResourceOptions,
    ): { step: pulumi.Stash; recorded: pulumi.ResourceHook } {
        const oneAtATime = new pulumi.ResourceHook(
            `whaly-postgres/${name}/password-version`,
            async ({ oldInputs }) => {
                const was: unknown = oldInputs?.input?.passwordVersion;
                if (typeof was === "number" && v.passwordVersion !== was && v.passwordVersion !== was + 1)
                    throw new Error(preflightFailure((await verdict).where, [passwordVersionJumpProblem(was, v.passwordVersion)]));
            },
            { onDryRun: true },
        );
        const { beforeUpdate = [] } = gated.hooks ?? {};
        const step = new pulumi.Stash(
            `${name}/password-version`,
            { input: { passwordVersion: v.passwordVersion } },
            { ...gated, hooks: { ...gated.hooks, beforeUpdate: [...beforeUpdate, oneAtATime] } },
        );
        // The step's state as this update leaves it: a step in the update holds this version (or is
        // unknown at preview), one left out holds the version it had.
        const held: pulumi.Output<unknown> = step.input.apply((input) => input?.passwordVersion);
        const recorded = new pulumi.ResourceHook(
            `whaly-postgres/${name}/password-version/recorded`,
            async () => {
                if (!(await isKnown(held))) return;
                const was = await valueOf(held);
                if (typeof was === "number" && was !== v.passwordVersion)
                    throw new Error(preflightFailure((await verdict).where, [passwordVersionLeftOutProblem(name, was, v.passwordVersion)]));
            },
            { onDryRun: true },
        );
        return { step, recorded };
    }

    /** The provider built from `admin`, connected to the component's database (role drops run there). */
    private declareAdminProvider(name: string, v: ValidatedArgs): postgresql.Provider {
        const admin = v.admin!;
        return new postgresql.Provider(
            `${name}/admin`,
            {
                host: admin.host,
                port: admin.port,
                username: admin.username,
                password: admin.password === undefined ? undefined : pulumi.secret(admin.password),
                database: v.database,
                sslmode: admin.sslMode,
                sslrootcert: admin.sslRootCert,
                superuser: admin.superuser,
            },
            { parent: this },
        );
    }

    /**
     * Per login with a password, the password (generated for its version unless given) and the salt
     * of its SCRAM verifier: stack state only, nothing on the server. A role adopted with a password
     * of its own keeps it until the next bump (`kept`, see adoptedPasswordKept).
     */
    private declarePasswords(
        name: string,
        v: ValidatedArgs,
        logins: LoginPlan,
        verdict: Promise<Verdict>,
        gated: pulumi.CustomResourceOptions,
    ): Map<string, LoginSecret> {
        const secrets = new Map<string, LoginSecret>();
        for (const login of logins.logins) {
            if (login.passwordVersion === undefined) continue;
            // A new version replaces only the password; the role is altered in place.
            const keepers = { version: String(login.passwordVersion) };
            const generated = () =>
                new random.RandomPassword(
                    `${name}/password${login.secretSuffix}`,
                    { length: v.passwordLength, special: false, keepers },
                    gated,
                ).result;
            const password = pulumi.secret(v.password ?? generated());
            // Created with the login's first password and never replaced: it also records the version
            // at which an existing role was adopted (see adoptedPasswordKept).
            // Adopted with a password of its own: a role of that name exists on the server (the checks read
            // what adopting it changes) and logs in; a NOLOGIN one, as a take-over that stopped leaves it,
            // has no password to keep. Only with adoptRole does the salt, and so the role, wait for the
            // checks: otherwise they run beside the registration.
            const mayAdopt = v.adoptRole && logins.granteeLogsIn && v.password === undefined;
            const adopted = mayAdopt
                ? verdict.then(({ adoption, server }) => {
                      const role = server?.roles[v.roleName];
                      // One that logs in without a password (a certificate, peer) has none to keep, where a superuser can tell.
                      return adoption !== undefined && role?.canLogin === true && role.hasPassword !== false;
                  })
                : Promise.resolve(false);
            const adoptedAt = { adoptedAtVersion: String(login.passwordVersion) };
            const saltName = `${name}/salt${login.secretSuffix}`;
            const salt = new random.RandomBytes(
                saltName,
                {
                    length: SCRAM_SALT_BYTES,
                    keepers: mayAdopt ? pulumi.output(adopted).apply((a) => (a ? adoptedAt : undefined)) : undefined,
                },
                { ...gated, ignoreChanges: ["keepers"] },
            );
            // The SCRAM verifier, never the password: see scram.ts.
            const verifier = pulumi.secret(
                pulumi.all([password, salt.base64]).apply(([plain, saltBase64]) => scramVerifier(plain, Buffer.from(saltBase64, "base64"))),
            );
            const recorded = mayAdopt ? recordedKeepers(salt, saltName) : salt.keepers;
            const kept =
                logins.granteeLogsIn && v.password === undefined
                    ? pulumi.output(adoptedPasswordKept(salt, recorded, login.passwordVersion, adopted))
                    : pulumi.output(false);
            kept.apply((k) => k && pulumi.log.warn(keptPasswordWarning(v.roleName, v.passwordVersion), this));
            secrets.set(login.name, { password, verifier, kept });
        }
        return secrets;
    }

    /**
     * The roles, by name: the one holding the grants (single mode: the one that logs in; alternating:
     * the NOLOGIN group), and the users that log in as its members, each with the role guards. A role
     * this stack creates must not exist already, unless adopted (imported): its step says so first.
     */
    private declareRoles(
        name: string,
        v: ValidatedArgs,
        logins: LoginPlan,
        plan: AccessPlan,
        secrets: Map<string, LoginSecret>,
        verdict: Promise<Verdict>,
        pgOpts: pulumi.CustomResourceOptions,
    ): Map<string, postgresql.Role> {
        const readOnly = { superuser: false, createDatabase: false, createRole: false, replication: false, bypassRowLevelSecurity: false };
        const guarded = (login: PlannedLogin) => {
            const secret = secrets.get(login.name);
            return {
                login: login.passwordVersion !== undefined,
                password:
                    secret &&
                    pulumi.secret(pulumi.all([secret.kept, secret.verifier]).apply(([kept, verifier]) => (kept ? undefined : verifier))),
                connectionLimit: v.connectionLimit,
                statementTimeout: v.statementTimeoutMs,
                idleInTransactionSessionTimeout: v.idleInTransactionSessionTimeoutMs,
            };
        };
        // A hook of an inline program runs outside the program's context, where the SDK's log reaches no
        // engine (it prints to the console): the warning is sent in the context of the constructor.
        const warn = AsyncResource.bind((message: string) => pulumi.log.warn(message, this));
        // Created means not in this stack's state: a role of that name on the server is someone else's
        // (unless adopted). The role holding the grants is not renamed once deployed (roleRenamedProblem);
        // a login user may be, to a name no role has.
        const free = (
            role: string,
            field: "roleName" | "loginUsers",
            steps: Array<"beforeCreate" | "beforeUpdate">,
        ): pulumi.ResourceHookBinding => {
            const hook = new pulumi.ResourceHook(
                `whaly-postgres/${name}/${role}/free`,
                async ({ oldInputs }) => {
                    // An update (old inputs given) of a role the stack has: only its name matters.
                    const updated = oldInputs !== undefined;
                    if (updated && oldInputs.name === role) return;
                    if (updated && field === "roleName") return refuseRename(oldInputs.name, role, verdict);
                    const { server, where } = await verdict;
                    const problem = updated ? loginUserTakenProblem(role) : roleTakenProblem(role, field);
                    if (server?.roles[role]) throw new Error(preflightFailure(where, [problem]));
                    if (updated) await warn(loginUserRenamedWarning(String(oldInputs.name), role));
                },
                { onDryRun: true },
            );
            const hooks = pgOpts.hooks ?? {};
            return { ...hooks, ...Object.fromEntries(steps.map((step) => [step, [...(hooks[step] ?? []), hook]])) };
        };
        const grantee = new postgresql.Role(
            `${name}/role`,
            {
                name: logins.grantee,
                ...(logins.granteeLogsIn ? guarded(logins.current) : { login: false }),
                // On the role itself: a separate GrantRole would be seen as drift of the role's `roles`.
                roles: plan.memberOf.length > 0 ? plan.memberOf : undefined,
                ...readOnly,
            },
            // With adoptRole, up imports the role (its ID is its name) after the take-over step, which
            // creates it when missing; one in the state already stays as it is. A preview cannot import
            // what may not exist yet: it shows the role as created, and the checks say what up adopts.
            // At up, an import of another name replaces the role and runs no hook: the take-over step
            // refuses a rename before it. At preview (no import), a rename is an update, refused here too.
            v.adoptRole
                ? {
                      ...pgOpts,
                      import: pulumi.runtime.isDryRun() ? undefined : logins.grantee,
                      hooks: free(logins.grantee, "roleName", ["beforeUpdate"]),
                  }
                : { ...pgOpts, hooks: free(logins.grantee, "roleName", ["beforeCreate", "beforeUpdate"]) },
        );
        const roles = new Map([[logins.grantee, grantee]]);
        if (logins.granteeLogsIn) return roles;
        for (const login of logins.logins)
            roles.set(
                login.name,
                new postgresql.Role(
                    `${name}/${login.child}`,
                    { name: login.name, ...guarded(login), roles: [grantee.name], inherit: true, ...readOnly },
                    { ...pgOpts, hooks: free(login.name, "loginUsers", ["beforeCreate", "beforeUpdate"]) },
                ),
            );
        return roles;
    }

    /** The grants of the plan (plan/grants.ts), to the role that holds them; `defaultsOnly` for discovered creators. */
    private declareGrants(
        name: string,
        v: ValidatedArgs,
        plan: AccessPlan,
        role: postgresql.Role,
        pgOpts: pulumi.CustomResourceOptions,
        defaultsOnly = false,
    ): void {
        // Replaced delete first: create-before-delete would run the old one's REVOKE after the new
        // GRANT. The provider asks it for a Grant's replacement, but not for the retry of one that
        // failed after its delete (a pending replacement), which then revoked what it granted.
        const replaced = { ...pgOpts, deleteBeforeReplace: true };
        for (const grant of defaultsOnly ? [] : plan.grants)
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
                replaced,
            );
        for (const defaults of plan.defaultPrivileges)
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
                replaced,
            );
    }
}

/** The component's `dependsOn` and `more` (those defined), for a child's options. */
function dependingOn(
    dependsOn: pulumi.ResourceOptions["dependsOn"],
    ...more: Array<pulumi.Resource | undefined>
): pulumi.ResourceOptions["dependsOn"] {
    const resources = more.filter((r): r is pulumi.Resource => r !== undefined);
    if (dependsOn === undefined) return resources;
    if (Array.isArray(dependsOn)) return [...dependsOn, ...resources];
    // One resource, or a promise or Output of one or of a list, beside the others: the SDK reads each
    // entry as it reads dependsOn, so an Output not known at preview leaves the others in place.
    return [dependsOn as pulumi.Input<pulumi.Resource>, ...resources];
}

/** The args the SQL is rendered from: the database resolved, the creators the verdict covers. */
function effectiveArgs(v: ValidatedArgs, verdict: Verdict): ResolvedArgs {
    return { ...v, database: verdict.database, tableCreators: verdict.tableCreators };
}

function renderSql(args: ResolvedArgs): string {
    const plan = planAccess(args.schemas, args.tableCreators, args);
    return psqlScript(args.database, accessStatements(args, plan));
}

/** Throws when the name a step had (`was`) is another role's than `role`: the grants cannot follow a renamed role. */
async function refuseRename(was: unknown, role: string, verdict: Promise<Verdict>): Promise<void> {
    if (typeof was !== "string" || was === role) return;
    throw new Error(preflightFailure((await verdict).where, [roleRenamedProblem(was, role)]));
}

/**
 * The hook that fails a step when the server checks failed (their error, logged where they ran,
 * says why), at preview as at up: on every child's create and update.
 */
function checksPassed(name: string, verdict: Promise<Verdict>): pulumi.ResourceHook {
    return new pulumi.ResourceHook(
        `whaly-postgres/${name}/checks`,
        async () => {
            if (!(await verdict).go)
                throw new Error(
                    `the server checks of WhalyPostgresAccess ${name} failed (their error says why): nothing was created or changed`,
                );
        },
        { onDryRun: true },
    );
}

/** A login's password and the SCRAM verifier the server gets instead, `kept` when an adopted role keeps its own. */
interface LoginSecret {
    password: pulumi.Output<string>;
    verifier: pulumi.Output<string>;
    kept: pulumi.Output<boolean>;
}

/**
 * Whether an adopted role keeps the password it had: until `passwordVersion` goes above the version
 * it was adopted at. The salt's keepers (`recorded`) hold that version: a salt created while
 * adopting records it, and a salt in the state keeps its keepers as they were (ignoreChanges), so
 * a role the stack created is never taken for an adopted one. A salt made without keepers has none
 * in its outputs, which a preview reads as unknown.
 */
async function adoptedPasswordKept(
    salt: random.RandomBytes,
    recorded: pulumi.Output<{ [key: string]: string } | undefined>,
    version: number,
    adopting: Promise<boolean>,
): Promise<boolean> {
    if (await isKnown(recorded)) return (await valueOf(recorded))?.adoptedAtVersion === String(version);
    // Unknown keepers at preview: a salt in the state (its ID known) has none; one this update creates gets them from this run.
    return (await isKnown(salt.id)) ? false : adopting;
}

/**
 * The salt's keepers as the engine holds them. At up, the SDK gives a property missing from the
 * engine's outputs the value the program gave it: keepers given to a salt whose state has none
 * would read as the state's. Read back by URN (the `urn` resource option: a read, which declares
 * nothing), the engine's alone.
 */
function recordedKeepers(salt: random.RandomBytes, name: string): pulumi.Output<{ [key: string]: string } | undefined> {
    return salt.urn.apply((urn) => new random.RandomBytes(name, { length: SCRAM_SALT_BYTES }, { urn }).keepers);
}

function keptPasswordWarning(roleName: string, version: number): string {
    return (
        `adoptRole: role ${roleName} keeps the password it has, which this stack does not know: until passwordVersion goes above ${version}, ` +
        `the password output is empty and connectionString holds no password (Whaly's form keeps the one it has). ` +
        `Set passwordVersion to ${version + 1} to give the role this stack's generated password, then put it in Whaly's form`
    );
}
