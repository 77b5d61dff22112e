/**
 * What a role can really do in one database, read from the catalog through an admin connection:
 * its attributes, memberships (inherited too), the databases it may connect to, the schemas it
 * may use, what it can read, anything beyond reading (privileges, grant options, ownership,
 * predefined roles), what every role it may SET ROLE to can do, and the default privileges that
 * name it. The privilege functions (has_table_privilege, ...) answer with membership and PUBLIC
 * included, as PostgreSQL decides at query time.
 */
import {
    connect,
    ConnectionSettings,
    parseConnectionString,
    resolveSettings,
    ResolvedSettings,
    SettingNames,
} from "../components/connect/libpq";
import { escapeControls, joined, keyOf, name, Phrase, phrase, qualified, raw, shown } from "./phrase";

/**
 * Where to connect, as libpq (psql) would: a connection string (a `postgresql://` URI or
 * `key=value` pairs) and settings over it; what both leave out comes from the PG* environment
 * variables, `~/.pgpass` and libpq's defaults (`sslmode` prefer).
 */
export interface AuditConnection extends ConnectionSettings {
    connectionString?: string;
}

/** How the audit's settings are spelt, for its errors. */
export const AUDIT_SETTING_NAMES: SettingNames = {
    host: "the host (connection string or PGHOST)",
    port: "the port (connection string or PGPORT)",
    sslMode: "sslmode (connection string or PGSSLMODE)",
    sslRootCert: "sslrootcert (--sslrootcert, the connection string or PGSSLROOTCERT)",
    sslCert: "sslcert (connection string or PGSSLCERT)",
    sslKey: "sslkey (connection string or PGSSLKEY)",
    password: "the password (connection string, PGPASSWORD or the password file, PGPASSFILE or ~/.pgpass)",
    connectTimeout: "connect_timeout (connection string or PGCONNECT_TIMEOUT)",
};

/** The settings the audit connects with. */
export function auditSettings(connection: AuditConnection, env: NodeJS.ProcessEnv = process.env): ResolvedSettings {
    const { connectionString, ...given } = connection;
    const fromString = connectionString ? parseConnectionString(connectionString) : {};
    const defined = Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined));
    return resolveSettings({ ...fromString, ...defined }, "prefer", env);
}

/**
 * The report. Its prose (`on`, `reasons`, ...) names objects as they are, unquoted, as `--json`
 * gives them; {@link formatAudit} shows the same names quoted where PostgreSQL would quote them.
 * (The audit builds it with `Text` a {@link Phrase}, names kept apart from its words.)
 */
export interface AuditReport<Text = string> {
    role: string;
    server: { database: string; version: string };
    /** Attributes beyond LOGIN: SUPERUSER, CREATEDB, CREATEROLE, REPLICATION, BYPASSRLS. */
    extraAttributes: string[];
    canLogin: boolean;
    connectionLimit: number;
    /** Roles it is a member of, directly or through another membership, whatever the membership's options. */
    memberOf: string[];
    /** Databases it may connect to. */
    connect: string[];
    /** Schemas it may use (USAGE), system schemas left out. */
    schemas: string[];
    /** Per schema it may use: what it can SELECT, by kind. */
    readable: Array<{ schema: string; tables: Text[]; views: Text[]; materializedViews: Text[]; sequences: Text[] }>;
    /** Columns it may SELECT of tables and views it may not read whole, as `schema.table (column)`, system schemas left out. */
    readableColumns: Text[];
    /**
     * Every privilege beyond reading, its own or inherited, PUBLIC's included: on relations,
     * columns, sequences, schemas, databases (all of the server's), functions, foreign-data
     * wrappers and servers, tablespaces, large objects and parameters; grant options and ADMIN
     * OPTION; default privileges beyond reading. `counts` false, with `why`, for what changes no
     * stored data (TEMPORARY, SET on a parameter any role may set).
     */
    beyondRead: Array<{ privilege: Text; on: Text; counts: boolean; why?: string }>;
    /** Objects of the database, and databases and tablespaces of the server, that it owns or whose owner's privileges it inherits. */
    owns: Array<{ object: Text; owner: string }>;
    /** Predefined roles (pg_*) it inherits from or may SET ROLE to; `counts` false for those that only read. */
    predefinedRoles: Array<{ name: string; does: string; counts: boolean }>;
    /** Other roles it may SET ROLE to, each with what it holds beyond reading, audited as if it were the role. */
    setRoles: Array<{ name: string; holds: Text[] }>;
    /** Default privileges that name the role. */
    defaultPrivileges: Array<{ owner: string; schema: string | null; objectType: string; privileges: string }>;
    /**
     * Roles whose schemas made from now on the role will use, with the tables they make there that
     * it will read: database-wide default USAGE on schemas and default SELECT on tables of that
     * owner, given to the role, a role it inherits from, or PUBLIC.
     */
    futureSchemaOwners: string[];
    /** The roles that are members of it (a group's users), each with what it holds beyond the role. */
    members: Array<{ name: string; canLogin: boolean; holdsMore: Text[] }>;
    /** Why it is not read-only, as the verdict says it; empty when it is. */
    reasons: Text[];
    /** True when `reasons` is empty. */
    readOnly: boolean;
}

/** The report as the audit builds it: names kept apart from its words, and the keywords PostgreSQL quotes. */
interface Facts extends AuditReport<Phrase> {
    reserved: ReadonlySet<string>;
}

/** Each report {@link auditRole} returned, with the facts {@link formatAudit} shows it from. */
const FACTS = new WeakMap<AuditReport, Facts>();

