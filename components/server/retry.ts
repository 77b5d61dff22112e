/**
 * PostgreSQL refuses a change to an object's privileges (its ACL, a role's memberships) that
 * another session changed since this one read it: two components, or two stacks, granting on one
 * database at once (upstream terraform-provider-postgresql #178). The engine runs each child's
 * step again when this hook says so.
 */
import * as pulumi from "@pulumi/pulumi";

/** What PostgreSQL refuses when another session changes the same privileges at that moment. */
export const RETRYABLE = /tuple concurrently updated|deadlock detected|could not serialize access/;
export const RETRIES = 6;

/**
 * How long to wait before running a failed step again, given its errors so far (newest first):
 * undefined when the newest is not a concurrent change, or after RETRIES retries. The pause
 * grows and is jittered (`jitter` from 0 to 1), so that two sessions do not collide again.
 */
export function retryDelayMs(errors: readonly string[], jitter = Math.random()): number | undefined {
    if (errors.length > RETRIES || !RETRYABLE.test(errors[0] ?? "")) return undefined;
    return Math.round(100 * 2 ** errors.length * (0.5 + jitter));
}

/** The engine's hook on every PostgreSQL child: runs the step again after {@link retryDelayMs}. */
export function retryHook(name: string): pulumi.ErrorHook {
    return new pulumi.ErrorHook(`whaly-postgres/${name}/retry`, async ({ errors }) => {
        const delay = retryDelayMs(errors);
        if (delay === undefined) return false;
        await new Promise((resolve) => setTimeout(resolve, delay));
        return true;
    });
}
