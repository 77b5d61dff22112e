/**
 * Reads what the preflight needs in one session of a few catalog queries, connected as libpq
 * would with the settings of the admin or the provider (components/libpq.ts), so the check
 * reaches the server the provider will; and, read-only with the same credentials, what Whaly's
 * host says of itself when it is another server (a replica).
 */
import { HeldDefault, HeldPrivilege, ObjectKind, RoleHoldings } from "./adoption";
import { connect, ResolvedSettings, Session, SettingNames } from "./libpq";
import { RoleFacts, ServerFacts } from "./preflight";
import { StandbyFacts } from "./whalyHost";

/** Names of `schemas` that exist in the connected database. */
const EXISTING_SCHEMAS = "SELECT nspname FROM pg_namespace WHERE nspname = ANY($1::text[])";

/** Owners of the listed schemas and of their tables (as the provider resolves them), per schema. */
const OWNERS = `
  SELECT s.nspname AS schema, owner
    FROM pg_namespace s,
         LATERAL (SELECT pg_get_userbyid(s.nspowner) AS owner
                  UNION SELECT tableowner FROM pg_tables t WHERE t.schemaname = s.nspname) o
   WHERE s.nspname = ANY($1::text[])`;

/**
 * Per listed schema, the roles that may create tables there or own some, with how many relations
 * each owns: owners of its relations, its owner, and every member of a role granted CREATE on it
 * (PUBLIC's grant, which PostgreSQL 12-14 give on `public`, is left out, or every role would count).
 * Superusers, predefined roles and the BI role are left out.
 */
const CREATORS = `
  WITH s AS (
         SELECT n.oid, n.nspname,
                CASE WHEN n.nspowner = (SELECT oid FROM pg_roles WHERE rolname = 'pg_database_owner')
                     THEN (SELECT datdba FROM pg_database WHERE datname = current_database()) ELSE n.nspowner END AS owner,
                n.nspacl
           FROM pg_namespace n WHERE n.nspname = ANY($1::text[])),
       candidates AS (
         SELECT s.nspname, c.relowner AS role FROM s JOIN pg_class c ON c.relnamespace = s.oid AND c.relkind IN ('r', 'p', 'f', 'v', 'm', 'S')
         UNION SELECT s.nspname, s.owner FROM s
         UNION SELECT s.nspname, m.oid FROM s CROSS JOIN aclexplode(s.nspacl) a
                 JOIN pg_roles m ON a.grantee <> 0 AND a.privilege_type = 'CREATE' AND pg_has_role(m.oid, a.grantee, 'MEMBER'))
  SELECT c.nspname AS schema, r.rolname AS role,
         (SELECT count(*) FROM pg_class x JOIN s ON s.oid = x.relnamespace
           WHERE s.nspname = c.nspname AND x.relowner = r.oid AND x.relkind IN ('r', 'p', 'f', 'v', 'm', 'S'))::int AS objects
    FROM candidates c JOIN pg_roles r ON r.oid = c.role
   WHERE NOT r.rolsuper AND r.rolname <> $2 AND r.rolname NOT LIKE 'pg\\_%'
   ORDER BY 1, 2`;

/**
 * Every schema but the listed and the system ones, with its owner (pg_database_owner resolved),
 * how many relations it holds, and whether PUBLIC, or the BI role itself, may use it.
 */
const UNLISTED_SCHEMAS = `
  WITH counts AS (SELECT relnamespace, count(*)::int AS relations FROM pg_class
                   WHERE relkind IN ('r', 'p', 'f', 'v', 'm', 'S') GROUP BY relnamespace)
  SELECT n.nspname AS schema,
         CASE WHEN r.rolname = 'pg_database_owner'
              THEN (SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()) ELSE r.rolname END AS owner,
         coalesce(c.relations, 0) AS relations,
         EXISTS (SELECT 1 FROM aclexplode(n.nspacl) a WHERE a.grantee = 0 AND a.privilege_type = 'USAGE') AS public_usage,
         EXISTS (SELECT 1 FROM aclexplode(n.nspacl) a JOIN pg_roles g ON g.oid = a.grantee
                  WHERE g.rolname = $2 AND a.privilege_type = 'USAGE') AS role_usage
    FROM pg_namespace n JOIN pg_roles r ON r.oid = n.nspowner LEFT JOIN counts c ON c.relnamespace = n.oid
   WHERE n.nspname <> ALL($1::text[]) AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'
   ORDER BY 1`;

