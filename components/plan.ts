/**
 * Pure planning: from validated names to the list of grants the component declares, each with a
 * stable child name. No Pulumi here, so the plan is tested on its own.
 */

/** A `postgresql.Grant` to the BI role. */
export interface PlannedGrant {
    /** Child resource name, relative to the component. */
    name: string;
    objectType: "database" | "schema" | "table" | "sequence";
    /** Absent for the database grant. */
    schema?: string;
    privileges: string[];
}

/** A `postgresql.DefaultPrivileges` for objects that `owner` creates later in `schema`. */
export interface PlannedDefaultPrivileges {
    /** Child resource name, relative to the component. */
    name: string;
    owner: string;
    schema: string;
    objectType: "table" | "sequence";
    privileges: string[];
}

export interface AccessPlan {
    grants: PlannedGrant[];
    defaultPrivileges: PlannedDefaultPrivileges[];
}

/**
 * One name part per identifier. encodeURIComponent is injective and escapes "/", so "/" can
 * join parts without two (creator, schema) pairs ever meeting on one name.
 */
export function namePart(identifier: string): string {
    return encodeURIComponent(identifier);
}

/**
 * CONNECT on the database; per schema USAGE, SELECT on all tables, SELECT on all sequences (one
 * Grant each: a second Grant on the same schema and object type would revoke the first); per
 * (creator, schema) default SELECT on future tables and sequences. SELECT only on sequences:
 * USAGE would allow nextval.
 */
export function planAccess(schemas: readonly string[], tableCreators: readonly string[]): AccessPlan {
    const grants: PlannedGrant[] = [{ name: "connect", objectType: "database", privileges: ["CONNECT"] }];
    const defaultPrivileges: PlannedDefaultPrivileges[] = [];
    for (const schema of schemas) {
        const s = namePart(schema);
        grants.push(
            { name: `usage/${s}`, objectType: "schema", schema, privileges: ["USAGE"] },
            { name: `select-tables/${s}`, objectType: "table", schema, privileges: ["SELECT"] },
            { name: `select-sequences/${s}`, objectType: "sequence", schema, privileges: ["SELECT"] },
        );
        for (const owner of tableCreators) {
            const o = namePart(owner);
            defaultPrivileges.push(
                { name: `default-tables/${o}/${s}`, owner, schema, objectType: "table", privileges: ["SELECT"] },
                { name: `default-sequences/${o}/${s}`, owner, schema, objectType: "sequence", privileges: ["SELECT"] },
            );
        }
    }
    return { grants, defaultPrivileges };
}