/** `r` with each of its texts (names among words) turned by `to`: phrases to raw text and back. */
function mapTexts<A, B>(r: AuditReport<A>, to: (text: A) => B): AuditReport<B> {
    const all = (texts: A[]) => texts.map(to);
    return {
        ...r,
        readable: r.readable.map((x) => ({
            schema: x.schema,
            tables: all(x.tables),
            views: all(x.views),
            materializedViews: all(x.materializedViews),
            sequences: all(x.sequences),
        })),
        readableColumns: all(r.readableColumns ?? []),
        beyondRead: r.beyondRead.map((b) => ({ ...b, privilege: to(b.privilege), on: to(b.on) })),
        owns: r.owns.map((o) => ({ ...o, object: to(o.object) })),
        setRoles: r.setRoles.map((x) => ({ ...x, holds: all(x.holds) })),
        members: r.members.map((m) => ({ ...m, holdsMore: all(m.holdsMore) })),
        reasons: all(r.reasons),
    };
}

/** The report with every phrase as its raw text: what `--json` prints. */
function rawReport(f: Facts): AuditReport {
    const r: AuditReport<Phrase> & { reserved?: ReadonlySet<string> } = { ...f };
    delete r.reserved;
    return mapTexts(r, raw);
}

/** Facts for a report that did not come from {@link auditRole} (read back from `--json`): its prose as it is, unquoted. */
function factsOf(r: AuditReport): Facts {
    return { ...mapTexts(r, (t): Phrase => [t]), reserved: new Set() };
}

/**
 * PostgreSQL's predefined roles, 12 to 18, with what a member may do. Those that only read (or,
 * for pg_stat_scan_tables, take the ACCESS SHARE locks a read takes) do not count; a predefined
 * role not listed here (a later major's) counts until it is.
 */
const PREDEFINED_ROLES: Record<string, { does: string; counts: boolean }> = {
    pg_read_all_data: { does: "reads every table, view and sequence", counts: false },
    pg_read_all_settings: { does: "reads every setting", counts: false },
    pg_read_all_stats: { does: "reads every statistics view", counts: false },
    pg_stat_scan_tables: { does: "runs monitoring functions that take ACCESS SHARE locks", counts: false },
    pg_monitor: { does: "reads settings and statistics", counts: false },
    pg_database_owner: { does: "owns the database", counts: true },
    pg_write_all_data: { does: "writes every table, view and sequence", counts: true },
    pg_read_server_files: { does: "reads any file the server can read, with COPY ... FROM", counts: true },
    pg_write_server_files: { does: "writes any file the server can write, with COPY ... TO", counts: true },
    pg_execute_server_program: { does: "runs programs on the server's host, with COPY ... PROGRAM", counts: true },
    pg_signal_backend: { does: "cancels queries and ends sessions of other roles", counts: true },
    pg_signal_autovacuum_worker: { does: "cancels and ends autovacuum workers", counts: true },
    pg_checkpoint: { does: "runs CHECKPOINT", counts: true },
    pg_use_reserved_connections: { does: "takes the connection slots reserved for it", counts: true },
    pg_create_subscription: { does: "creates subscriptions, which write what they replicate", counts: true },
    pg_maintain: { does: "VACUUM, ANALYZE, CLUSTER, REFRESH, REINDEX and LOCK on every relation", counts: true },
};
/** The predefined roles that only read, as SQL literals: what an extension grants them is theirs. */
const HARMLESS_PREDEFINED = Object.entries(PREDEFINED_ROLES)
    .filter(([, role]) => !role.counts)
    .map(([name]) => `'${name}'`)
    .join(", ");
const UNKNOWN_PREDEFINED = { does: "a predefined role this audit does not know", counts: true };

/** The schemas a role reads and creates in: the system's own left out. */
const SYSTEM_SCHEMAS =
    "n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg_temp_%' AND n.nspname NOT LIKE 'pg_toast_temp_%'";
/**
 * The role ($1) and whether it is a superuser, for `usable`: superusers pass every pg_has_role, so for
 * them only what is their own is theirs to report (SUPERUSER already says the rest).
 */
const ME = "WITH me AS (SELECT oid, rolsuper FROM pg_roles WHERE rolname = $1)";
/** True when the role may use what `grantee` holds: it is the role, or the role inherits its privileges. */
const usable = (grantee: string) =>
    `(${grantee} = (SELECT oid FROM me) OR (NOT (SELECT rolsuper FROM me) AND pg_has_role($1, ${grantee}, 'USAGE')))`;

/**
 * Grants in the system's own schemas beyond what initdb or an extension left there (pg_init_privs),
 * or, for an object it has no row for, beyond its owner's default: EXECUTE on pg_read_file or
 * lo_export, INSERT on an information_schema table. To the role, to a role it uses (a predefined
 * one included) or to PUBLIC: every such grant is the role's. What initdb grants the predefined
 * roles is theirs, judged by their table. SELECT on a relation only reads. One row per privilege
 * and object, `$1` the role.
 */
const SYSTEM_GRANTS = `${ME}
  SELECT a.privilege_type AS privilege, NULL::name AS column, n.nspname AS schema, c.relname AS name, NULL::text AS args
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace CROSS JOIN aclexplode(c.relacl) a
   WHERE n.nspname IN ('pg_catalog', 'information_schema') AND a.privilege_type <> 'SELECT' AND ${grantedToRole("a")}
     AND ${beyondBaseline("a", "c.oid", "'pg_class'::regclass", "0", "acldefault('r', c.relowner)")}
  UNION
  SELECT a.privilege_type, att.attname, n.nspname, c.relname, NULL
    FROM pg_attribute att JOIN pg_class c ON c.oid = att.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
   CROSS JOIN aclexplode(att.attacl) a
   WHERE n.nspname IN ('pg_catalog', 'information_schema') AND a.privilege_type <> 'SELECT' AND ${grantedToRole("a")}
     AND ${beyondBaseline("a", "c.oid", "'pg_class'::regclass", "att.attnum", "acldefault('c', c.relowner)")}
  UNION
  SELECT a.privilege_type, NULL, n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace CROSS JOIN aclexplode(p.proacl) a
   WHERE n.nspname IN ('pg_catalog', 'information_schema') AND ${grantedToRole("a")}
     AND ${beyondBaseline("a", "p.oid", "'pg_proc'::regclass", "0", "acldefault('f', p.proowner)")}
   ORDER BY 3, 4, 5 NULLS FIRST, 2 NULLS FIRST, 1`;

