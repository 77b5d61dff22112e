/**
 * Adopting a role made outside the stack (by hand, from Whaly's guide): what it holds beyond the
 * plan, what the plan adds, and the SQL that makes it match. Pure: the holdings are read elsewhere
 * (serverFacts.ts), the statements run elsewhere (takeOver.ts).
 *
 * What the plan does not hold is removed before any child is declared, by the take-over: attributes,
 * settings, memberships, privileges on the database, schemas, tables, columns, sequences, routines
 * and types, and default privileges, each revoked as the role that granted it (only a grantor's
 * REVOKE removes its grant). What the plan adds is left to the children, as on a fresh server.
 * What cannot be removed from here (objects the role owns, privileges in other databases, grants
 * the admin may not revoke) is refused before anything changes.
 */
import { AccessPlan, planAccess } from "./plan";
import { quoteIdentifier as q } from "./sql";
import { ArgProblem, ResolvedArgs } from "./validate";

/** The kinds of object a privilege can be held on, as the take-over names them. */
export type ObjectKind =
    | "database"
    | "tablespace"
    | "schema"
    | "table"
    | "view"
    | "materialized view"
    | "foreign table"
    | "sequence"
    | "column"
    | "function"
    | "procedure"
    | "type";

/** One ACL entry naming the role. */
export interface HeldPrivilege {
    kind: ObjectKind;
    /** The schema of a schema-qualified object. */
    schema?: string;
    name: string;
    /** A column's name (kind column, `name` being its table), or a routine's identity arguments. */
    detail?: string;
    privilege: string;
    grantor: string;
    grantable: boolean;
    /** The object's owner, whose default privileges may be what granted it. */
    owner?: string;
}

/** One default privilege naming the role: what `owner` creates later (in `schema`, or anywhere) gets `privilege`. */
export interface HeldDefault {
    owner: string;
    schema?: string;
    /** pg_default_acl's letter: r tables, S sequences, f routines, T types, n schemas. */
    objectType: "r" | "S" | "f" | "T" | "n";
    privilege: string;
    grantable: boolean;
}

/** What an existing role holds, read from the catalog of the component's database and the shared catalogs. */
export interface RoleHoldings {
    attributes: {
        superuser: boolean;
        createDatabase: boolean;
        createRole: boolean;
        replication: boolean;
        bypassRowLevelSecurity: boolean;
        login: boolean;
        inherit: boolean;
        connectionLimit: number;
        /** rolvaliduntil as text; undefined for none (no expiry, as `infinity`). */
        validUntil?: string;
    };
    /** The role's own settings (rolconfig), `name=value`. */
    settings: string[];
    /** Databases where the role has settings of its own (ALTER ROLE … IN DATABASE … SET). */
    settingsInDatabases: string[];
    /** Roles it is a direct member of, with who granted each, and whether the admin may revoke it. */
    memberOf: Array<{ role: string; grantor: string; adminMayRevoke: boolean }>;
    /** Explicit ACL entries naming the role: in the component's database, and on databases and tablespaces. */
    privileges: HeldPrivilege[];
    defaults: HeldDefault[];
    /** Relations of the listed schemas on which the role lacks SELECT, for what the plan adds. */
    unreadable: Array<{ schema: string; name: string; sequence: boolean }>;
    /** What the take-over cannot remove from the component's database, each described: objects the role owns, privileges in other databases, on other kinds of object. */
    beyondReach: string[];
    /** Per grantor (of a privilege), owner (of a default privilege) and table creator: whether the admin may act as that role. */
    adminActsAs: Record<string, boolean>;
    /** The admin may alter the role itself (superuser; CREATEROLE before PostgreSQL 16; ADMIN OPTION on it since). */
    adminMayAlter: boolean;
}

/** What the plan wants the role to be, beyond its grants. */
export interface PlannedRole {
    roleName: string;
    database: string;
    schemas: string[];
    plan: AccessPlan;
    /** Whether the role logs in (single rotation), or is the NOLOGIN group (alternating). */
    login: boolean;
    connectionLimit: number;
    /** The role's settings: name to value (statement_timeout and idle_in_transaction_session_timeout, in ms, when not 0). */
    settings: Record<string, string>;
    versionNum: number;
    admin: { name: string; superuser: boolean };
}

