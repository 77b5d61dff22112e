/**
 * What a role can really do in one database, read from the catalog through an admin connection:
 * its attributes, memberships (inherited too), the databases it may connect to, the schemas it
 * may use, what it can read, anything beyond reading, and the default privileges that name it.
 * The privilege functions (has_table_privilege, ...) answer with membership and PUBLIC included,
 * as PostgreSQL decides at query time.
 */
import { connect, ConnectionSettings, parseConnectionString, resolveSettings, ResolvedSettings, SettingNames } from "./libpq";

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

export interface AuditReport {
    role: string;
    server: { database: string; version: string };
    /** Attributes beyond LOGIN: SUPERUSER, CREATEDB, CREATEROLE, REPLICATION, BYPASSRLS. */
    extraAttributes: string[];
    canLogin: boolean;
    connectionLimit: number;
    /** Roles it is a member of, directly or through another membership. */
    memberOf: string[];
    /** Databases it may connect to. */
    connect: string[];
    /** Schemas it may use (USAGE), system schemas left out. */
    schemas: string[];
    /** Per schema it may use: what it can SELECT, by kind. */
    readable: Array<{ schema: string; tables: string[]; views: string[]; materializedViews: string[]; sequences: string[] }>;
    /** Every privilege beyond reading; `counts` false for what touches no stored data (TEMPORARY). */
    beyondRead: Array<{ privilege: string; on: string; counts: boolean }>;
    /** Default privileges that name the role. */
    defaultPrivileges: Array<{ owner: string; schema: string | null; objectType: string; privileges: string }>;
    /**
     * Roles whose schemas made from now on the role will use, with the tables they make there that
     * it will read: database-wide default USAGE on schemas and default SELECT on tables of that
     * owner, given to the role, a role it inherits from, or PUBLIC.
     */
    futureSchemaOwners: string[];
    /** The roles that are members of it (a group's users), each with what it holds beyond the role. */
    members: Array<{ name: string; canLogin: boolean; holdsMore: string[] }>;
    /** True when nothing counted in `beyondRead`, no attribute beyond LOGIN, and no member holds more than the role. */
    readOnly: boolean;
}

const SYSTEM_SCHEMAS =
    "n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg_temp_%' AND n.nspname NOT LIKE 'pg_toast_temp_%'";

const KINDS: Record<string, "tables" | "views" | "materializedViews" | "sequences"> = {
    r: "tables",
    p: "tables",
    f: "tables",
    v: "views",
    m: "materializedViews",
    S: "sequences",
};

/**
 * Reads the report for `role` in the database `connection` leads to, and for each of its members
 * (the users of a group role) what it holds beyond the role. Throws a ConnectionError naming the
 * setting to change when it cannot connect.
 */
export async function auditRole(connection: AuditConnection, role: string, env: NodeJS.ProcessEnv = process.env): Promise<AuditReport> {
    const client = await connect(auditSettings(connection, env), AUDIT_SETTING_NAMES);
    try {
        const query = async <T>(sql: string, params: unknown[]): Promise<T[]> => (await client.query(sql, params)).rows as T[];
        const [info] = await query<{ database: string; version: string }>(
            "SELECT current_database() AS database, current_setting('server_version') AS version",
            [],
        );
        const report = await readRole(query, role, info);
        const memberNames = await query<{ name: string }>(
            `SELECT r.rolname AS name FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles r ON r.oid = m.member
              WHERE g.rolname = $1 ORDER BY 1`,
            [role],
        );
        // A member holds what the role holds, and its membership in the role.
        const held = new Set([...holdings(report), `member of ${role}`]);
        for (const { name } of memberNames) {
            const member = await readRole(query, name, info);
            report.members.push({ name, canLogin: member.canLogin, holdsMore: holdings(member).filter((h) => !held.has(h)) });
        }
        report.readOnly &&= report.members.every((m) => m.holdsMore.length === 0);
        return report;
    } finally {
        await client.end();
    }
}