/**
 * The object `o` (classid, objid, objsubid) as the text report shows it: its kind and its identity
 * as PostgreSQL writes it, every name quoted where needed (pg_identify_object); a column as
 * `column amount of table sales.orders`, and a parameter by its name, as pg_describe_object does.
 */
const SHOWN_OBJECT = `(SELECT CASE WHEN o.classid = 'pg_class'::regclass AND o.objsubid <> 0
                                   THEN 'column ' || quote_ident(att.attname) || ' of ' || i.type || ' ' || i.identity
                                   WHEN i.type = 'parameter ACL' THEN 'parameter ' || i.identity
                                   ELSE i.type || ' ' || i.identity END
                        FROM pg_identify_object(o.classid, o.objid, 0) i
                        LEFT JOIN pg_attribute att ON att.attrelid = o.objid AND att.attnum = o.objsubid AND o.classid = 'pg_class'::regclass)`;

/** `function sales.f(integer)`: the schema and name quoted on their own, the arguments as PostgreSQL writes them. */
function functionName(f: { schema: string; name: string; args: string }): Phrase {
    return phrase`function ${qualified(f.schema, f.name)}(${{ raw: f.args, shown: f.args }})`;
}

/** The ACL entry `a` is PUBLIC's (0, which is no role: pg_has_role is not asked) or a role's the role uses. */
function grantedToRole(a: string): string {
    return `CASE WHEN ${a}.grantee = 0 THEN true ELSE ${usable(`${a}.grantee`)} END`;
}

/** The ACL entry `a` is not among the object's initial privileges (pg_init_privs), or its `fallback` ACL where it has none. */
function beyondBaseline(a: string, objoid: string, classoid: string, objsubid: string, fallback: string): string {
    const initial = `(SELECT i.initprivs FROM pg_init_privs i WHERE i.objoid = ${objoid} AND i.classoid = ${classoid} AND i.objsubid = ${objsubid})`;
    return `NOT EXISTS (SELECT 1 FROM aclexplode(coalesce(${initial}, ${fallback})) b
                        WHERE b.grantee = ${a}.grantee AND b.privilege_type = ${a}.privilege_type)`;
}

const KINDS: Record<string, "tables" | "views" | "materializedViews" | "sequences"> = {
    r: "tables",
    p: "tables",
    f: "tables",
    v: "views",
    m: "materializedViews",
    S: "sequences",
};

const DEFAULT_ACL_TYPES: Record<string, string> = {
    r: "tables",
    S: "sequences",
    f: "functions",
    T: "types",
    n: "schemas",
    L: "large objects",
};

type Query = <T>(sql: string, params: unknown[]) => Promise<T[]>;
interface ServerInfo {
    database: string;
    version: string;
    /** server_version_num: 170004 for 17.4. */
    versionNum: number;
}

/**
 * Reads the report for `role` in the database `connection` leads to: what it holds, what each role
 * it may SET ROLE to holds, and for each of its members (the users of a group role) what it holds
 * beyond the role. Throws a ConnectionError naming the setting to change when it cannot connect.
 */
export async function auditRole(connection: AuditConnection, role: string, env: NodeJS.ProcessEnv = process.env): Promise<AuditReport> {
    const client = await connect(auditSettings(connection, env), AUDIT_SETTING_NAMES);
    try {
        const query: Query = async <T>(sql: string, params: unknown[]) => (await client.query(sql, params)).rows as T[];
        // Object descriptions (pg_describe_object) then name every schema.
        await query("SET search_path = pg_catalog", []);
        const [info] = await query<ServerInfo>(
            "SELECT current_database() AS database, current_setting('server_version') AS version, current_setting('server_version_num')::int AS \"versionNum\"",
            [],
        );
        // The keywords quote_ident quotes: all but the unreserved.
        const reserved = new Set(
            (await query<{ word: string }>("SELECT word FROM pg_get_keywords() WHERE catcode <> 'U'", [])).map((k) => k.word),
        );
        const seen = new Map<string, Facts>();
        /** A role's report as if it were the audited one; `withRoles` adds the roles it may SET ROLE to. */
        const audit = async (role: string, withRoles: boolean): Promise<Facts> => {
            const key = `${withRoles}:${role}`;
            if (!seen.has(key)) {
                const report: Facts = { ...(await readRole(query, role, info)), reserved };
                if (withRoles) for (const other of report.setRoles) other.holds = reasonsOf(await audit(other.name, false));
                seen.set(key, judged(report));
            }
            return seen.get(key)!;
        };
        const report = await audit(role, true);
        const memberNames = await query<{ name: string }>(
            `SELECT r.rolname AS name FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles r ON r.oid = m.member
              WHERE g.rolname = $1 ORDER BY 1`,
            [role],
        );
        // A member holds what the role holds, and its membership in the role: compared by what each names, not how it reads.
        const held = new Set([...holdings(report), phrase`member of ${name(role)}`].map(keyOf));
        for (const member of memberNames) {
            const facts = await audit(member.name, true);
            report.members.push({
                name: member.name,
                canLogin: facts.canLogin,
                holdsMore: holdings(asItsGroup(facts, role)).filter((h) => !held.has(keyOf(h))),
            });
        }
        const result = rawReport(judged(report));
        FACTS.set(result, report);
        return result;
    } finally {
        await client.end();
    }
}

/** The report with its verdict: its reasons, and read-only when there are none. */
function judged(report: Facts): Facts {
    report.reasons = reasonsOf(report);
    report.readOnly = report.reasons.length === 0;
    return report;
}

