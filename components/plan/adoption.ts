/**
 * Adopting a role made outside the stack (by hand, from Whaly's guide): what it holds beyond the
 * plan, what the plan adds, and the SQL that makes it match. Pure: the holdings are read elsewhere
 * (server/facts.ts), the statements run elsewhere (server/takeOver.ts).
 *
 * Before any child is declared, the take-over grants what the plan holds and the role lacks, in a
 * transaction of its own (so that the role never holds less than the plan while it runs), then, in
 * a second, removes what the plan does not hold: attributes, settings, memberships both ways,
 * privileges on every kind of object the catalog keeps an ACL for, and default privileges of every
 * letter, each revoked as the role that granted it (only a grantor's REVOKE removes its grant).
 * What cannot be removed from here (objects the role owns, policies and other dependencies,
 * privileges in other databases, grants the admin may not revoke, kinds the component does not
 * know) is refused, by name, before anything changes.
 */
import { AccessPlan, planAccess } from "./grants";
import { quoteIdentifier as q } from "./sql";
import { ArgProblem, ResolvedArgs } from "../contract/validate";

/** The kinds of object a privilege can be held on, as the take-over names them. */
export const OBJECT_KINDS = [
    "database",
    "tablespace",
    "parameter",
    "schema",
    "table",
    "view",
    "materialized view",
    "foreign table",
    "sequence",
    "column",
    "function",
    "procedure",
    "aggregate",
    "type",
    "domain",
    "language",
    "foreign data wrapper",
    "foreign server",
    "large object",
] as const;
export type ObjectKind = (typeof OBJECT_KINDS)[number];

/** One ACL entry naming the role. */
export interface HeldPrivilege {
    /** One of {@link OBJECT_KINDS}; anything else is what the catalog said of a kind the component does not know, and is refused. */
    kind: string;
    /** The schema of a schema-qualified object. */
    schema?: string;
    /** The object's name (a large object's OID). */
    name: string;
    /** A column's name (kind column, `name` being its table), or a routine's identity arguments. */
    detail?: string;
    privilege: string;
    grantor: string;
    grantable: boolean;
    /** The object's owner: the grantor of what the plan grants, and whose default privileges may be what granted it. */
    owner?: string;
}

/** One default privilege naming the role: what `owner` creates later (in `schema`, or anywhere) gets `privilege`. */
export interface HeldDefault {
    owner: string;
    schema?: string;
    /** pg_default_acl's letter: r tables, S sequences, f routines, T types, n schemas, L large objects (PostgreSQL 18); another is refused. */
    objectType: string;
    privilege: string;
    grantable: boolean;
}

/** A membership, with who granted it, its options, and whether the admin may revoke it. */
export interface HeldMembership {
    /** The other role: the group (in `memberOf`), or the member (in `members`). */
    role: string;
    grantor: string;
    adminMayRevoke: boolean;
    adminOption: boolean;
    /** PostgreSQL 16+: whether the member inherits the group's privileges, and may SET ROLE to it. */
    inheritOption?: boolean;
    setOption?: boolean;
}

/** What depends on the role (pg_shdepend) beyond what the take-over removes. */
export type BeyondReach =
    /** An object it owns, as pg_identify_object names it (`table`, `public.scratch`). */
    | { reason: "owns"; type: string; identity: string }
    /** An object that names it otherwise: a policy (`r`), initial privileges (`i`), an ACL entry the readers do not cover (`a`). */
    | { reason: "named"; deptype: string; catalog: string; type: string; identity: string }
    /** What it owns and is granted in another database, counted. */
    | { reason: "elsewhere"; database: string; owns: number; holds: number };

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
    /** Roles it is a direct member of (one entry per grantor). */
    memberOf: HeldMembership[];
    /** Roles that are direct members of it (absent: none read). */
    members?: HeldMembership[];
    /** Explicit ACL entries naming the role as grantee: in the component's database, and on databases, tablespaces and parameters. */
    privileges: HeldPrivilege[];
    defaults: HeldDefault[];
    /** Relations of the listed schemas on which the role lacks SELECT granted by their owner, for what the plan adds. */
    unreadable: Array<{ schema: string; name: string; sequence: boolean; owner: string }>;
    /** The owners of the component's database and of the listed schemas that exist: who grants what the plan adds (absent: not read, left to the children). */
    owners?: { database: string; schemas: Record<string, string> };
    /** What the take-over cannot remove. */
    beyondReach: BeyondReach[];
    /** Per grantor (of a privilege), owner (of a default privilege or of an object the plan grants on) and table creator: whether the admin may act as that role. */
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
    /** The roles the plan makes members of it: the alternating rotation's users. */
    members: string[];
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
    /**
     * What the take-over runs first, in a transaction of its own: what the plan holds and the role
     * lacks. It only adds, so that no read of the role's fails while the take-over runs, however
     * a concurrent session's catalog lookups interleave with the commits.
     */
    grants: TakeOverStatement[];
    /** What it runs then, in a second transaction: the removals and changes. */
    removals: TakeOverStatement[];
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

