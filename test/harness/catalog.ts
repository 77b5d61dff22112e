/**
 * What a role holds in one database, read from the catalog: aclexplode over pg_database,
 * pg_namespace and pg_class, and pg_default_acl. Entries read like
 * `table sales.orders SELECT` or `default etl sales table SELECT`.
 */
import { PostgresServer } from "../../scripts/lib/postgresServer";

const KIND: Record<string, string> = { r: "table", p: "table", v: "view", m: "materialized view", S: "sequence", f: "foreign table" };
const DEFAULT_KIND: Record<string, string> = { r: "table", S: "sequence", f: "function", T: "type", n: "schema" };

interface AclRow {
    kind: string;
    owner: string | null;
    object: string;
    privilege: string;
    grantee: string;
}

function aclRows(server: PostgresServer, database: string): Promise<AclRow[]> {
    // grantee 0 is PUBLIC; a grantee missing from pg_roles would be a dangling entry.
    return server.query<AclRow>(
        `SELECT 'database' AS kind, NULL AS owner, d.datname AS object, a.privilege_type AS privilege,
                coalesce(r.rolname, CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE 'dangling ' || a.grantee END) AS grantee
           FROM pg_database d CROSS JOIN aclexplode(d.datacl) a LEFT JOIN pg_roles r ON r.oid = a.grantee
          WHERE d.datname = current_database()
        UNION ALL
         SELECT 'schema', NULL, n.nspname, a.privilege_type,
                coalesce(r.rolname, CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE 'dangling ' || a.grantee END)
           FROM pg_namespace n CROSS JOIN aclexplode(n.nspacl) a LEFT JOIN pg_roles r ON r.oid = a.grantee
        UNION ALL
         SELECT c.relkind::text, NULL, n.nspname || '.' || c.relname, a.privilege_type,
                coalesce(r.rolname, CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE 'dangling ' || a.grantee END)
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace CROSS JOIN aclexplode(c.relacl) a
           LEFT JOIN pg_roles r ON r.oid = a.grantee
        UNION ALL
         SELECT 'default ' || d.defaclobjtype::text, pg_get_userbyid(d.defaclrole), coalesce(n.nspname, '*'), a.privilege_type,
                coalesce(r.rolname, CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE 'dangling ' || a.grantee END)
           FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace
           CROSS JOIN aclexplode(d.defaclacl) a LEFT JOIN pg_roles r ON r.oid = a.grantee`,
        { database },
    );
}

function describe(row: AclRow): string {
    if (row.kind.startsWith("default ")) {
        const objtype = row.kind.slice("default ".length);
        return `default ${row.owner} ${row.object} ${DEFAULT_KIND[objtype] ?? objtype} ${row.privilege}`;
    }
    return `${KIND[row.kind] ?? row.kind} ${row.object} ${row.privilege}`;
}

/** Every privilege `role` holds in `database`, sorted. */
export async function privilegesOf(server: PostgresServer, database: string, role: string): Promise<string[]> {
    return (await aclRows(server, database))
        .filter((row) => row.grantee === role)
        .map(describe)
        .sort();
}

/** Everything left in the catalog that mentions `role`: the role itself, or any ACL entry for it (or dangling). */
export async function traces(server: PostgresServer, database: string, role: string): Promise<string[]> {
    const roles = await server.query<{ rolname: string }>(`SELECT rolname FROM pg_roles WHERE rolname = '${role.replace(/'/g, "''")}'`);
    const acls = (await aclRows(server, database)).filter((row) => row.grantee === role || row.grantee.startsWith("dangling "));
    return [...roles.map((r) => `role ${r.rolname}`), ...acls.map((row) => `${describe(row)} to ${row.grantee}`)];
}

/** The role's attributes and memberships, for least-privilege checks. */
export async function roleAttributes(server: PostgresServer, role: string): Promise<Record<string, unknown>> {
    const [row] = await server.query(
        `SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls, rolcanlogin, rolconnlimit, rolconfig,
                ARRAY(SELECT b.rolname::text FROM pg_auth_members m JOIN pg_roles b ON b.oid = m.roleid WHERE m.member = r.oid) AS member_of
           FROM pg_roles r WHERE rolname = '${role.replace(/'/g, "''")}'`,
    );
    return row;
}

/** Every role with its attributes and every ACL entry of `database`, to prove that nothing changed. */
export async function catalogSnapshot(server: PostgresServer, database: string): Promise<string[]> {
    const roles = await server.query<{ role: string }>(
        `SELECT row(r.rolname, r.rolsuper, r.rolcreatedb, r.rolcreaterole, r.rolcanlogin, r.rolconnlimit, a.rolpassword, r.rolconfig)::text AS role
           FROM pg_roles r JOIN pg_authid a ON a.oid = r.oid`,
    );
    const acls = (await aclRows(server, database)).map((row) => `${describe(row)} to ${row.grantee}`);
    return [...roles.map((r) => r.role), ...acls].sort();
}