/** Why a report is not read-only, one phrase each, the weightiest first: what the verdict lists. */
/**
 * A member's report with what it holds through its group said as the group says it: what the
 * group owns as owned, and no SET ROLE to the group, whose holdings the group's own are.
 */
function asItsGroup(member: Facts, group: string): Facts {
    return {
        ...member,
        owns: member.owns.map((o) => (o.owner === group ? { ...o, owner: member.role } : o)),
        setRoles: member.setRoles.filter((s) => s.name !== group),
    };
}

function reasonsOf(r: AuditReport<Phrase>): Phrase[] {
    return [
        ...r.extraAttributes.map((a) => [a]),
        ...r.owns.map((o) => (o.owner === r.role ? phrase`owner of ${o.object}` : phrase`owner of ${o.object} (through ${name(o.owner)})`)),
        ...r.predefinedRoles.filter((p) => p.counts).map((p) => phrase`member of ${name(p.name)} (${[p.does]})`),
        ...r.beyondRead.filter((b) => b.counts).map((b) => phrase`${b.privilege} on ${b.on}`),
        ...r.setRoles.filter((s) => s.holds.length > 0).map((s) => phrase`may SET ROLE ${name(s.name)}, which holds: ${summary(s.holds)}`),
        ...r.members.filter((m) => m.holdsMore.length > 0).map((m) => phrase`member ${name(m.name)} holds more than ${name(r.role)}`),
    ];
}

/** The first few of a list, and how many more: `--json` has them all. */
function summary(items: Phrase[], few = 5): Phrase {
    return items.length > few ? phrase`${joined(items.slice(0, few), ", ")} and ${[String(items.length - few)]} more` : joined(items, ", ");
}

/** A default privilege as the report says it: `SELECT on tables that etl creates in schema sales`. */
function defaultPrivilegePhrase(d: AuditReport["defaultPrivileges"][number]): Phrase {
    const where =
        d.objectType === "schemas" || d.objectType === "large objects"
            ? []
            : d.schema
              ? phrase` in schema ${name(d.schema)}`
              : [" in any schema"];
    return phrase`${[d.privileges]} on ${[d.objectType]} that ${name(d.owner)} creates${where}`;
}

/** Everything a role holds, as comparable phrases: attributes, memberships, and every privilege it may use. */
function holdings(r: AuditReport<Phrase>): Phrase[] {
    return [
        ...r.extraAttributes.map((a) => [a]),
        ...r.memberOf.map((m) => phrase`member of ${name(m)}`),
        ...r.connect.map((d) => phrase`CONNECT on database ${name(d)}`),
        ...r.schemas.map((s) => phrase`USAGE on schema ${name(s)}`),
        ...r.readable.flatMap((x) => [...x.tables, ...x.views, ...x.materializedViews, ...x.sequences].map((n) => phrase`SELECT on ${n}`)),
        ...r.readableColumns.map((c) => phrase`SELECT on ${c}`),
        ...r.defaultPrivileges.map((d) => defaultPrivilegePhrase(d)),
        ...r.beyondRead.map((b) => phrase`${b.privilege} on ${b.on}`),
        ...reasonsOf({ ...r, extraAttributes: [], beyondRead: [], members: [] }),
    ];
}

/**
 * What `role` itself can do in the connected database, with the names of the roles it may SET ROLE
 * to (what they hold, and the verdict, left to the caller).
 */