/** SQL the take-over runs, as `as` (SET ROLE) when given, else as the admin. */
export interface TakeOverStatement {
    sql: string;
    as?: string;
}

/** What adopting the role changes. */
export interface Adoption {
    /** One line per difference: `- ` what goes, `~ ` what changes, `+ ` what the plan adds, each with its SQL. */
    lines: string[];
    /** The removals and changes, in order: run before any child is declared. */
    statements: TakeOverStatement[];
    /** What cannot be done from here, with the fix; refused before anything changes. */
    problems: ArgProblem[];
}

const ATTRIBUTES = [
    ["superuser", "SUPERUSER"],
    ["createDatabase", "CREATEDB"],
    ["createRole", "CREATEROLE"],
    ["replication", "REPLICATION"],
    ["bypassRowLevelSecurity", "BYPASSRLS"],
] as const;

/** Attributes only a superuser may take away. */
const SUPERUSER_ONLY = new Set(["SUPERUSER", "REPLICATION", "BYPASSRLS"]);

const DEFAULT_KINDS: Record<HeldDefault["objectType"], string> = { r: "TABLES", S: "SEQUENCES", f: "ROUTINES", T: "TYPES", n: "SCHEMAS" };

/** pg_default_acl's letter for each object type of the plan's default privileges. */
const DEFAULT_LETTERS = { table: "r", sequence: "S", schema: "n" } as const;

/**
 * What the args make of the role: the single rotation's role logs in with the role guards; the
 * alternating rotation's group does not log in and has none (its users have them).
 */
export function plannedRole(v: ResolvedArgs, server: { versionNum: number; admin: { name: string; superuser: boolean } }): PlannedRole {
    const login = v.rotation === "single";
    const settings: Record<string, string> = {};
    if (login && v.statementTimeoutMs !== 0) settings.statement_timeout = String(v.statementTimeoutMs);
    if (login && v.idleInTransactionSessionTimeoutMs !== 0)
        settings.idle_in_transaction_session_timeout = String(v.idleInTransactionSessionTimeoutMs);
    return {
        roleName: v.roleName,
        database: v.database,
        schemas: v.schemas,
        plan: planAccess(v.schemas, v.tableCreators, v),
        login,
        connectionLimit: login ? v.connectionLimit : -1,
        settings,
        versionNum: server.versionNum,
        admin: server.admin,
    };
}