/** Per role: superuser, login, direct memberships, and the admin's direct membership (with SET where it exists) and ADMIN OPTION. */
function rolesQuery(hasSetOption: boolean): string {
    return `
  SELECT r.rolname AS name, r.rolsuper AS superuser, r.rolcanlogin AS can_login,
         ARRAY(SELECT g.rolname::text FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = r.oid) AS member_of,
         EXISTS (SELECT 1 FROM pg_auth_members m WHERE m.roleid = r.oid AND m.member = a.oid AND m.admin_option) AS admin_option,
         EXISTS (SELECT 1 FROM pg_auth_members m WHERE m.roleid = r.oid AND m.member = a.oid ${hasSetOption ? "AND m.set_option" : ""}) AS member
    FROM pg_roles r, pg_roles a
   WHERE a.rolname = current_user AND r.rolname = ANY($1::text[])`;
}

/**
 * The facts, the schemas that exist, and with `adopt`, what the BI role holds when it exists.
 * Throws a ConnectionError naming the setting to change when it cannot connect.
 */
export async function readServerFacts(
    settings: ResolvedSettings,
    names: SettingNames,
    schemas: string[],
    roleNames: string[],
    biRole: string,
    adopt = false,
): Promise<{ existingSchemas: string[]; server: ServerFacts; holdings?: RoleHoldings }> {
    const client = await connect(settings, names);
    try {
        const [admin] = (
            await client.query(
                `SELECT current_user AS name, rolsuper AS superuser, rolcreaterole AS create_role,
                        current_setting('server_version_num')::int AS version_num, pg_is_in_recovery() AS in_recovery
                   FROM pg_roles WHERE rolname = current_user`,
            )
        ).rows;
        const existingSchemas = (await client.query(EXISTING_SCHEMAS, [schemas])).rows.map((r) => r.nspname as string);
        const ownersBySchema: Record<string, string[]> = {};
        const [{ db_owner: databaseOwner }] = (
            await client.query("SELECT pg_get_userbyid(datdba) AS db_owner FROM pg_database WHERE datname = current_database()")
        ).rows;
        for (const { schema, owner } of (await client.query(OWNERS, [schemas])).rows) {
            (ownersBySchema[schema] ??= []).push(owner === "pg_database_owner" ? databaseOwner : owner);
        }
        const creatorsBySchema: ServerFacts["creatorsBySchema"] = {};
        for (const { schema, role, objects } of (await client.query(CREATORS, [schemas, biRole])).rows)
            (creatorsBySchema[schema] ??= []).push({ role, objects });
        const named = [
            ...new Set([
                ...roleNames,
                ...Object.values(ownersBySchema).flat(),
                ...Object.values(creatorsBySchema)
                    .flat()
                    .map((c) => c.role),
            ]),
        ];
        const unlistedSchemas = (await client.query(UNLISTED_SCHEMAS, [schemas, biRole])).rows.map((r) => ({
            schema: r.schema as string,
            owner: r.owner as string,
            relations: r.relations as number,
            publicUsage: r.public_usage as boolean,
            roleUsage: r.role_usage as boolean,
        }));
        const roles: Record<string, RoleFacts> = {};
        for (const row of (await client.query(rolesQuery(admin.version_num >= 160000), [named])).rows)
            roles[row.name] = {
                superuser: row.superuser,
                adminHoldsAdminOption: row.admin_option,
                adminIsMember: row.member,
                canLogin: row.can_login,
                memberOf: row.member_of,
            };
        const server: ServerFacts = {
            systemIdentifier: await systemIdentifier(client),
            versionNum: admin.version_num,
            inRecovery: admin.in_recovery,
            admin: { name: admin.name, superuser: admin.superuser, createRole: admin.create_role },
            roles,
            ownersBySchema,
            creatorsBySchema,
            unlistedSchemas,
        };
        const holdings = adopt && roles[biRole] ? await readRoleHoldings(client, biRole, schemas, named, server) : undefined;
        return { existingSchemas, server, holdings };
    } finally {
        await client.end();
    }
}