async function readRole(query: Query, role: string, info: ServerInfo): Promise<AuditReport<Phrase>> {
    const q = <T>(sql: string, params: unknown[] = [role]) => query<T>(sql, params);
    const [attrs] = await q<Record<string, boolean | number>>(
        "SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls, rolcanlogin, rolconnlimit FROM pg_roles WHERE rolname = $1",
    );
    if (!attrs) throw new RoleNotFound(role, info.database);
    const extraAttributes = (
        [
            ["rolsuper", "SUPERUSER"],
            ["rolcreatedb", "CREATEDB"],
            ["rolcreaterole", "CREATEROLE"],
            ["rolreplication", "REPLICATION"],
            ["rolbypassrls", "BYPASSRLS"],
        ] as const
    )
        .filter(([column]) => attrs[column] === true)
        .map(([, name]) => name);
    // Before 16 any membership lets a role SET ROLE; from 16 only a chain of memberships WITH SET TRUE.
    const setMode = info.versionNum >= 160000 ? "SET" : "MEMBER";

    const memberOf = (
        await q<{ name: string }>(
            `WITH RECURSIVE up(oid) AS (
                    SELECT m.roleid FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = $1
                    UNION SELECT m.roleid FROM pg_auth_members m JOIN up ON m.member = up.oid)
                 SELECT rolname AS name FROM pg_roles WHERE oid IN (SELECT oid FROM up) ORDER BY 1`,
        )
    ).map((r) => r.name);

    const connect = (
        await q<{ name: string }>(
            "SELECT datname AS name FROM pg_database WHERE datallowconn AND has_database_privilege($1, oid, 'CONNECT') ORDER BY 1",
        )
    ).map((r) => r.name);

    const schemas = (
        await q<{ name: string }>(
            `SELECT nspname AS name FROM pg_namespace n WHERE ${SYSTEM_SCHEMAS} AND has_schema_privilege($1, n.oid, 'USAGE') ORDER BY 1`,
        )
    ).map((r) => r.name);

    const tablePrivileges = [
        "SELECT",
        "INSERT",
        "UPDATE",
        "DELETE",
        "TRUNCATE",
        "REFERENCES",
        "TRIGGER",
        ...(info.versionNum >= 170000 ? ["MAINTAIN"] : []),
    ];
    const relations = await q<{ schema: string; name: string; kind: string; privileges: string[] }>(
        `SELECT n.nspname AS schema, c.relname AS name, c.relkind AS kind,
                    ARRAY(SELECT p FROM unnest(CASE WHEN c.relkind = 'S' THEN ARRAY['SELECT', 'USAGE', 'UPDATE'] ELSE $2::text[] END) p
                          WHERE CASE WHEN c.relkind = 'S' THEN has_sequence_privilege($1, c.oid, p) ELSE has_table_privilege($1, c.oid, p) END) AS privileges
               FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm', 'S') AND ${SYSTEM_SCHEMAS}
              ORDER BY 1, 2`,
        [role, tablePrivileges],
    );
    const readable: AuditReport<Phrase>["readable"] = schemas.map((schema) => ({
        schema,
        tables: [],
        views: [],
        materializedViews: [],
        sequences: [],
    }));
    const beyondRead: AuditReport<Phrase>["beyondRead"] = [];
    const add = (privilege: Phrase | string, on: Phrase) =>
        beyondRead.push({ privilege: typeof privilege === "string" ? [privilege] : privilege, on, counts: true });
    for (const r of relations) {
        const relation = qualified(r.schema, r.name);
        const entry = readable.find((x) => x.schema === r.schema);
        if (entry && r.privileges.includes("SELECT")) entry[KINDS[r.kind]].push(relation);
        for (const p of r.privileges.filter((p) => p !== "SELECT")) add(p, relation);
    }
    // A column's privileges, where the table's own do not already say them.
    for (const r of await q<{ schema: string; name: string; column: string; privileges: string[] }>(
        `SELECT n.nspname AS schema, c.relname AS name, a.attname AS column,
                ARRAY(SELECT p FROM unnest(ARRAY['INSERT', 'UPDATE', 'REFERENCES']) p
                       WHERE has_column_privilege($1, c.oid, a.attnum, p) AND NOT has_table_privilege($1, c.oid, p)) AS privileges
           FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE a.attacl IS NOT NULL AND a.attnum > 0 AND NOT a.attisdropped AND ${SYSTEM_SCHEMAS}
          ORDER BY 1, 2, a.attnum`,
    ))
        for (const p of r.privileges) add(phrase`${[p]} (${name(r.column)})`, qualified(r.schema, r.name));

    // Columns read where the whole table is not: a grant of SELECT (column) reads as surely.
    const readableColumns = (
        await q<{ schema: string; name: string; column: string }>(
            `SELECT n.nspname AS schema, c.relname AS name, a.attname AS column
               FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE a.attacl IS NOT NULL AND a.attnum > 0 AND NOT a.attisdropped AND ${SYSTEM_SCHEMAS}
                AND has_column_privilege($1, c.oid, a.attnum, 'SELECT') AND NOT has_table_privilege($1, c.oid, 'SELECT')
              ORDER BY 1, 2, a.attnum`,
        )
    ).map((r) => phrase`${qualified(r.schema, r.name)} (${name(r.column)})`);

    for (const r of await q<{ name: string }>(
        `SELECT nspname AS name FROM pg_namespace n WHERE ${SYSTEM_SCHEMAS} AND has_schema_privilege($1, n.oid, 'CREATE') ORDER BY 1`,
    ))
        add("CREATE", phrase`schema ${name(r.name)}`);
    for (const r of await q<{ name: string; current: boolean; create: boolean; temporary: boolean }>(
        `SELECT datname AS name, datname = current_database() AS current,
                has_database_privilege($1, oid, 'CREATE') AS create, has_database_privilege($1, oid, 'TEMPORARY') AS temporary
           FROM pg_database ORDER BY datname = current_database() DESC, 1`,
    )) {
        if (r.create) add("CREATE", phrase`database ${name(r.name)}`);
        // Temporary tables live and die with the session and touch no stored data.
        if (r.current && r.temporary)
            beyondRead.push({
                privilege: ["TEMPORARY"],
                on: phrase`database ${name(r.name)}`,
                counts: false,
                why: "temporary objects only",
            });
    }
    // EXECUTE that every role has through PUBLIC is not the role's own, but a SECURITY DEFINER function runs as its owner,
    // in every schema (the system's own ship none). A system function PUBLIC may not run: SYSTEM_GRANTS. What an
    // extension's script grants a predefined role judged harmless (pg_buffercache's to pg_monitor) is that role's.
    for (const r of await q<{ schema: string; name: string; args: string; definer: boolean; owner: string }>(
        `${ME}
         SELECT n.nspname AS schema, p.proname AS name, pg_get_function_identity_arguments(p.oid) AS args,
                p.prosecdef AS definer, pg_get_userbyid(p.proowner) AS owner
           FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
          WHERE has_function_privilege($1, p.oid, 'EXECUTE')
            AND (p.prosecdef OR (${SYSTEM_SCHEMAS}
                 AND NOT EXISTS (SELECT 1 FROM aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE')
                 AND ((SELECT rolsuper FROM me) OR EXISTS (
                     SELECT 1 FROM aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
                      WHERE a.privilege_type = 'EXECUTE' AND a.grantee <> 0 AND ${usable("a.grantee")}
                        AND NOT (pg_get_userbyid(a.grantee) IN (${HARMLESS_PREDEFINED})
                                 AND NOT ${beyondBaseline("a", "p.oid", "'pg_proc'::regclass", "0", "acldefault('f', p.proowner)")})))))
          ORDER BY 1, 2, 3`,
    ))
        add("EXECUTE", r.definer ? phrase`${functionName(r)} (SECURITY DEFINER: runs as ${name(r.owner)})` : functionName(r));
    for (const r of await q<{ privilege: string; column: string | null; schema: string; name: string; args: string | null }>(SYSTEM_GRANTS))
        add(
            r.column === null ? r.privilege : phrase`${[r.privilege]} (${name(r.column)})`,
            r.args === null ? qualified(r.schema, r.name) : functionName({ ...r, args: r.args }),
        );
    for (const r of await q<{ privilege: string; kind: string; name: string | null }>(
        `${ME}
         SELECT 'USAGE' AS privilege, 'foreign-data wrapper' AS kind, fdwname::text AS name FROM pg_foreign_data_wrapper WHERE has_foreign_data_wrapper_privilege($1, oid, 'USAGE')
         UNION ALL SELECT 'USAGE', 'foreign server', srvname FROM pg_foreign_server WHERE has_server_privilege($1, oid, 'USAGE')
         UNION ALL SELECT 'CREATE', 'tablespace', spcname FROM pg_tablespace WHERE has_tablespace_privilege($1, oid, 'CREATE')
         UNION ALL SELECT 'UPDATE', 'large object ' || l.oid, NULL FROM pg_largeobject_metadata l
                    WHERE EXISTS (SELECT 1 FROM aclexplode(l.lomacl) a WHERE a.privilege_type = 'UPDATE' AND (a.grantee = 0 OR ${usable("a.grantee")}))
         UNION ALL SELECT 'UPDATE', 'every large object (lo_compat_privileges is on)', NULL WHERE current_setting('lo_compat_privileges')::boolean`,
    ))
        add(r.privilege, r.name === null ? [r.kind] : phrase`${[r.kind]} ${name(r.name)}`);
    if (info.versionNum >= 150000)
        for (const r of await q<{ name: string; context: string | null; set: boolean; alterSystem: boolean }>(
            `SELECT p.parname AS name, s.context, has_parameter_privilege($1, p.parname, 'SET') AS set,
                    has_parameter_privilege($1, p.parname, 'ALTER SYSTEM') AS "alterSystem"
               FROM pg_parameter_acl p LEFT JOIN pg_settings s ON s.name = p.parname ORDER BY 1`,
        )) {
            // Any role may SET a parameter of context "user": a grant of it changes nothing.
            // Shown as PostgreSQL describes a parameter: unquoted (`plpgsql.extra_warnings`).
            const on = phrase`parameter ${{ raw: r.name, shown: r.name }}`;
            if (r.set)
                beyondRead.push(
                    r.context === "user"
                        ? { privilege: ["SET"], on, counts: false, why: "any role may set it" }
                        : { privilege: ["SET"], on, counts: true },
                );
            if (r.alterSystem) add("ALTER SYSTEM", on);
        }
    // Grant options given to it (an owner's own are its ownership), and ADMIN OPTION on roles.
    for (const r of await q<{ privilege: string; on: string; shown: string; role: string | null }>(
        `${ME}
         SELECT a.privilege_type || ' WITH GRANT OPTION' AS privilege, pg_describe_object(o.classid, o.objid, o.objsubid) AS on,
                ${SHOWN_OBJECT} AS shown, NULL AS role
           FROM (SELECT 'pg_class'::regclass AS classid, oid AS objid, 0 AS objsubid, relacl AS acl FROM pg_class WHERE relacl IS NOT NULL
                 UNION ALL SELECT 'pg_class'::regclass, attrelid, attnum, attacl FROM pg_attribute WHERE attacl IS NOT NULL
                 UNION ALL SELECT 'pg_namespace'::regclass, oid, 0, nspacl FROM pg_namespace WHERE nspacl IS NOT NULL
                 UNION ALL SELECT 'pg_proc'::regclass, oid, 0, proacl FROM pg_proc WHERE proacl IS NOT NULL
                 UNION ALL SELECT 'pg_type'::regclass, oid, 0, typacl FROM pg_type WHERE typacl IS NOT NULL
                 UNION ALL SELECT 'pg_language'::regclass, oid, 0, lanacl FROM pg_language WHERE lanacl IS NOT NULL
                 UNION ALL SELECT 'pg_largeobject'::regclass, oid, 0, lomacl FROM pg_largeobject_metadata WHERE lomacl IS NOT NULL
                 UNION ALL SELECT 'pg_foreign_data_wrapper'::regclass, oid, 0, fdwacl FROM pg_foreign_data_wrapper WHERE fdwacl IS NOT NULL
                 UNION ALL SELECT 'pg_foreign_server'::regclass, oid, 0, srvacl FROM pg_foreign_server WHERE srvacl IS NOT NULL
                 UNION ALL SELECT 'pg_database'::regclass, oid, 0, datacl FROM pg_database WHERE datacl IS NOT NULL
                 UNION ALL SELECT 'pg_tablespace'::regclass, oid, 0, spcacl FROM pg_tablespace WHERE spcacl IS NOT NULL
                 ${info.versionNum >= 150000 ? "UNION ALL SELECT 'pg_parameter_acl'::regclass, oid, 0, paracl FROM pg_parameter_acl WHERE paracl IS NOT NULL" : ""}
                ) o CROSS JOIN aclexplode(o.acl) a
          WHERE a.is_grantable AND a.grantor <> a.grantee AND ${usable("a.grantee")}
         UNION ALL
         SELECT 'ADMIN OPTION', 'role ' || pg_get_userbyid(m.roleid), NULL, pg_get_userbyid(m.roleid) FROM pg_auth_members m
          WHERE m.admin_option AND (m.member = (SELECT oid FROM me) OR (NOT (SELECT rolsuper FROM me) AND pg_has_role($1, m.member, 'MEMBER')))
          ORDER BY 2, 1`,
    ))
        add(r.privilege, r.role === null ? [{ raw: r.on, shown: r.shown }] : phrase`role ${name(r.role)}`);
    // Default privileges beyond reading (or with a grant option) on what others create later: the role's own, inherited, or PUBLIC's.
    for (const r of await q<{ owner: string; schema: string | null; type: string; privilege: string; grantable: boolean }>(
        `${ME}
         SELECT pg_get_userbyid(d.defaclrole) AS owner, n.nspname AS schema, d.defaclobjtype AS type, a.privilege_type AS privilege, a.is_grantable AS grantable
           FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace CROSS JOIN aclexplode(d.defaclacl) a
          WHERE a.grantee <> d.defaclrole
            AND (a.grantee = 0 AND NOT (d.defaclobjtype = 'f' AND a.privilege_type = 'EXECUTE') OR a.grantee <> 0 AND ${usable("a.grantee")})
            AND (a.is_grantable OR (d.defaclobjtype, a.privilege_type) NOT IN (('r', 'SELECT'), ('S', 'SELECT'), ('n', 'USAGE'), ('T', 'USAGE'), ('L', 'SELECT')))
          ORDER BY 1, 2 NULLS FIRST, 3, 4`,
    )) {
        const where: Phrase = r.type === "n" ? [] : r.schema ? phrase` in schema ${name(r.schema)}` : [" in any schema"];
        add(
            `${r.privilege}${r.grantable ? " WITH GRANT OPTION" : ""}`,
            phrase`${[DEFAULT_ACL_TYPES[r.type] ?? r.type]} that ${name(r.owner)} creates${where}`,
        );
    }

    // What it owns, or may act as the owner of through inheritance; initdb's objects (below 16384) left out, but databases, tablespaces and large objects (whose oids anyone picks) kept.
    const owns = (
        await q<{ object: string; shown: string; owner: string }>(
            `${ME}
         SELECT pg_describe_object(o.classid, o.objid, 0) AS object, ${SHOWN_OBJECT.replace(/o\.objsubid/g, "0")} AS shown, pg_get_userbyid(o.owner) AS owner
           FROM (SELECT 'pg_class'::regclass AS classid, oid AS objid, relowner AS owner FROM pg_class WHERE relkind NOT IN ('i', 'I', 't')
                 UNION ALL SELECT 'pg_namespace'::regclass, oid, nspowner FROM pg_namespace
                 UNION ALL SELECT 'pg_proc'::regclass, oid, proowner FROM pg_proc
                 UNION ALL SELECT 'pg_type'::regclass, oid, typowner FROM pg_type WHERE typrelid = 0 AND typcategory <> 'A' AND typtype <> 'm'
                 UNION ALL SELECT 'pg_collation'::regclass, oid, collowner FROM pg_collation
                 UNION ALL SELECT 'pg_conversion'::regclass, oid, conowner FROM pg_conversion
                 UNION ALL SELECT 'pg_operator'::regclass, oid, oprowner FROM pg_operator
                 UNION ALL SELECT 'pg_opclass'::regclass, oid, opcowner FROM pg_opclass
                 UNION ALL SELECT 'pg_opfamily'::regclass, oid, opfowner FROM pg_opfamily
                 UNION ALL SELECT 'pg_ts_config'::regclass, oid, cfgowner FROM pg_ts_config
                 UNION ALL SELECT 'pg_ts_dict'::regclass, oid, dictowner FROM pg_ts_dict
                 UNION ALL SELECT 'pg_statistic_ext'::regclass, oid, stxowner FROM pg_statistic_ext
                 UNION ALL SELECT 'pg_event_trigger'::regclass, oid, evtowner FROM pg_event_trigger
                 UNION ALL SELECT 'pg_extension'::regclass, oid, extowner FROM pg_extension
                 UNION ALL SELECT 'pg_foreign_data_wrapper'::regclass, oid, fdwowner FROM pg_foreign_data_wrapper
                 UNION ALL SELECT 'pg_foreign_server'::regclass, oid, srvowner FROM pg_foreign_server
                 UNION ALL SELECT 'pg_language'::regclass, oid, lanowner FROM pg_language
                 UNION ALL SELECT 'pg_largeobject'::regclass, oid, lomowner FROM pg_largeobject_metadata
                 UNION ALL SELECT 'pg_publication'::regclass, oid, pubowner FROM pg_publication
                 UNION ALL SELECT 'pg_database'::regclass, oid, datdba FROM pg_database
                 UNION ALL SELECT 'pg_tablespace'::regclass, oid, spcowner FROM pg_tablespace) o
          WHERE (o.objid >= 16384 OR o.classid IN ('pg_database'::regclass, 'pg_tablespace'::regclass, 'pg_largeobject'::regclass)) AND ${usable("o.owner")}
          ORDER BY 1`,
        )
    ).map((o) => ({ object: [{ raw: o.object, shown: o.shown }] as Phrase, owner: o.owner }));

    const predefinedRoles = (
        await q<{ name: string }>(
            `${ME}
             SELECT rolname AS name FROM pg_roles
              WHERE rolname LIKE 'pg\\_%' AND NOT (SELECT rolsuper FROM me) AND (pg_has_role($1, oid, 'USAGE') OR pg_has_role($1, oid, '${setMode}'))
              ORDER BY 1`,
        )
    ).map(({ name }) => ({ name, ...(PREDEFINED_ROLES[name] ?? UNKNOWN_PREDEFINED) }));
    const setRoles = (
        await q<{ name: string }>(
            `${ME}
             SELECT rolname AS name FROM pg_roles
              WHERE rolname NOT LIKE 'pg\\_%' AND oid <> (SELECT oid FROM me) AND NOT (SELECT rolsuper FROM me) AND pg_has_role($1, oid, '${setMode}')
              ORDER BY 1`,
        )
    ).map(({ name }) => ({ name, holds: [] as Phrase[] }));

    const defaultPrivileges = await q<AuditReport["defaultPrivileges"][number]>(
        `SELECT pg_get_userbyid(d.defaclrole) AS owner, n.nspname AS schema,
                    CASE d.defaclobjtype WHEN 'r' THEN 'tables' WHEN 'S' THEN 'sequences' WHEN 'f' THEN 'functions' WHEN 'T' THEN 'types'
                         WHEN 'n' THEN 'schemas' WHEN 'L' THEN 'large objects' ELSE 'objects of kind ' || d.defaclobjtype::text END AS "objectType",
                    string_agg(a.privilege_type, ', ' ORDER BY a.privilege_type) AS privileges
               FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace
               CROSS JOIN aclexplode(d.defaclacl) a JOIN pg_roles r ON r.oid = a.grantee
              WHERE r.rolname = $1
              GROUP BY 1, 2, 3 ORDER BY 1, 2 NULLS FIRST, 3`,
    );

    // Per-schema defaults cannot reach a schema that does not exist yet: database-wide ones only.
    const futureSchemaOwners = (
        await q<{ owner: string }>(
            `SELECT pg_get_userbyid(d.defaclrole) AS owner
               FROM pg_default_acl d CROSS JOIN aclexplode(d.defaclacl) a
              WHERE d.defaclnamespace = 0 AND (a.grantee = 0 OR pg_has_role($1, a.grantee, 'USAGE'))
              GROUP BY 1
             HAVING bool_or(d.defaclobjtype = 'n' AND a.privilege_type = 'USAGE') AND bool_or(d.defaclobjtype = 'r' AND a.privilege_type = 'SELECT')
              ORDER BY 1`,
        )
    ).map((r) => r.owner);

    return {
        role,
        server: { database: info.database, version: info.version },
        extraAttributes,
        canLogin: attrs.rolcanlogin === true,
        connectionLimit: Number(attrs.rolconnlimit),
        memberOf,
        connect,
        schemas,
        readable,
        readableColumns,
        beyondRead,
        owns,
        predefinedRoles,
        setRoles,
        defaultPrivileges,
        futureSchemaOwners,
        members: [],
        reasons: [],
        readOnly: false,
    };
}