/** pg_default_acl's letters, as ALTER DEFAULT PRIVILEGES names them. */
const DEFAULT_KINDS: Record<string, string> = {
    r: "TABLES",
    S: "SEQUENCES",
    f: "ROUTINES",
    T: "TYPES",
    n: "SCHEMAS",
    L: "LARGE OBJECTS",
};

/** Default privileges that apply in every schema, never IN SCHEMA. */
const DATABASE_WIDE = new Set(["n", "L"]);

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
        members: login ? [] : [...v.loginUsers],
    };
}

/**
 * The differences between `held` and `planned`; the statements that grant what the plan holds and
 * the role lacks, then remove what the plan does not hold; and what cannot be removed.
 */
export function planAdoption(held: RoleHoldings, planned: PlannedRole): Adoption {
    const problems: ArgProblem[] = [];
    const p: Planning = {
        held,
        planned,
        role: q(planned.roleName),
        lines: [],
        grants: [],
        removals: [],
        refuse: (message) => problems.push({ field: "adoptRole", value: true, message: `role ${planned.roleName} ${message}` }),
    };
    for (const item of held.beyondReach) {
        const { what, fix } = beyondReach(item, planned);
        p.refuse(`${what}, which the component cannot take away from database ${planned.database}: ${fix}`);
    }
    roleItself(p);
    memberships(p);
    privileges(p);
    defaultPrivileges(p);
    additions(p);
    // What the plan holds first, so that the role never holds less than the plan while the take-over runs.
    return { lines: p.lines, grants: p.grants, removals: inRunOrder(p.removals), problems };
}

/** An adoption being planned: what it says, grants, removes, and refuses. */
interface Planning {
    held: RoleHoldings;
    planned: PlannedRole;
    /** The role's name, quoted. */
    role: string;
    lines: string[];
    grants: TakeOverStatement[];
    removals: TakeOverStatement[];
    refuse(message: string): void;
}