/** The role's oid, for the queries below ($1 is its name). */
const ROLE = "(SELECT oid FROM pg_roles WHERE rolname = $1)";

/** Each ACL entry naming the role: on databases and tablespaces (shared), and on the objects of the connected database; with each object's owner. */
const PRIVILEGES = `
  SELECT 'database' AS kind, NULL::text AS schema, d.datname::text AS name, NULL::text AS detail, a.privilege_type AS privilege,
         pg_get_userbyid(a.grantor)::text AS grantor, a.is_grantable AS grantable, pg_get_userbyid(d.datdba)::text AS owner
    FROM pg_database d CROSS JOIN aclexplode(d.datacl) a WHERE a.grantee = ${ROLE}
  UNION ALL
  SELECT 'tablespace', NULL, t.spcname, NULL, a.privilege_type, pg_get_userbyid(a.grantor), a.is_grantable, pg_get_userbyid(t.spcowner)
    FROM pg_tablespace t CROSS JOIN aclexplode(t.spcacl) a WHERE a.grantee = ${ROLE}
  UNION ALL
  SELECT 'schema', NULL, n.nspname, NULL, a.privilege_type, pg_get_userbyid(a.grantor), a.is_grantable, pg_get_userbyid(n.nspowner)
    FROM pg_namespace n CROSS JOIN aclexplode(n.nspacl) a WHERE a.grantee = ${ROLE}
  UNION ALL
  SELECT CASE c.relkind WHEN 'S' THEN 'sequence' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'f' THEN 'foreign table' ELSE 'table' END,
         n.nspname, c.relname, NULL, a.privilege_type, pg_get_userbyid(a.grantor), a.is_grantable, pg_get_userbyid(c.relowner)
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace CROSS JOIN aclexplode(c.relacl) a
   WHERE a.grantee = ${ROLE} AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
  UNION ALL
  SELECT 'column', n.nspname, c.relname, att.attname, a.privilege_type, pg_get_userbyid(a.grantor), a.is_grantable, pg_get_userbyid(c.relowner)
    FROM pg_attribute att JOIN pg_class c ON c.oid = att.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
   CROSS JOIN aclexplode(att.attacl) a
   WHERE a.grantee = ${ROLE} AND att.attnum > 0 AND NOT att.attisdropped
  UNION ALL
  SELECT CASE p.prokind WHEN 'p' THEN 'procedure' ELSE 'function' END, n.nspname, p.proname, pg_get_function_identity_arguments(p.oid),
         a.privilege_type, pg_get_userbyid(a.grantor), a.is_grantable, pg_get_userbyid(p.proowner)
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace CROSS JOIN aclexplode(p.proacl) a WHERE a.grantee = ${ROLE}
  UNION ALL
  SELECT 'type', n.nspname, t.typname, NULL, a.privilege_type, pg_get_userbyid(a.grantor), a.is_grantable, pg_get_userbyid(t.typowner)
    FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace CROSS JOIN aclexplode(t.typacl) a WHERE a.grantee = ${ROLE}
   ORDER BY 1, 2, 3, 4, 5`;

/** Each default privilege naming the role, in the connected database. */
const DEFAULTS = `
  SELECT pg_get_userbyid(d.defaclrole)::text AS owner, n.nspname::text AS schema, d.defaclobjtype::text AS object_type,
         a.privilege_type AS privilege, a.is_grantable AS grantable
    FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace CROSS JOIN aclexplode(d.defaclacl) a
   WHERE a.grantee = ${ROLE}
   ORDER BY 1, 2 NULLS FIRST, 3, 4`;