/** The differences between `held` and `planned`, the statements that remove what the plan does not hold, and what cannot be removed. */
export function planAdoption(held: RoleHoldings, planned: PlannedRole): Adoption {
    const lines: string[] = [];
    const statements: TakeOverStatement[] = [];
    const problems: ArgProblem[] = [];
    const role = q(planned.roleName);
    const refuse = (message: string) => problems.push({ field: "adoptRole", value: true, message: `role ${planned.roleName} ${message}` });

    for (const what of held.beyondReach)
        refuse(`${what}, which the component cannot take away from database ${planned.database}: ${beyondReachFix(what, planned)}`);

    // The role itself: attributes, settings, memberships.
    const alter = (line: string, sql: string, superuserOnly?: string) => {
        lines.push(`${line}: ${sql}`);
        statements.push({ sql });
        if (planned.admin.superuser) return;
        if (superuserOnly) refuse(`has ${superuserOnly}, which only a superuser may take away: run ${sql} as a superuser`);
        else if (!held.adminMayAlter)
            refuse(
                `cannot be altered by the admin ${planned.admin.name} (since PostgreSQL 16, CREATEROLE covers only the roles it created): run GRANT ${role} TO ${q(planned.admin.name)} WITH ADMIN OPTION as a superuser or as the role's creator`,
            );
    };
    for (const [attribute, keyword] of ATTRIBUTES)
        if (held.attributes[attribute])
            alter(`- ${keyword}`, `ALTER ROLE ${role} NO${keyword}`, SUPERUSER_ONLY.has(keyword) ? keyword : undefined);
    if (!held.attributes.inherit) alter("~ NOINHERIT (the plan: INHERIT)", `ALTER ROLE ${role} INHERIT`);
    if (held.attributes.login !== planned.login)
        alter(
            held.attributes.login ? "~ LOGIN (the plan: NOLOGIN, a group)" : "~ NOLOGIN (the plan: LOGIN)",
            `ALTER ROLE ${role} ${planned.login ? "LOGIN" : "NOLOGIN"}`,
        );
    if (held.attributes.connectionLimit !== planned.connectionLimit)
        alter(
            `~ connection limit ${held.attributes.connectionLimit} (the plan: ${planned.connectionLimit})`,
            `ALTER ROLE ${role} CONNECTION LIMIT ${planned.connectionLimit}`,
        );
    if (held.attributes.validUntil !== undefined && held.attributes.validUntil !== "infinity")
        alter(`~ valid until ${held.attributes.validUntil} (the plan: no expiry)`, `ALTER ROLE ${role} VALID UNTIL 'infinity'`);
    const settings = new Map(held.settings.map((s) => [s.slice(0, s.indexOf("=")), s.slice(s.indexOf("=") + 1)]));
    for (const [name, value] of settings)
        if (!(name in planned.settings)) alter(`- setting ${name} = ${value}`, `ALTER ROLE ${role} RESET ${name}`);
    for (const [name, value] of Object.entries(planned.settings))
        if (settings.get(name) !== value)
            alter(
                `~ setting ${name} ${settings.has(name) ? `= ${settings.get(name)}` : "unset"} (the plan: ${value})`,
                `ALTER ROLE ${role} SET ${name} TO ${value}`,
            );
    for (const database of held.settingsInDatabases)
        alter(`- settings in database ${database}`, `ALTER ROLE ${role} IN DATABASE ${q(database)} RESET ALL`);
    for (const m of held.memberOf) {
        if (planned.plan.memberOf.includes(m.role)) continue;
        // Since PostgreSQL 16 a membership is revoked per grantor.
        const sql = `REVOKE ${q(m.role)} FROM ${role}${planned.versionNum >= 160000 ? ` GRANTED BY ${q(m.grantor)}` : ""}`;
        lines.push(`- member of ${m.role} (granted by ${m.grantor}): ${sql}`);
        statements.push({ sql });
        if (!m.adminMayRevoke)
            refuse(
                `is a member of ${m.role}, which the admin ${planned.admin.name} may not revoke: run ${sql} as a superuser, or GRANT ${q(m.role)} TO ${q(planned.admin.name)} WITH ADMIN OPTION`,
            );
    }

    // Privileges, each revoked as its grantor.
    for (const p of held.privileges) {
        const what = `${p.privilege} on ${describe(p)}`;
        const cascade = p.grantable ? " CASCADE" : "";
        let sql: string;
        if (isPlanned(p, planned)) {
            if (!p.grantable) continue;
            sql = `REVOKE GRANT OPTION FOR ${privilegeOn(p)} FROM ${role} CASCADE`;
            lines.push(`- the grant option of ${what} (granted by ${p.grantor}): ${sql} (as ${p.grantor})`);
        } else {
            sql = `REVOKE ${privilegeOn(p)} FROM ${role}${cascade}`;
            lines.push(`- ${what} (granted by ${p.grantor}): ${sql} (as ${p.grantor})`);
        }
        statements.push({ sql, as: p.grantor });
        if (!held.adminActsAs[p.grantor])
            refuse(
                `holds ${what}, granted by ${p.grantor}, and the admin ${planned.admin.name} cannot act as ${p.grantor} to revoke it: run ${sql} as ${p.grantor} (or as a superuser after SET ROLE ${q(p.grantor)}), or GRANT ${q(p.grantor)} TO ${q(planned.admin.name)}`,
            );
    }
    const plannedDefaults = planned.plan.defaultPrivileges.map((d) =>
        defaultKey(d.owner, d.schema, DEFAULT_LETTERS[d.objectType], d.privileges[0]),
    );
    for (const d of held.defaults) {
        const inPlan = plannedDefaults.includes(defaultKey(d.owner, d.schema, d.objectType, d.privilege));
        if (inPlan && !d.grantable) continue;
        const scope = `ALTER DEFAULT PRIVILEGES FOR ROLE ${q(d.owner)}${d.schema === undefined ? "" : ` IN SCHEMA ${q(d.schema)}`}`;
        const grantOption = inPlan ? "GRANT OPTION FOR " : "";
        const sql = `${scope} REVOKE ${grantOption}${d.privilege} ON ${DEFAULT_KINDS[d.objectType]} FROM ${role}${d.grantable ? " CASCADE" : ""}`;
        lines.push(`- ${inPlan ? "the grant option of " : ""}default ${d.privilege} on ${describeDefault(d)}: ${sql}`);
        statements.push({ sql });
        if (!held.adminActsAs[d.owner])
            refuse(
                `holds default ${d.privilege} on ${describeDefault(d)}, and the admin ${planned.admin.name} is not a member of ${d.owner}: run ${sql} as ${d.owner} or a superuser, or GRANT ${q(d.owner)} TO ${q(planned.admin.name)}`,
            );
    }

    const added = additions(held, planned);
    lines.push(...added.lines);
    // The plan's default privileges first: one it replaces (per schema or database-wide) never leaves a gap.
    return { lines, statements: [...added.defaults, ...inRunOrder(statements)], problems };
}

