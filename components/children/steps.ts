/**
 * The steps that hold the component's checks up to the engine: the hook every child's create and
 * update asks, the gate, and with `adoptRole` or the alternating rotation a step of their own.
 * Each runs only when the engine runs its step: `--target` elsewhere runs none of it.
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ValidatedArgs } from "../contract/validate";
import { passwordVersionJumpProblem, passwordVersionLeftOutProblem, roleRenamedProblem } from "../plan/preflight";
import { adoptionWarning, preflightFailure, Verdict, withoutSecrets } from "../server/checks";
import { isKnown, valueOf } from "../server/dependencies";
import { runTakeOver } from "../server/takeOver";

/**
 * The hook that fails a step when the server checks failed (their error, logged where they ran,
 * says why), at preview as at up: on every child's create and update.
 */
export function checksPassed(name: string, verdict: Promise<Verdict>): pulumi.ResourceHook {
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

/**
 * The gate every role follows, and every grant through the roles (a resource is registered once
 * those it depends on have had their step). The engine replaces a grant whose database or role
 * changes, deleting it first (its REVOKE), before its create asks the checks: the gate is
 * replaced first then, and its create asks them. A child's other inputs follow from its name
 * (plan/grants.ts): other changes only create and delete.
 */
export function declareGate(name: string, v: ValidatedArgs, grantee: string, gated: pulumi.CustomResourceOptions): random.RandomId {
    return new random.RandomId(`${name}/checks`, { byteLength: 4, keepers: { database: v.database, role: grantee } }, gated);
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
export function declareTakeOver(
    component: pulumi.Resource,
    name: string,
    v: ValidatedArgs,
    verdict: Promise<Verdict>,
    gated: pulumi.CustomResourceOptions,
): pulumi.Stash {
    // Taken here: in a hook of an inline program, the SDK no longer knows it is a preview.
    const preview = pulumi.runtime.isDryRun();
    const takeOver = new pulumi.ResourceHook(
        `whaly-postgres/${name}/take-over`,
        async () => {
            const { adoption, connection, server, where } = await verdict;
            if (adoption && adoption.problems.length > 0)
                throw new Error(withoutSecrets(component, preflightFailure(where, adoption.problems)));
            if (!preview)
                await runTakeOver(v.roleName, server?.roles[v.roleName] !== undefined, adoption, connection).catch((e: Error) => {
                    throw new Error(withoutSecrets(component, e.message));
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
                pulumi.log.warn(withoutSecrets(component, adoptionWarning(name, v.roleName, where, adoption.lines)), component);
        });
    return step;
}

/**
 * With the alternating rotation, the passwordVersion in a step of its own, which every password
 * waits for: its update, at preview as at up, refuses a version other than the one it holds or
 * the next (passwordVersionJumpProblem). `recorded`, on each password's create, refuses a new
 * version in an update that leaves the step out (`up --target`), which would check nothing.
 */
export function declareVersionStep(
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

/** Throws when the name a step had (`was`) is another role's than `role`: the grants cannot follow a renamed role. */
export async function refuseRename(was: unknown, role: string, verdict: Promise<Verdict>): Promise<void> {
    if (typeof was !== "string" || was === role) return;
    throw new Error(preflightFailure((await verdict).where, [roleRenamedProblem(was, role)]));
}