/** The relations of the listed schemas ($2) the role may not SELECT through an ACL entry of its own. */
const UNREADABLE = `
  SELECT n.nspname AS schema, c.relname AS name, c.relkind = 'S' AS sequence
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname = ANY($2::text[]) AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
     AND NOT EXISTS (SELECT 1 FROM aclexplode(c.relacl) a WHERE a.grantee = ${ROLE} AND a.privilege_type = 'SELECT')
   ORDER BY 1, 2`;

/**
 * Everything that depends on the role (pg_shdepend), to find what the privilege reads above do not
 * cover: objects it owns, and privileges in other databases or on other kinds of object.
 */
const DEPENDENCIES = `
  SELECT s.deptype, s.classid::regclass::text AS catalog, s.dbid = 0 AS shared,
         s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AS here,
         (SELECT datname::text FROM pg_database WHERE oid = s.dbid) AS database,
         CASE WHEN s.dbid IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))
              THEN (SELECT o.type || ' ' || o.identity FROM pg_identify_object(s.classid, s.objid, s.objsubid) o) END AS object
    FROM pg_shdepend s
   WHERE s.refclassid = 'pg_authid'::regclass AND s.refobjid = ${ROLE} AND s.deptype IN ('o', 'a')
   ORDER BY 5 NULLS FIRST, 6`;

/** The catalogs whose ACL entries the take-over revokes (PRIVILEGES and DEFAULTS read them). */
const REVOCABLE = new Set(["pg_database", "pg_tablespace", "pg_namespace", "pg_class", "pg_proc", "pg_type", "pg_default_acl"]);

/** What the existing role `role` holds, for an adoption (adoption.ts decides what changes). */
async function readRoleHoldings(
    client: Session,
    role: string,
    schemas: string[],
    creators: string[],
    server: ServerFacts,
): Promise<RoleHoldings> {
    const modern = server.versionNum >= 160000;
    const [attributes] = (
        await client.query(
            `SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls, rolcanlogin, rolinherit, rolconnlimit,
                    rolvaliduntil::text AS valid_until, coalesce(rolconfig, '{}') AS config,
                    ARRAY(SELECT d.datname::text FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase
                           WHERE s.setrole = r.oid ORDER BY 1) AS settings_in_databases
               FROM pg_roles r WHERE rolname = $1`,
            [role],
        )
    ).rows;
    const memberOf = (
        await client.query(
            // Who may revoke a membership: a superuser; before 16, CREATEROLE over a non-superuser group;
            // since 16, ADMIN OPTION on the group and the privileges of its grantor.
            `SELECT g.rolname AS role, pg_get_userbyid(m.grantor)::text AS grantor,
                    a.rolsuper
                    OR (${modern ? "false" : "a.rolcreaterole AND NOT g.rolsuper"})
                    OR (EXISTS (SELECT 1 FROM pg_auth_members x WHERE x.roleid = g.oid AND x.member = a.oid AND x.admin_option)
                        ${modern ? "AND pg_has_role(a.oid, m.grantor, 'USAGE')" : ""}) AS admin_may_revoke
               FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid, pg_roles a
              WHERE m.member = ${ROLE} AND a.rolname = current_user
              ORDER BY 1, 2`,
            [role],
        )
    ).rows.map((r) => ({ role: r.role as string, grantor: r.grantor as string, adminMayRevoke: r.admin_may_revoke as boolean }));
    const privileges: HeldPrivilege[] = (await client.query(PRIVILEGES, [role])).rows.map((r) => ({
        kind: r.kind as ObjectKind,
        schema: r.schema ?? undefined,
        name: r.name,
        detail: r.detail ?? undefined,
        privilege: r.privilege,
        grantor: r.grantor,
        grantable: r.grantable,
        owner: r.owner,
    }));
    const defaults: HeldDefault[] = (await client.query(DEFAULTS, [role])).rows.map((r) => ({
        owner: r.owner,
        schema: r.schema ?? undefined,
        objectType: r.object_type,
        privilege: r.privilege,
        grantable: r.grantable,
    }));
    const unreadable = (await client.query(UNREADABLE, [role, schemas])).rows.map((r) => ({
        schema: r.schema as string,
        name: r.name as string,
        sequence: r.sequence as boolean,
    }));
    const beyondReach = describeBeyondReach((await client.query(DEPENDENCIES, [role])).rows);
    // SET ROLE needs membership, with the SET option since 16; a superuser may act as anyone.
    const actors = [...new Set([...privileges.map((p) => p.grantor), ...defaults.map((d) => d.owner), ...creators])];
    const adminActsAs: Record<string, boolean> = {};
    for (const r of (
        await client.query(
            "SELECT rolname AS name, pg_has_role(current_user, oid, $2) AS acts FROM pg_roles WHERE rolname = ANY($1::text[])",
            [actors, modern ? "SET" : "MEMBER"],
        )
    ).rows)
        adminActsAs[r.name] = r.acts;
    const facts = server.roles[role];
    const adminMayAlter = server.admin.superuser || (server.admin.createRole && (!modern || facts.adminHoldsAdminOption));
    return {
        attributes: {
            superuser: attributes.rolsuper,
            createDatabase: attributes.rolcreatedb,
            createRole: attributes.rolcreaterole,
            replication: attributes.rolreplication,
            bypassRowLevelSecurity: attributes.rolbypassrls,
            login: attributes.rolcanlogin,
            inherit: attributes.rolinherit,
            connectionLimit: attributes.rolconnlimit,
            validUntil: attributes.valid_until ?? undefined,
        },
        settings: attributes.config,
        settingsInDatabases: attributes.settings_in_databases,
        memberOf,
        privileges,
        defaults,
        unreadable,
        beyondReach,
        adminActsAs,
        adminMayAlter,
    };
}