/**
 * The plan's grants and default privileges the role lacks, as lines: the children create them.
 * The default privileges are also granted by the take-over, before it revokes those the plan
 * does not hold, where the admin may act as their owner (the child then finds them in place).
 */
function additions(held: RoleHoldings, planned: PlannedRole): { lines: string[]; defaults: TakeOverStatement[] } {
    const role = q(planned.roleName);
    const lines: string[] = [];
    const defaults: TakeOverStatement[] = [];
    const holds = (kind: ObjectKind, name: string, privilege: string) =>
        held.privileges.some((p) => p.kind === kind && p.name === name && p.privilege === privilege);
    if (!holds("database", planned.database, "CONNECT"))
        lines.push(`+ CONNECT on database ${planned.database}: GRANT CONNECT ON DATABASE ${q(planned.database)} TO ${role}`);
    for (const member of planned.plan.memberOf)
        if (!held.memberOf.some((m) => m.role === member)) lines.push(`+ member of ${member}: GRANT ${q(member)} TO ${role}`);
    for (const schema of planned.schemas) {
        if (!holds("schema", schema, "USAGE")) lines.push(`+ USAGE on schema ${schema}: GRANT USAGE ON SCHEMA ${q(schema)} TO ${role}`);
        for (const sequence of [false, true]) {
            const names = held.unreadable.filter((u) => u.schema === schema && u.sequence === sequence).map((u) => `${schema}.${u.name}`);
            const kind = sequence ? "sequence" : "relation";
            if (names.length > 0)
                lines.push(
                    `+ SELECT on ${names.length} ${kind}${names.length === 1 ? "" : "s"} of schema ${schema} (${abbreviate(names)}): GRANT SELECT ON ALL ${sequence ? "SEQUENCES" : "TABLES"} IN SCHEMA ${q(schema)} TO ${role}`,
                );
        }
    }
    for (const d of planned.plan.defaultPrivileges) {
        const [objectType, privilege] = [DEFAULT_LETTERS[d.objectType], d.privileges[0]];
        const key = defaultKey(d.owner, d.schema, objectType, privilege);
        if (held.defaults.some((h) => defaultKey(h.owner, h.schema, h.objectType, h.privilege) === key)) continue;
        const where = d.schema === undefined ? "" : ` IN SCHEMA ${q(d.schema)}`;
        const sql = `ALTER DEFAULT PRIVILEGES FOR ROLE ${q(d.owner)}${where} GRANT ${privilege} ON ${DEFAULT_KINDS[objectType]} TO ${role}`;
        lines.push(`+ default ${privilege} on ${describeDefault({ owner: d.owner, schema: d.schema, objectType })}: ${sql}`);
        if (held.adminActsAs[d.owner]) defaults.push({ sql });
    }
    return { lines, defaults };
}

/**
 * Whether the plan holds this privilege: CONNECT on the database, USAGE on a listed schema, SELECT
 * on what is in one; and what the plan's database-wide default privileges give what a table creator
 * makes anywhere (SELECT on its tables and sequences, with futureSchemas USAGE on its schemas).
 */