/** Its attributes and settings, set to the plan's. */
function roleItself({ held, planned, role, lines, grants, removals, refuse }: Planning): void {
    // What lets the role read more (INHERIT, LOGIN, no expiry) goes with the grants.
    const alter = (line: string, sql: string, superuserOnly?: string, widens = false) => {
        lines.push(`${line}: ${sql}`);
        (widens ? grants : removals).push({ sql });
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
    if (!held.attributes.inherit) alter("~ NOINHERIT (the plan: INHERIT)", `ALTER ROLE ${role} INHERIT`, undefined, true);
    if (held.attributes.login !== planned.login)
        alter(
            held.attributes.login ? "~ LOGIN (the plan: NOLOGIN, a group)" : "~ NOLOGIN (the plan: LOGIN)",
            `ALTER ROLE ${role} ${planned.login ? "LOGIN" : "NOLOGIN"}`,
            undefined,
            planned.login,
        );
    if (held.attributes.connectionLimit !== planned.connectionLimit)
        alter(
            `~ connection limit ${held.attributes.connectionLimit} (the plan: ${planned.connectionLimit})`,
            `ALTER ROLE ${role} CONNECTION LIMIT ${planned.connectionLimit}`,
        );
    if (held.attributes.validUntil !== undefined && held.attributes.validUntil !== "infinity")
        alter(
            `~ valid until ${held.attributes.validUntil} (the plan: no expiry)`,
            `ALTER ROLE ${role} VALID UNTIL 'infinity'`,
            undefined,
            true,
        );
    const settings = new Map(held.settings.map((s) => [s.slice(0, s.indexOf("=")), s.slice(s.indexOf("=") + 1)]));
    // A custom setting (`app.tenant_key`) may hold what row-level security checks, a key or a token: its value is not shown.
    const shown = (name: string) => (name.includes(".") ? "(its value not shown)" : `= ${settings.get(name)}`);
    for (const name of settings.keys())
        if (!(name in planned.settings)) alter(`- setting ${name} ${shown(name)}`, `ALTER ROLE ${role} RESET ${q(name)}`);
    for (const [name, value] of Object.entries(planned.settings))
        if (settings.get(name) !== value)
            alter(
                `~ setting ${name} ${settings.has(name) ? shown(name) : "unset"} (the plan: ${value})`,
                `ALTER ROLE ${role} SET ${q(name)} TO ${value}`,
            );
    for (const database of held.settingsInDatabases)
        alter(`- settings in database ${database}`, `ALTER ROLE ${role} IN DATABASE ${q(database)} RESET ALL`);
}

/**
 * Its memberships both ways, revoked per grantor since PostgreSQL 16: the plan's own left as a fresh
 * one is (inheriting, with SET, without ADMIN OPTION), and its members that may use its privileges
 * revoked, but the alternating rotation's users.
 */
function memberships({ held, planned, role, lines, grants, removals, refuse }: Planning): void {
    const grantedBy = (m: HeldMembership) => (planned.versionNum >= 160000 ? ` GRANTED BY ${q(m.grantor)}` : "");
    const mayRevoke = (m: HeldMembership, what: string, sql: string, group: string) => {
        if (!m.adminMayRevoke)
            refuse(
                `${what}, which the admin ${planned.admin.name} may not revoke: run ${sql} as a superuser, or GRANT ${group} TO ${q(planned.admin.name)} WITH ADMIN OPTION`,
            );
    };
    for (const m of held.memberOf) {
        const group = q(m.role);
        if (!planned.plan.memberOf.includes(m.role)) {
            const sql = `REVOKE ${group} FROM ${role}${grantedBy(m)}`;
            lines.push(`- member of ${m.role} (granted by ${m.grantor}): ${sql}`);
            removals.push({ sql });
            mayRevoke(m, `is a member of ${m.role}`, sql, group);
            continue;
        }
        const lacking = [m.inheritOption === false ? "INHERIT" : "", m.setOption === false ? "SET" : ""].filter(Boolean).join(" or ");
        if (lacking) {
            const sql = `GRANT ${group} TO ${role} WITH INHERIT TRUE, SET TRUE${grantedBy(m)}`;
            lines.push(`~ member of ${m.role} without ${lacking} (granted by ${m.grantor}; the plan: with INHERIT and SET): ${sql}`);
            grants.push({ sql });
            mayRevoke(m, `is a member of ${m.role} without ${lacking}`, sql, group);
        }
        if (m.adminOption) {
            const sql = `REVOKE ADMIN OPTION FOR ${group} FROM ${role}${grantedBy(m)}`;
            lines.push(`- the admin option of member of ${m.role} (granted by ${m.grantor}): ${sql}`);
            removals.push({ sql });
            mayRevoke(m, `holds the admin option of ${m.role}`, sql, group);
        }
    }
    for (const m of held.members ?? []) {
        // The admin manages the role; a member without INHERIT or SET (PostgreSQL 16+: how a role's
        // creator holds ADMIN OPTION on it) cannot use its privileges.
        const administers = m.role === planned.admin.name || (m.inheritOption === false && m.setOption === false);
        if (planned.members.includes(m.role) || administers) continue;
        const sql = `REVOKE ${role} FROM ${q(m.role)}${grantedBy(m)}`;
        lines.push(`- its member ${m.role} (granted by ${m.grantor}): ${sql}`);
        removals.push({ sql });
        mayRevoke(m, `has the member ${m.role}`, sql, role);
    }
}

/** Its privileges beyond the plan, and the grant option of the plan's, each revoked as its grantor (only a grantor's REVOKE removes its grant). */
function privileges({ held, planned, role, lines, removals, refuse }: Planning): void {
    for (const p of held.privileges) {
        if (!isKnownKind(p)) {
            refuse(
                `holds ${p.privilege} on ${qualified(p)}, which the catalog calls a "${p.kind}", a kind of object the component does not know: revoke it by hand, then run up again`,
            );
            continue;
        }
        const what = `${p.privilege} on ${describe(p)}`;
        let sql: string;
        if (isPlanned(p, planned)) {
            if (!p.grantable) continue;
            sql = `REVOKE GRANT OPTION FOR ${privilegeOn(p)} FROM ${role} CASCADE`;
            lines.push(`- the grant option of ${what} (granted by ${p.grantor}): ${sql} (as ${p.grantor})`);
        } else {
            sql = `REVOKE ${privilegeOn(p)} FROM ${role}${p.grantable ? " CASCADE" : ""}`;
            // What the plan grants comes from the object's owner (granted first): another grantor's copy goes.
            const why = isPlanned({ ...p, grantor: p.owner ?? "" }, planned) ? `; the plan's comes from its owner ${p.owner}` : "";
            lines.push(`- ${what} (granted by ${p.grantor}${why}): ${sql} (as ${p.grantor})`);
        }
        removals.push({ sql, as: p.grantor });
        if (!held.adminActsAs[p.grantor])
            refuse(
                `holds ${what}, granted by ${p.grantor}, and the admin ${planned.admin.name} cannot act as ${p.grantor} to revoke it: run ${sql} as ${p.grantor} (or as a superuser after SET ROLE ${q(p.grantor)}), or GRANT ${q(p.grantor)} TO ${q(planned.admin.name)}`,
            );
    }
}

/** Its default privileges beyond the plan, and the grant option of the plan's, each revoked for its owner. */
function defaultPrivileges({ held, planned, role, lines, removals, refuse }: Planning): void {
    const plannedDefaults = planned.plan.defaultPrivileges.map((d) =>
        defaultKey(d.owner, d.schema, DEFAULT_LETTERS[d.objectType], d.privileges[0]),
    );
    for (const d of held.defaults) {
        const objects = DEFAULT_KINDS[d.objectType];
        if (objects === undefined) {
            refuse(
                `holds default ${d.privilege} on objects of pg_default_acl type '${d.objectType}' that ${d.owner} creates, a kind of object the component does not know: revoke it by hand (\\ddp lists it), then run up again`,
            );
            continue;
        }
        const inPlan = plannedDefaults.includes(defaultKey(d.owner, d.schema, d.objectType, d.privilege));
        if (inPlan && !d.grantable) continue;
        const scope = `ALTER DEFAULT PRIVILEGES FOR ROLE ${q(d.owner)}${d.schema === undefined ? "" : ` IN SCHEMA ${q(d.schema)}`}`;
        const grantOption = inPlan ? "GRANT OPTION FOR " : "";
        const sql = `${scope} REVOKE ${grantOption}${d.privilege} ON ${objects} FROM ${role}${d.grantable ? " CASCADE" : ""}`;
        lines.push(`- ${inPlan ? "the grant option of " : ""}default ${d.privilege} on ${describeDefault(d)}: ${sql}`);
        removals.push({ sql });
        if (!held.adminActsAs[d.owner])
            refuse(
                `holds default ${d.privilege} on ${describeDefault(d)}, and the admin ${planned.admin.name} is not a member of ${d.owner}: run ${sql} as ${d.owner} or a superuser, or GRANT ${q(d.owner)} TO ${q(planned.admin.name)}`,
            );
    }
}

/**
 * The plan's grants, memberships and default privileges the role lacks, as lines, and the
 * statements that grant them at the start of the take-over: the children then find them in place.
 * A non-superuser admin grants as each object's owner (SET ROLE), where it may act as it; the
 * rest is left to the children, which grant as the provider does.
 */
function additions({ held, planned, role, lines, grants }: Planning): void {
    const asOwner = (owner: string | undefined, sql: string) => {
        if (owner === undefined) return; // Not there yet: the children grant it once it is.
        if (planned.admin.superuser || owner === planned.admin.name) grants.push({ sql });
        else if (held.adminActsAs[owner]) grants.push({ sql, as: owner });
    };
    // What the plan grants comes from the object's owner, as a fresh deployment's does.
    const holds = (kind: ObjectKind, name: string, privilege: string) =>
        held.privileges.some((p) => p.kind === kind && p.name === name && p.privilege === privilege && p.grantor === p.owner);
    if (!holds("database", planned.database, "CONNECT")) {
        const sql = `GRANT CONNECT ON DATABASE ${q(planned.database)} TO ${role}`;
        lines.push(`+ CONNECT on database ${planned.database}: ${sql}`);
        asOwner(held.owners?.database, sql);
    }
    for (const member of planned.plan.memberOf)
        if (!held.memberOf.some((m) => m.role === member)) {
            // Since PostgreSQL 16 a membership inherits as the role did when granted: the plan's always does.
            const sql = `GRANT ${q(member)} TO ${role}${planned.versionNum >= 160000 ? " WITH INHERIT TRUE" : ""}`;
            lines.push(`+ member of ${member}: ${sql}`);
            grants.push({ sql });
        }
    for (const schema of planned.schemas) {
        if (!holds("schema", schema, "USAGE")) {
            const sql = `GRANT USAGE ON SCHEMA ${q(schema)} TO ${role}`;
            lines.push(`+ USAGE on schema ${schema}: ${sql}`);
            asOwner(held.owners?.schemas[schema], sql);
        }
        for (const sequence of [false, true]) {
            const missing = held.unreadable.filter((u) => u.schema === schema && u.sequence === sequence);
            if (missing.length === 0) continue;
            const names = missing.map((u) => `${schema}.${u.name}`);
            const sql = `GRANT SELECT ON ALL ${sequence ? "SEQUENCES" : "TABLES"} IN SCHEMA ${q(schema)} TO ${role}`;
            const kind = `${sequence ? "sequence" : "relation"}${names.length === 1 ? "" : "s"}`;
            lines.push(`+ SELECT on ${names.length} ${kind} of schema ${schema} (${abbreviate(names)}): ${sql}`);
            if (planned.admin.superuser) grants.push({ sql });
            else
                for (const u of missing)
                    asOwner(u.owner, `GRANT SELECT ON ${sequence ? "SEQUENCE" : "TABLE"} ${q(schema)}.${q(u.name)} TO ${role}`);
        }
    }
    for (const d of planned.plan.defaultPrivileges) {
        const [objectType, privilege] = [DEFAULT_LETTERS[d.objectType], d.privileges[0]];
        const key = defaultKey(d.owner, d.schema, objectType, privilege);
        if (held.defaults.some((h) => defaultKey(h.owner, h.schema, h.objectType, h.privilege) === key)) continue;
        const where = d.schema === undefined ? "" : ` IN SCHEMA ${q(d.schema)}`;
        const sql = `ALTER DEFAULT PRIVILEGES FOR ROLE ${q(d.owner)}${where} GRANT ${privilege} ON ${DEFAULT_KINDS[objectType]} TO ${role}`;
        lines.push(`+ default ${privilege} on ${describeDefault({ owner: d.owner, schema: d.schema, objectType })}: ${sql}`);
        if (held.adminActsAs[d.owner]) grants.push({ sql });
    }
}

/**
 * Whether the plan holds this privilege, as its owner grants it: CONNECT on the database, USAGE on
 * a listed schema, SELECT on what is in one; and what the plan's database-wide default privileges
 * give what a table creator makes anywhere (SELECT on its tables and sequences, with futureSchemas
 * USAGE on its schemas).
 */
function isPlanned(p: HeldPrivilege & { kind: ObjectKind }, planned: PlannedRole): boolean {
    if (p.grantor !== p.owner) return false;
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

function isKnownKind(p: HeldPrivilege): p is HeldPrivilege & { kind: ObjectKind } {
    return (OBJECT_KINDS as readonly string[]).includes(p.kind);
}

const defaultKey = (owner: string, schema: string | undefined, objectType: string, privilege: string) =>
    JSON.stringify([owner, schema ?? null, objectType, privilege]);

const qualified = (p: HeldPrivilege) => (p.schema === undefined ? p.name : `${p.schema}.${p.name}`);

/** `table public.customers`, `column sales.orders.amount`, `function public.f(integer)`, `large object 16401`. */
function describe(p: HeldPrivilege & { kind: ObjectKind }): string {
    if (p.kind === "column") return `column ${qualified(p)}.${p.detail}`;
    if (p.kind === "function" || p.kind === "procedure" || p.kind === "aggregate") return `${p.kind} ${qualified(p)}(${p.detail ?? ""})`;
    return `${p.kind} ${qualified(p)}`;
}

/** `tables that etl creates in schema sales`, `schemas that etl creates`. */
function describeDefault(d: Pick<HeldDefault, "owner" | "schema" | "objectType">): string {
    const kind = DEFAULT_KINDS[d.objectType].toLowerCase();
    if (DATABASE_WIDE.has(d.objectType)) return `${kind} that ${d.owner} creates`;
    return `${kind} that ${d.owner} creates ${d.schema === undefined ? "in any schema" : `in schema ${d.schema}`}`;
}

/** `SELECT ON TABLE "s"."t"`, `UPDATE ("c") ON TABLE "s"."t"`, `EXECUTE ON ROUTINE "s"."f"(integer)`, `SELECT ON LARGE OBJECT 16401`. */
function privilegeOn(p: HeldPrivilege & { kind: ObjectKind }): string {
    const name = p.schema === undefined ? q(p.name) : `${q(p.schema)}.${q(p.name)}`;
    switch (p.kind) {
        case "column":
            return `${p.privilege} (${q(p.detail ?? "")}) ON TABLE ${name}`;
        case "function":
        case "procedure":
        case "aggregate":
            // ROUTINE names any of them (PostgreSQL 11+).
            return `${p.privilege} ON ROUTINE ${name}(${p.detail ?? ""})`;
        case "table":
        case "view":
        case "materialized view":
        case "foreign table":
            return `${p.privilege} ON TABLE ${name}`;
        case "large object":
            return `${p.privilege} ON LARGE OBJECT ${Number(p.name)}`;
        default:
            // database, tablespace, parameter, schema, sequence, type, domain, language, foreign data wrapper, foreign server
            return `${p.privilege} ON ${p.kind.toUpperCase()} ${name}`;
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

/** What something the take-over cannot remove is, and its fix. */
function beyondReach(item: BeyondReach, planned: PlannedRole): { what: string; fix: string } {
    const role = q(planned.roleName);
    const reassign = `the role only reads, so give what it owns to another role first (REASSIGN OWNED BY ${role} TO ${q(planned.admin.name)}, run in each database concerned), then run up again`;
    const byHand = "revoke them by hand, then run up again";
    if (item.reason === "elsewhere") {
        if (item.owns > 0)
            return { what: `owns ${item.owns} object${item.owns === 1 ? "" : "s"} in database ${item.database}`, fix: reassign };
        return {
            what: `holds privileges in database ${item.database} (${item.holds} object${item.holds === 1 ? "" : "s"})`,
            fix: "connect to that database and revoke them (`whaly-postgres audit` there lists them), or give this component another roleName",
        };
    }
    const object = `${item.type} ${item.identity}`;
    if (item.reason === "owns") {
        // pg_identify_object quotes the names it gives where SQL needs it.
        const server = /on server (.+)$/.exec(item.identity)?.[1];
        if (item.type === "user mapping" && server)
            return { what: `owns ${object}`, fix: `drop it (DROP USER MAPPING FOR ${role} SERVER ${server}), then run up again` };
        const defaults = /^for role .+? (?:in schema (.+) )?on (.+)$/.exec(item.identity);
        if (item.type === "default acl" && defaults)
            return {
                what: `owns ${object} (the default privileges it gives on what it creates)`,
                fix: `revoke them (ALTER DEFAULT PRIVILEGES FOR ROLE ${role}${defaults[1] ? ` IN SCHEMA ${defaults[1]}` : ""} REVOKE ALL ON ${defaults[2].toUpperCase()} FROM each role \\ddp shows there), then run up again`,
            };
        return { what: `owns ${object}`, fix: reassign };
    }
    if (item.deptype === "r") {
        const policy = item.identity.replace(" on ", " ON ");
        return {
            what: `is named by policy ${item.identity}`,
            fix: `take it out of the policy (ALTER POLICY ${policy} TO the other roles, or DROP POLICY ${policy}), then run up again`,
        };
    }
    if (item.deptype === "a") return { what: `is named in the privileges of ${object} beyond those the component reads`, fix: byHand };
    if (item.deptype === "i")
        return { what: `is named in the initial privileges of ${object} (pg_init_privs, kept for an extension)`, fix: byHand };
    return {
        what: `depends on ${object} in a way the component does not know (pg_shdepend type '${item.deptype}', ${item.catalog})`,
        fix: "remove that by hand, then run up again",
    };
}