/** Everything a role holds, as comparable lines: attributes, memberships, and every privilege it may use. */
function holdings(r: AuditReport): string[] {
    return [
        ...r.extraAttributes,
        ...r.memberOf.map((m) => `member of ${m}`),
        ...r.connect.map((d) => `CONNECT on database ${d}`),
        ...r.schemas.map((s) => `USAGE on schema ${s}`),
        ...r.readable.flatMap((x) => [...x.tables, ...x.views, ...x.materializedViews, ...x.sequences].map((n) => `SELECT on ${n}`)),
        ...r.beyondRead.map((b) => `${b.privilege} on ${b.on}`),
    ];
}

/** What `role` can do in the connected database. */
async function readRole(
    query: <T>(sql: string, params: unknown[]) => Promise<T[]>,
    role: string,
    info: { database: string; version: string },
): Promise<AuditReport> {
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

    const relations = await q<{ schema: string; name: string; kind: string; privileges: string[] }>(
        `SELECT n.nspname AS schema, c.relname AS name, c.relkind AS kind,
                    ARRAY(SELECT p FROM unnest(CASE WHEN c.relkind = 'S' THEN ARRAY['SELECT', 'USAGE', 'UPDATE']
                                                    ELSE ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER'] END) p
                          WHERE CASE WHEN c.relkind = 'S' THEN has_sequence_privilege($1, c.oid, p) ELSE has_table_privilege($1, c.oid, p) END) AS privileges
               FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm', 'S') AND ${SYSTEM_SCHEMAS}
              ORDER BY 1, 2`,
    );
    const readable: AuditReport["readable"] = schemas.map((schema) => ({
        schema,
        tables: [],
        views: [],
        materializedViews: [],
        sequences: [],
    }));
    const beyondRead: AuditReport["beyondRead"] = [];
    for (const r of relations) {
        const qualified = `${r.schema}.${r.name}`;
        const entry = readable.find((x) => x.schema === r.schema);
        if (entry && r.privileges.includes("SELECT")) entry[KINDS[r.kind]].push(qualified);
        for (const p of r.privileges.filter((p) => p !== "SELECT")) beyondRead.push({ privilege: p, on: qualified, counts: true });
    }

    for (const r of await q<{ name: string }>(
        `SELECT nspname AS name FROM pg_namespace n WHERE ${SYSTEM_SCHEMAS} AND has_schema_privilege($1, n.oid, 'CREATE') ORDER BY 1`,
    ))
        beyondRead.push({ privilege: "CREATE", on: `schema ${r.name}`, counts: true });
    for (const r of await q<{ name: string; create: boolean; temporary: boolean }>(
        `SELECT datname AS name, has_database_privilege($1, oid, 'CREATE') AS create, has_database_privilege($1, oid, 'TEMPORARY') AS temporary
               FROM pg_database WHERE datname = current_database()`,
    )) {
        if (r.create) beyondRead.push({ privilege: "CREATE", on: `database ${r.name}`, counts: true });
        // Temporary tables live and die with the session and touch no stored data.
        if (r.temporary) beyondRead.push({ privilege: "TEMPORARY", on: `database ${r.name}`, counts: false });
    }
    for (const r of await q<{ name: string }>(
        `SELECT n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS name
               FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
              WHERE ${SYSTEM_SCHEMAS} AND has_function_privilege($1, p.oid, 'EXECUTE')
                AND NOT EXISTS (SELECT 1 FROM aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE')
              ORDER BY 1`,
    ))
        beyondRead.push({ privilege: "EXECUTE", on: `function ${r.name}`, counts: true });

    const defaultPrivileges = await q<AuditReport["defaultPrivileges"][number]>(
        `SELECT pg_get_userbyid(d.defaclrole) AS owner, n.nspname AS schema,
                    CASE d.defaclobjtype WHEN 'r' THEN 'tables' WHEN 'S' THEN 'sequences' WHEN 'f' THEN 'functions' WHEN 'T' THEN 'types' ELSE 'schemas' END AS "objectType",
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
        server: info,
        extraAttributes,
        canLogin: attrs.rolcanlogin === true,
        connectionLimit: Number(attrs.rolconnlimit),
        memberOf,
        connect,
        schemas,
        readable,
        beyondRead,
        defaultPrivileges,
        futureSchemaOwners,
        members: [],
        readOnly: extraAttributes.length === 0 && beyondRead.every((b) => !b.counts),
    };
}

export class RoleNotFound extends Error {
    constructor(role: string, database: string) {
        super(`role "${role}" does not exist on this server (connected to database ${database})`);
        this.name = "RoleNotFound";
    }
}

/** The report as text for people: one section per question, names only with `verbose`. */
export function formatAudit(report: AuditReport, verbose = false): string {
    const lines: string[] = [];
    const list = (items: string[]) => (items.length ? items.join(", ") : "(none)");
    lines.push(`Role ${report.role} in database ${report.server.database} (PostgreSQL ${report.server.version})`);
    lines.push(
        `  attributes      ${report.canLogin ? "LOGIN" : "NOLOGIN"}${report.extraAttributes.map((a) => `, ${a}`).join("")}; connection limit ${report.connectionLimit}`,
    );
    lines.push(`  member of       ${list(report.memberOf)}`);
    lines.push(`  may connect to  ${list(report.connect)}`);
    lines.push(`  schemas (USAGE) ${list(report.schemas)}`);
    lines.push("", "Readable, per schema:");
    const width = Math.max(6, ...report.readable.map((r) => r.schema.length));
    lines.push(`  ${"schema".padEnd(width)}  tables  views  mat.views  sequences`);
    for (const r of report.readable) {
        lines.push(
            `  ${r.schema.padEnd(width)}  ${String(r.tables.length).padStart(6)}  ${String(r.views.length).padStart(5)}  ${String(r.materializedViews.length).padStart(9)}  ${String(r.sequences.length).padStart(9)}`,
        );
        if (verbose) for (const name of [...r.tables, ...r.views, ...r.materializedViews, ...r.sequences]) lines.push(`      ${name}`);
    }
    lines.push("", "Beyond read:");
    if (report.beyondRead.length === 0) lines.push("  (nothing)");
    for (const b of report.beyondRead) lines.push(`  ${b.privilege} on ${b.on}${b.counts ? "" : " (temporary objects only; not counted)"}`);
    if (report.members.length > 0) {
        lines.push("", "Members (they hold what it holds, through membership):");
        for (const m of report.members)
            lines.push(
                `  ${m.name}${m.canLogin ? "" : " (NOLOGIN)"}: ${m.holdsMore.length === 0 ? "nothing more" : `holds more: ${m.holdsMore.join("; ")}`}`,
            );
    }
    lines.push("", "Default privileges naming it:");
    if (report.defaultPrivileges.length === 0) lines.push("  (none)");
    for (const d of report.defaultPrivileges)
        lines.push(
            `  ${d.privileges} on ${d.objectType} that ${d.owner} creates${d.objectType === "schemas" ? "" : d.schema ? ` in schema ${d.schema}` : " in any schema"}`,
        );
    lines.push("", "Future schemas (readable the moment they exist):");
    if (report.futureSchemaOwners.length === 0) lines.push("  (none)");
    for (const owner of report.futureSchemaOwners) lines.push(`  the schemas ${owner} creates, with the tables ${owner} creates in them`);
    lines.push(
        "",
        report.readOnly
            ? "Verdict: read-only."
            : `Verdict: NOT read-only: ${[
                  ...report.extraAttributes,
                  ...report.beyondRead.filter((b) => b.counts).map((b) => `${b.privilege} on ${b.on}`),
                  ...report.members.filter((m) => m.holdsMore.length > 0).map((m) => `member ${m.name} holds more than ${report.role}`),
              ].join("; ")}.`,
    );
    return `${lines.join("\n")}\n`;
}