function isPlanned(p: HeldPrivilege, planned: PlannedRole): boolean {
    if (p.kind === "database") return p.name === planned.database && p.privilege === "CONNECT";
    const byDefault = (objectType: "table" | "sequence" | "schema") =>
        planned.plan.defaultPrivileges.some(
            (d) => d.schema === undefined && d.owner === p.owner && d.objectType === objectType && d.privileges.includes(p.privilege),
        );
    // No schema is listed in the all-data mode: CONNECT is all it holds directly.
    const listed = planned.schemas.includes(p.kind === "schema" ? p.name : (p.schema ?? ""));
    if (p.kind === "schema") return (listed && p.privilege === "USAGE") || byDefault("schema");
    if (p.kind === "sequence") return (listed && p.privilege === "SELECT") || byDefault("sequence");
    const relation = ["table", "view", "materialized view", "foreign table"].includes(p.kind);
    return relation && ((listed && p.privilege === "SELECT") || byDefault("table"));
}

const defaultKey = (owner: string, schema: string | undefined, objectType: string, privilege: string) =>
    JSON.stringify([owner, schema ?? null, objectType, privilege]);

/** `table public.customers`, `column sales.orders.amount`, `function public.f(integer)`. */
function describe(p: HeldPrivilege): string {
    const qualified = p.schema === undefined ? p.name : `${p.schema}.${p.name}`;
    if (p.kind === "column") return `column ${qualified}.${p.detail}`;
    if (p.kind === "function" || p.kind === "procedure") return `${p.kind} ${qualified}(${p.detail ?? ""})`;
    return `${p.kind} ${qualified}`;
}

/** `tables that etl creates in schema sales`, `schemas that etl creates`. */
function describeDefault(d: Pick<HeldDefault, "owner" | "schema" | "objectType">): string {
    const kind = DEFAULT_KINDS[d.objectType].toLowerCase();
    if (d.objectType === "n") return `${kind} that ${d.owner} creates`;
    return `${kind} that ${d.owner} creates ${d.schema === undefined ? "in any schema" : `in schema ${d.schema}`}`;
}

/** `SELECT ON TABLE "s"."t"`, `UPDATE ("c") ON TABLE "s"."t"`, `EXECUTE ON ROUTINE "s"."f"(integer)`. */
function privilegeOn(p: HeldPrivilege): string {
    const qualified = p.schema === undefined ? q(p.name) : `${q(p.schema)}.${q(p.name)}`;
    switch (p.kind) {
        case "database":
        case "tablespace":
        case "schema":
        case "sequence":
        case "type":
            return `${p.privilege} ON ${p.kind.toUpperCase()} ${qualified}`;
        case "column":
            return `${p.privilege} (${q(p.detail!)}) ON TABLE ${qualified}`;
        case "function":
        case "procedure":
            return `${p.privilege} ON ROUTINE ${qualified}(${p.detail ?? ""})`;
        default:
            return `${p.privilege} ON TABLE ${qualified}`;
    }
}

/** The statements as the admin first, then grouped by the role they run as (fewer role switches). */
function inRunOrder(statements: TakeOverStatement[]): TakeOverStatement[] {
    const asAdmin = statements.filter((s) => s.as === undefined);
    const grantors = [...new Set(statements.flatMap((s) => (s.as === undefined ? [] : [s.as])))];
    return [...asAdmin, ...grantors.flatMap((grantor) => statements.filter((s) => s.as === grantor))];
}

function abbreviate(names: string[]): string {
    return names.length <= 5 ? names.join(", ") : `${names.slice(0, 5).join(", ")} and ${names.length - 5} more`;
}

/** The fix for something the take-over cannot reach, by what it is. */
function beyondReachFix(what: string, planned: PlannedRole): string {
    if (what.startsWith("owns"))
        return `the role only reads, so give what it owns to another role first (REASSIGN OWNED BY ${q(planned.roleName)} TO ${q(planned.admin.name)}, run in each database concerned), then run up again`;
    if (what.startsWith("holds privileges in database"))
        return `connect to that database and revoke them (\`whaly-postgres audit\` there lists them), or give this component another roleName`;
    return `revoke it by hand, then run up again`;
}
