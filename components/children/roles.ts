/**
 * The roles: the one holding the grants, and with rotation "alternating" the users that log in as
 * its members, each with the role guards and, where it logs in, its password's SCRAM verifier.
 */
import { AsyncResource } from "node:async_hooks";
import * as pulumi from "@pulumi/pulumi";
import * as postgresql from "@pulumi/postgresql";
import { ValidatedArgs } from "../contract/validate";
import { AccessPlan } from "../plan/grants";
import { LoginPlan, PlannedLogin } from "../plan/logins";
import { loginUserRenamedWarning, loginUserTakenProblem, roleTakenProblem } from "../plan/preflight";
import { preflightFailure, Verdict } from "../server/checks";
import { LoginSecret } from "./passwords";
import { refuseRename } from "./steps";

/**
 * The roles, by name: the one holding the grants (single mode: the one that logs in; alternating:
 * the NOLOGIN group), and the users that log in as its members, each with the role guards. A role
 * this stack creates must not exist already, unless adopted (imported): its step says so first.
 */
export function declareRoles(
    component: pulumi.Resource,
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
    const warn = AsyncResource.bind((message: string) => pulumi.log.warn(message, component));
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