/** The dependencies on the role that the take-over cannot remove, one sentence each. */
function describeBeyondReach(
    rows: Array<{ deptype: string; catalog: string; shared: boolean; here: boolean; database: string | null; object: string | null }>,
): string[] {
    const sentences: string[] = [];
    const elsewhere = new Map<string, { owns: number; holds: number }>();
    for (const r of rows) {
        if (!r.shared && !r.here) {
            const counts = elsewhere.get(r.database!) ?? { owns: 0, holds: 0 };
            counts[r.deptype === "o" ? "owns" : "holds"]++;
            elsewhere.set(r.database!, counts);
        } else if (r.deptype === "o") sentences.push(`owns ${r.object}`);
        else if (!REVOCABLE.has(r.catalog)) sentences.push(`holds privileges on ${r.object}`);
    }
    for (const [database, { owns, holds }] of elsewhere) {
        if (owns > 0) sentences.push(`owns ${owns} object${owns === 1 ? "" : "s"} in database ${database}`);
        if (holds > 0) sentences.push(`holds privileges in database ${database} (${holds} object${holds === 1 ? "" : "s"})`);
    }
    return sentences;
}

/** The cluster's system identifier, or undefined where the role may not call pg_control_system() (PUBLIC may, as PostgreSQL ships). */
async function systemIdentifier(client: Session): Promise<string | undefined> {
    try {
        return (await client.query("SELECT system_identifier::text AS id FROM pg_control_system()")).rows[0].id;
    } catch {
        return undefined;
    }
}

/** Whether Whaly's host is a standby, of which cluster, and its settings that cancel queries, in a read-only session. Throws a ConnectionError. */
export async function readStandbyFacts(settings: ResolvedSettings, names: SettingNames): Promise<StandbyFacts> {
    const client = await connect(settings, names);
    try {
        await client.query("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY");
        const [row] = (
            await client.query(
                `SELECT pg_is_in_recovery() AS in_recovery, current_setting('hot_standby_feedback')::boolean AS feedback,
                        (SELECT setting::int FROM pg_settings WHERE name = 'max_standby_streaming_delay') AS delay_ms`,
            )
        ).rows;
        return {
            inRecovery: row.in_recovery,
            systemIdentifier: await systemIdentifier(client),
            hotStandbyFeedback: row.feedback,
            maxStandbyStreamingDelayMs: row.delay_ms,
        };
    } finally {
        await client.end();
    }
}
