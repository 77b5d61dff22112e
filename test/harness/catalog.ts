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

/**
 * Every ACL entry the catalogs hold: in the shared catalogs (databases, tablespaces, parameters
 * on PostgreSQL 15+) and in the connected database (schemas, relations, columns, routines, types
 * and domains, languages, foreign-data wrappers and servers, large objects, and default
 * privileges of every letter), each object as pg_identify_object names it.
 */
function everyAclSql(major: number): string {
    const sources = [
        "SELECT 'pg_database'::regclass AS catalog, oid AS objid, 0 AS objsubid, datacl AS acl FROM pg_database",
        "SELECT 'pg_tablespace'::regclass, oid, 0, spcacl FROM pg_tablespace",
        ...(major >= 15 ? ["SELECT 'pg_parameter_acl'::regclass, oid, 0, paracl FROM pg_parameter_acl"] : []),
        "SELECT 'pg_namespace'::regclass, oid, 0, nspacl FROM pg_namespace",
        "SELECT 'pg_class'::regclass, oid, 0, relacl FROM pg_class",
        "SELECT 'pg_class'::regclass, attrelid, attnum, attacl FROM pg_attribute WHERE attacl IS NOT NULL",
        "SELECT 'pg_proc'::regclass, oid, 0, proacl FROM pg_proc",
        "SELECT 'pg_type'::regclass, oid, 0, typacl FROM pg_type",
        "SELECT 'pg_language'::regclass, oid, 0, lanacl FROM pg_language",
        "SELECT 'pg_foreign_data_wrapper'::regclass, oid, 0, fdwacl FROM pg_foreign_data_wrapper",
        "SELECT 'pg_foreign_server'::regclass, oid, 0, srvacl FROM pg_foreign_server",
        "SELECT 'pg_largeobject'::regclass, oid, 0, lomacl FROM pg_largeobject_metadata",
        "SELECT 'pg_default_acl'::regclass, oid, 0, defaclacl FROM pg_default_acl",
    ];
    return `
  SELECT o.type || ' ' || o.identity AS object, a.privilege_type AS privilege, a.is_grantable AS grantable,
         ${roleName("a.grantee")} AS grantee, ${roleName("a.grantor")} AS grantor
    FROM (${sources.join("\n          UNION ALL ")}) s
   CROSS JOIN aclexplode(s.acl) a
   CROSS JOIN LATERAL pg_identify_object(s.catalog, s.objid, s.objsubid) o
   WHERE s.acl IS NOT NULL`;
}

/** A role's name in SQL, PUBLIC for oid 0, and a dangling oid said as such. */
const roleName = (oid: string) => `coalesce(pg_get_userbyid(${oid})::text, CASE WHEN ${oid} = 0 THEN 'PUBLIC' END)`;

/** `ARRAY['a', 'b']::text[]`, quoted. */
const textArray = (values: string[]) => `ARRAY[${values.map((v) => `'${v.replace(/'/g, "''")}'`).join(", ")}]::text[]`;

/**
 * Each role's attributes (no password; no expiry and `infinity` said alike), settings, and
 * memberships both ways, with who granted each and its options.
 */
function roleLinesSql(major: number, roles: string): string {
    const options = major >= 16 ? " || ', inherit ' || m.inherit_option || ', set ' || m.set_option" : "";
    return `
  SELECT 'role ' || r.rolname || ' ' || row(r.rolsuper, r.rolcreatedb, r.rolcreaterole, r.rolreplication, r.rolbypassrls,
         r.rolcanlogin, r.rolinherit, r.rolconnlimit, coalesce(r.rolvaliduntil::text, 'infinity'),
         ARRAY(SELECT unnest(r.rolconfig) ORDER BY 1))::text AS line
    FROM pg_roles r WHERE r.rolname = ANY(${roles})
  UNION ALL
  SELECT 'settings of ' || r.rolname || ' in database ' || coalesce(d.datname, '(all)') || ': ' || s.setconfig::text
    FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole LEFT JOIN pg_database d ON d.oid = s.setdatabase
   WHERE r.rolname = ANY(${roles}) AND s.setdatabase <> 0
  UNION ALL
  SELECT pg_get_userbyid(m.member) || ' member of ' || pg_get_userbyid(m.roleid) || ' (granted by ' || ${roleName("m.grantor")} ||
         ', admin ' || m.admin_option${options} || ')'
    FROM pg_auth_members m
   WHERE pg_get_userbyid(m.member) = ANY(${roles}) OR pg_get_userbyid(m.roleid) = ANY(${roles})`;
}

/** What else depends on the roles (pg_shdepend): owned objects, policies, user mappings; counted per database elsewhere. */
function dependencyLinesSql(roles: string): string {
    return `
  SELECT pg_get_userbyid(s.refobjid) || ' ' || s.deptype::text || ' ' ||
         CASE WHEN s.dbid IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))
              THEN (SELECT o.type || ' ' || o.identity FROM pg_identify_object(s.classid, s.objid, s.objsubid) o)
              ELSE 'in database ' || (SELECT datname FROM pg_database WHERE oid = s.dbid) || ', ' || s.classid::regclass::text END AS line
    FROM pg_shdepend s
   WHERE s.refclassid = 'pg_authid'::regclass AND s.deptype <> 'p' AND pg_get_userbyid(s.refobjid) = ANY(${roles})`;
}

/**
 * Everything the catalog holds that names one of `roles`, as seen from `database`: the roles'
 * attributes, settings and memberships (both ways, with grantors and options), every ACL entry
 * that names them as grantee or grantor (columns, routines, types, languages, foreign-data
 * wrappers and servers, parameters, tablespaces, large objects, default privileges of every
 * letter, and the rest), and what depends on them (pg_shdepend). Sorted; no password.
 */
export async function roleSnapshot(server: PostgresServer, database: string, roles: string[]): Promise<string[]> {
    const names = textArray(roles);
    const acls = (await server.query<EveryAclRow>(everyAclSql(server.major), { database }))
        .filter((r) => roles.includes(r.grantee) || roles.includes(r.grantor))
        .map(aclLine);
    const lines = await server.query<{ line: string }>(`${roleLinesSql(server.major, names)} UNION ALL ${dependencyLinesSql(names)}`, {
        database,
    });
    return [...lines.map((r) => r.line), ...acls].sort();
}

/** Every role (password included), membership, setting, ACL entry and dependency on a role, seen from `database`: to prove that nothing changed. */
export async function fullCatalogSnapshot(server: PostgresServer, database: string): Promise<string[]> {
    const roles = (await server.query<{ rolname: string }>("SELECT rolname FROM pg_roles")).map((r) => r.rolname);
    const passwords = await server.query<{ line: string }>("SELECT rolname || ' ' || coalesce(rolpassword, '') AS line FROM pg_authid");
    const acls = (await server.query<EveryAclRow>(everyAclSql(server.major), { database })).map(aclLine);
    return [...passwords.map((r) => r.line), ...(await roleSnapshot(server, database, roles)), ...acls].sort();
}

interface EveryAclRow {
    object: string;
    privilege: string;
    grantable: boolean;
    grantee: string;
    grantor: string;
}

const aclLine = (r: EveryAclRow) =>
    `${r.object}: ${r.privilege}${r.grantable ? " WITH GRANT OPTION" : ""} to ${r.grantee} granted by ${r.grantor}`;
