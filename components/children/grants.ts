/**
 * The grants and default privileges of the plan (plan/grants.ts), to the role that holds them.
 */
import * as pulumi from "@pulumi/pulumi";
import * as postgresql from "@pulumi/postgresql";
import { ValidatedArgs } from "../contract/validate";
import { AccessPlan } from "../plan/grants";

/** The grants of the plan (plan/grants.ts), to the role that holds them; `defaultsOnly` for discovered creators. */
export function declareGrants(
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
