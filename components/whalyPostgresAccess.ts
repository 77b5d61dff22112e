import * as pulumi from "@pulumi/pulumi";
import { declareGrants } from "./children/grants";
import { childStacks } from "./children/stacks";
import { declarePasswords } from "./children/passwords";
import { declareAdminProvider } from "./children/provider";
import { declareRoles } from "./children/roles";
import { checksPassed, declareGate, declareTakeOver, declareVersionStep } from "./children/steps";
import { WhalyPostgresAccessArgs } from "./contract/args";
import { validateArgs } from "./contract/validate";
import { componentOutputs } from "./outputs/componentOutputs";
import { planAccess } from "./plan/grants";
import { planLogins } from "./plan/logins";
import { checkServer } from "./server/checks";
import { postgresqlProviderOf } from "./server/location";
import { retryHook } from "./server/retry";

/**
 * Gives Whaly read-only access to one PostgreSQL database: a LOGIN role, CONNECT, USAGE and
 * SELECT on the listed schemas, default privileges for future tables of every table creator,
 * and the connection details Whaly's form asks for.
 */
export class WhalyPostgresAccess extends pulumi.ComponentResource {
    /** Type token of the component. */
    static readonly typeToken = "whaly-postgres:index:WhalyPostgresAccess";

    /** Host Whaly connects to (the primary or a read replica). */
    readonly host!: pulumi.Output<string>;
    /** Port Whaly connects to. */
    readonly port!: pulumi.Output<number>;
    /** Database Whaly reads. */
    readonly database!: pulumi.Output<string>;
    /** Name of the role Whaly logs in as: the role itself, or with rotation "alternating" the current user. */
    readonly user!: pulumi.Output<string>;
    /** Password of `user` (secret). */
    readonly password!: pulumi.Output<string>;
    /**
     * With rotation "alternating": the user of the previous passwordVersion, whose credentials keep
     * working until the next bump (`previousUserRetiresAtVersion`). Empty when there is none.
     */
    readonly previousUser!: pulumi.Output<string>;
    /** The passwordVersion at which `previousUser`'s password is replaced, and its credentials stop working; 0 when there is no previous user. */
    readonly previousUserRetiresAtVersion!: pulumi.Output<number>;
    /** `postgresql://` URI with every field and the `sslmode` (secret). */
    readonly connectionString!: pulumi.Output<string>;
    /** CIDR ranges Whaly connects from, for a firewall, security group or pg_hba.conf. */
    readonly ipRanges!: pulumi.Output<string[]>;
    /** pg_hba.conf lines admitting only this role to this database from `ipRanges`, or with sshTunnel from the bastion's address. */
    readonly pgHbaLines!: pulumi.Output<string[]>;
    /**
     * The SQL this component amounts to, as a psql script runnable from any database, the password
     * elided (see `renderAccessSql`); empty where the server checks failed.
     */
    readonly accessSql!: pulumi.Output<string>;
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

        // The stacks the SDK reads while it registers a child: unmapped, and the engine's from the program's line (children/stacks.ts).
        const restoreStacks = childStacks();
        try {
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
            const takeOver = v.adoptRole ? declareTakeOver(this, name, v, verdict, gated) : undefined;
            const after = dependingOn(opts.dependsOn, takeOver);
            const logins = planLogins(v.roleName, v.rotation, v.passwordVersion, v.loginUsers);
            const plan = planAccess(v.schemas, v.tableCreators, v);
            const gate = declareGate(name, v, logins.grantee, gated);
            const pgOpts: pulumi.CustomResourceOptions = {
                ...gated,
                provider: v.admin && declareAdminProvider(this, name, v),
                dependsOn: dependingOn(after, gate),
                hooks: { ...gated.hooks, onError: [retryHook(name)] },
            };
            const version = v.rotation === "alternating" ? declareVersionStep(name, v, verdict, gated) : undefined;
            const passwords = declarePasswords(this, name, v, logins, verdict, {
                ...gated,
                dependsOn: dependingOn(after, version?.step),
                hooks: { ...gated.hooks, beforeCreate: [...(gated.hooks?.beforeCreate ?? []), ...(version ? [version.recorded] : [])] },
            });
            const roles = declareRoles(this, name, v, logins, plan, passwords, verdict, pgOpts);
            // After every role, users included: a non-superuser provider's role and grant statements
            // take locks on role memberships, and running them side by side deadlocked a destroy.
            // The gate through them: a child registers once what it depends on has had its step.
            const grantOpts = { ...pgOpts, dependsOn: dependingOn(after, ...roles.values()) };
            const grantee = roles.get(logins.grantee)!;
            declareGrants(name, v, plan, grantee, grantOpts);
            // The one set of children the args cannot name: those of the creators the catalog shows.
            if (v.discoverTableCreators)
                void verdict.then(({ go, tableCreators }) => {
                    if (!go) return;
                    // Inline, as above: a wrapping function would add its frames to every stack taken.
                    const restore = childStacks();
                    try {
                        declareGrants(name, v, planAccess(v.schemas, tableCreators, v), grantee, grantOpts, true);
                    } finally {
                        restore();
                    }
                });

            const outputs = componentOutputs(this, name, v, verdict, logins, roles, passwords);
            Object.assign(this, outputs);
            this.registerOutputs(outputs);
        } finally {
            restoreStacks();
        }
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
