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

/** A `postgresql.DefaultPrivileges` for objects that `owner` creates later in `schema` (absent: in any schema). */
export interface PlannedDefaultPrivileges {
    /** Child resource name, relative to the component. */
    name: string;
    owner: string;
    /** Always absent for schemas: PostgreSQL refuses `IN SCHEMA` with `ON SCHEMAS`. */
    schema?: string;
    objectType: "table" | "sequence" | "schema";
    privileges: string[];
}

export interface AccessPlan {
    /** Roles the BI role becomes a member of (`pg_read_all_data` in the all-data mode). */
    memberOf: string[];
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

/** Where default privileges apply: per listed schema, or database-wide per creator (the compact mode). */
export type DefaultPrivilegesScope = "schema" | "database";

/** The args that shape the plan beyond the names (as in ValidatedArgs). */
export interface PlanMode {
    defaultPrivilegesScope?: DefaultPrivilegesScope;
    readAllData?: boolean;
    futureSchemas?: boolean;
}

/**
 * CONNECT on the database; per schema USAGE, SELECT on all tables, SELECT on all sequences (one
 * Grant each: a second Grant on the same schema and object type would revoke the first); default
 * SELECT on future tables and sequences per (creator, schema), or per creator database-wide.
 * SELECT only on sequences: USAGE would allow nextval. With futureSchemas, also default USAGE on
 * the schemas each creator makes, database-wide, as the table and sequence defaults then are:
 * a schema's own default privileges would be dropped with it.
 */
export function planAccess(schemas: readonly string[], tableCreators: readonly string[], mode: PlanMode = {}): AccessPlan {
    const grants: PlannedGrant[] = [{ name: "connect", objectType: "database", privileges: ["CONNECT"] }];
    // PostgreSQL 14+: SELECT on every table, view and sequence of every schema, present and future.
    if (mode.readAllData) return { memberOf: ["pg_read_all_data"], grants, defaultPrivileges: [] };
    const scope = mode.futureSchemas ? "database" : (mode.defaultPrivilegesScope ?? "schema");
    const defaultPrivileges: PlannedDefaultPrivileges[] = [];
    for (const schema of schemas) {
        const s = namePart(schema);
        grants.push(
            { name: `usage/${s}`, objectType: "schema", schema, privileges: ["USAGE"] },
            { name: `select-tables/${s}`, objectType: "table", schema, privileges: ["SELECT"] },
            { name: `select-sequences/${s}`, objectType: "sequence", schema, privileges: ["SELECT"] },
        );
        if (scope === "schema")
            for (const owner of tableCreators) defaultPrivileges.push(...defaultsFor(owner, `${namePart(owner)}/${s}`, schema));
    }
    if (scope === "database")
        for (const owner of tableCreators) {
            defaultPrivileges.push(...defaultsFor(owner, namePart(owner)));
            if (mode.futureSchemas)
                defaultPrivileges.push({ name: `default-schemas/${namePart(owner)}`, owner, objectType: "schema", privileges: ["USAGE"] });
        }
    return { memberOf: [], grants, defaultPrivileges };
}

function defaultsFor(owner: string, suffix: string, schema?: string): PlannedDefaultPrivileges[] {
    return [
        { name: `default-tables/${suffix}`, owner, schema, objectType: "table", privileges: ["SELECT"] },
        { name: `default-sequences/${suffix}`, owner, schema, objectType: "sequence", privileges: ["SELECT"] },
    ];
}