export class RoleNotFound extends Error {
    constructor(role: string, database: string) {
        super(`role "${role}" does not exist on this server (connected to database ${database})`);
        this.name = "RoleNotFound";
    }
}

/**
 * The report as text for people: one section per question, names only with `verbose`. Names are
 * shown as PostgreSQL quotes them (`"Mixed Case".orders`, `"select"`), and every control character
 * as an escape (`\n`, `\x1b`), so that no name can start a line or drive the terminal: the last
 * line is always the verdict. A report read back from `--json` is shown with its prose as it is.
 */
export function formatAudit(report: AuditReport, verbose = false): string {
    const f = FACTS.get(report) ?? factsOf(report);
    const text = (p: Phrase) => shown(p, f.reserved);
    const ident = (n: string) => text([name(n)]);
    const lines: string[] = [];
    const list = (items: string[]) => (items.length ? items.map(ident).join(", ") : "(none)");
    lines.push(`Role ${ident(f.role)} in database ${ident(f.server.database)} (PostgreSQL ${f.server.version})`);
    lines.push(
        `  attributes      ${f.canLogin ? "LOGIN" : "NOLOGIN"}${f.extraAttributes.map((a) => `, ${a}`).join("")}; connection limit ${f.connectionLimit}`,
    );
    lines.push(`  member of       ${list(f.memberOf)}`);
    lines.push(`  may connect to  ${list(f.connect)}`);
    lines.push(`  schemas (USAGE) ${list(f.schemas)}`);
    lines.push("", "Readable, per schema:");
    const width = Math.max(6, ...f.readable.map((r) => ident(r.schema).length));
    lines.push(`  ${"schema".padEnd(width)}  tables  views  mat.views  sequences`);
    for (const r of f.readable) {
        lines.push(
            `  ${ident(r.schema).padEnd(width)}  ${String(r.tables.length).padStart(6)}  ${String(r.views.length).padStart(5)}  ${String(r.materializedViews.length).padStart(9)}  ${String(r.sequences.length).padStart(9)}`,
        );
        if (verbose)
            for (const relation of [...r.tables, ...r.views, ...r.materializedViews, ...r.sequences]) lines.push(`      ${text(relation)}`);
    }
    if (f.readableColumns.length > 0) lines.push(`  columns of relations it may not read whole: ${f.readableColumns.map(text).join(", ")}`);
    lines.push("", "Beyond read:");
    const beyond = [
        ...f.beyondRead.map((b) => `${text(b.privilege)} on ${text(b.on)}${b.counts ? "" : ` (${b.why}; not counted)`}`),
        ...reasonsOf({ ...f, extraAttributes: [], beyondRead: [], members: [] }).map(text),
    ];
    if (beyond.length === 0) lines.push("  (nothing)");
    for (const line of beyond) lines.push(`  ${line}`);
    if (f.members.length > 0) {
        lines.push("", "Members (they hold what it holds, through membership):");
        for (const m of f.members)
            lines.push(
                `  ${ident(m.name)}${m.canLogin ? "" : " (NOLOGIN)"}: ${m.holdsMore.length === 0 ? "nothing more" : `holds more: ${m.holdsMore.map(text).join("; ")}`}`,
            );
    }
    lines.push("", "Default privileges naming it:");
    if (f.defaultPrivileges.length === 0) lines.push("  (none)");
    for (const d of f.defaultPrivileges) lines.push(`  ${text(defaultPrivilegePhrase(d))}`);
    lines.push("", "Future schemas (readable the moment they exist):");
    if (f.futureSchemaOwners.length === 0) lines.push("  (none)");
    for (const owner of f.futureSchemaOwners.map(ident))
        lines.push(`  the schemas ${owner} creates, with the tables ${owner} creates in them`);
    lines.push("", f.reasons.length === 0 ? "Verdict: read-only." : `Verdict: NOT read-only: ${f.reasons.map(text).join("; ")}.`);
    // Whatever a name holds, and whatever text PostgreSQL gave (its version, a description), stays on its line.
    return `${lines.map(escapeControls).join("\n")}\n`;
}
