/**
 * Reads what the preflight needs in one session of a few catalog queries, connected as libpq
 * would with the settings of the admin or the provider (components/connect/libpq.ts), so the check
 * reaches the server the provider will; and, read-only with the same credentials, what Whaly's
 * host says of itself when it is another server (a replica).
 */
import { BeyondReach, HeldDefault, HeldMembership, HeldPrivilege, RoleHoldings } from "../plan/adoption";
import { connect, ConnectionError, ResolvedSettings, Session, SettingNames } from "../connect/libpq";
import { RoleFacts, ServerFacts } from "../plan/preflight";
import { lookRefusal, StandbyFacts } from "../plan/whalyHost";

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
 * A superuser may create anywhere, so it counts only where it owns relations; predefined roles and
 * the BI role are left out.
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
  SELECT * FROM (
    SELECT c.nspname AS schema, r.rolname AS role, r.rolsuper AS superuser,
           (SELECT count(*) FROM pg_class x JOIN s ON s.oid = x.relnamespace
             WHERE s.nspname = c.nspname AND x.relowner = r.oid AND x.relkind IN ('r', 'p', 'f', 'v', 'm', 'S'))::int AS objects
      FROM candidates c JOIN pg_roles r ON r.oid = c.role
     WHERE r.rolname <> $2 AND r.rolname NOT LIKE 'pg\\_%') found
   WHERE NOT superuser OR objects > 0
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

/** The schemas of the database where PUBLIC, so every role, may CREATE: `public` on PostgreSQL 12-14 unless revoked. */
const PUBLIC_CREATE = `
  SELECT n.nspname AS schema
    FROM pg_namespace n CROSS JOIN aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) a
   WHERE a.grantee = 0 AND a.privilege_type = 'CREATE'
   ORDER BY 1`;

/**
 * Per role: superuser, login, direct memberships, and the admin's direct membership (with SET where
 * it exists) and ADMIN OPTION; whether it has a password where the admin may read pg_authid (a superuser).
 */
function rolesQuery(hasSetOption: boolean, readsPasswords: boolean): string {
    return `
  SELECT r.rolname AS name, r.rolsuper AS superuser, r.rolcanlogin AS can_login,
         ${readsPasswords ? "(SELECT p.rolpassword IS NOT NULL FROM pg_authid p WHERE p.oid = r.oid)" : "NULL::boolean"} AS has_password,
         ARRAY(SELECT g.rolname::text FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = r.oid) AS member_of,
         EXISTS (SELECT 1 FROM pg_auth_members m WHERE m.roleid = r.oid AND m.member = a.oid AND m.admin_option) AS admin_option,
         EXISTS (SELECT 1 FROM pg_auth_members m WHERE m.roleid = r.oid AND m.member = a.oid ${hasSetOption ? "AND m.set_option" : ""}) AS member
    FROM pg_roles r, pg_roles a
   WHERE a.rolname = current_user AND r.rolname = ANY($1::text[])`;
}

/** The admin's role, the server's version, whether it is a standby; the database's owner. */
const ADMIN = `
  SELECT current_user AS name, rolsuper AS superuser, rolcreaterole AS create_role,
         current_setting('server_version_num')::int AS version_num, pg_is_in_recovery() AS in_recovery,
         (SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()) AS database_owner,
         has_function_privilege('pg_control_system()', 'EXECUTE') AS reads_system_identifier
    FROM pg_roles WHERE rolname = current_user`;

/** The SQLSTATEs with which a server declines pg_control_system() though has_function_privilege allows it. */
const DECLINED = new Set(["0A000" /* feature_not_supported */, "42501" /* insufficient_privilege */]);

/**
 * The cluster's system identifier, where the session may call pg_control_system() (PUBLIC may, as
 * PostgreSQL ships; a database may revoke it) and it answers: a fork may decline though it is
 * granted (Aurora: "currently not supported"), and the checks do without it; any other error is
 * theirs. Last in its transaction, which a failure aborts.
 */
async function systemIdentifier(client: Session, granted: boolean): Promise<string | undefined> {
    if (!granted) return undefined;
    try {
        return (await client.query("SELECT system_identifier::text AS id FROM pg_control_system()")).rows[0].id;
    } catch (error) {
        if (DECLINED.has((error as { code?: string }).code ?? "")) return undefined;
        throw error;
    }
}

/**
 * Runs `queries` (those defined), which share their parameters, as one statement: one round trip
 * (a server a region away costs 20 ms each). Each query's rows come back as JSON objects.
 */
async function queryTogether<Q extends Record<string, string | undefined>>(
    client: Session,
    queries: Q,
    params: unknown[],
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the rows hold what the SQL selects
): Promise<{ [name in keyof Q]: any[] }> {
    const columns = Object.entries(queries).flatMap(([name, sql]) =>
        sql === undefined ? [] : [`(SELECT coalesce(json_agg(q), '[]') FROM (${sql}) q) AS "${name}"`],
    );
    return (await client.query(`SELECT ${columns.join(",\n")}`, params)).rows[0];
}

/**
 * The facts, the schemas that exist, and with `adopt`, what the BI role holds when it exists, read
 * in one read-only REPEATABLE READ transaction: the catalog's tables as its first statement saw
 * them (functions such as pg_get_userbyid read the latest catalog).
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
        await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
        const found = await queryTogether(
            client,
            {
                admin: ADMIN,
                existing: EXISTING_SCHEMAS,
                owners: OWNERS,
                creators: CREATORS,
                unlisted: UNLISTED_SCHEMAS,
                publicCreate: PUBLIC_CREATE,
            },
            [schemas, biRole],
        );
        const [admin] = found.admin;
        const ownersBySchema: Record<string, string[]> = {};
        for (const { schema, owner } of found.owners)
            (ownersBySchema[schema] ??= []).push(owner === "pg_database_owner" ? admin.database_owner : owner);
        const creatorsBySchema: ServerFacts["creatorsBySchema"] = {};
        for (const { schema, role, objects } of found.creators) (creatorsBySchema[schema] ??= []).push({ role, objects });
        const named = [
            ...new Set([
                ...roleNames,
                ...Object.values(ownersBySchema).flat(),
                ...Object.values(creatorsBySchema)
                    .flat()
                    .map((c) => c.role),
            ]),
        ];
        const roles: Record<string, RoleFacts> = {};
        for (const row of (await client.query(rolesQuery(admin.version_num >= 160000, admin.superuser), [named])).rows)
            roles[row.name] = {
                superuser: row.superuser,
                adminHoldsAdminOption: row.admin_option,
                adminIsMember: row.member,
                canLogin: row.can_login,
                hasPassword: row.has_password ?? undefined,
                memberOf: row.member_of,
            };
        const server: ServerFacts = {
            versionNum: admin.version_num,
            inRecovery: admin.in_recovery,
            admin: { name: admin.name, superuser: admin.superuser, createRole: admin.create_role },
            roles,
            ownersBySchema,
            creatorsBySchema,
            unlistedSchemas: found.unlisted.map((r) => ({
                schema: r.schema as string,
                owner: r.owner as string,
                relations: r.relations as number,
                publicUsage: r.public_usage as boolean,
                roleUsage: r.role_usage as boolean,
            })),
            publicCreateSchemas: found.publicCreate.map((r) => r.schema as string),
        };
        const holdings = adopt && roles[biRole] ? await readRoleHoldings(client, biRole, schemas, named, server) : undefined;
        return {
            existingSchemas: found.existing.map((r) => r.nspname as string),
            server: { ...server, systemIdentifier: await systemIdentifier(client, admin.reads_system_identifier) },
            holdings,
        };
    } finally {
        await client.end();
    }
}

/** The role's oid, for the queries below ($1 is its name). */
const ROLE = "(SELECT oid FROM pg_roles WHERE rolname = $1)";

/**
 * Each ACL entry naming the role as grantee, with the object's owner and its address in pg_shdepend's
 * terms (`ref`: catalog, oid, sub-id): on databases, tablespaces and (PostgreSQL 15+) parameters,
 * which are shared, and on the schemas, relations, columns, routines, types, languages, foreign-data
 * wrappers and servers and large objects of the connected database. A relation or routine of a kind
 * the component does not know comes with the catalog's letter, to be refused by name.
 */
function privilegesQuery(versionNum: number): string {
    const sources = [
        "SELECT 'pg_database'::regclass AS catalog, d.oid AS objid, 0 AS objsubid, 'database' AS kind, NULL::text AS schema, d.datname::text AS name, NULL::text AS detail, d.datdba AS owner, d.datacl AS acl FROM pg_database d",
        "SELECT 'pg_tablespace'::regclass, t.oid, 0, 'tablespace', NULL, t.spcname::text, NULL, t.spcowner, t.spcacl FROM pg_tablespace t",
        // Parameters have no owner: only a superuser (the bootstrap one, by default) grants on them.
        ...(versionNum >= 150000
            ? [
                  "SELECT 'pg_parameter_acl'::regclass, p.oid, 0, 'parameter', NULL, p.parname::text, NULL, 10::oid, p.paracl FROM pg_parameter_acl p",
              ]
            : []),
        "SELECT 'pg_namespace'::regclass, n.oid, 0, 'schema', NULL, n.nspname::text, NULL, n.nspowner, n.nspacl FROM pg_namespace n",
        `SELECT 'pg_class'::regclass, c.oid, 0,
                CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'
                               WHEN 'f' THEN 'foreign table' WHEN 'S' THEN 'sequence' ELSE 'relation of relkind ' || c.relkind::text END,
                n.nspname::text, c.relname::text, NULL, c.relowner, c.relacl
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace`,
        `SELECT 'pg_class'::regclass, c.oid, att.attnum, 'column', n.nspname::text, c.relname::text, att.attname::text, c.relowner, att.attacl
           FROM pg_attribute att JOIN pg_class c ON c.oid = att.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE att.attacl IS NOT NULL AND att.attnum > 0 AND NOT att.attisdropped`,
        `SELECT 'pg_proc'::regclass, p.oid, 0,
                CASE p.prokind WHEN 'f' THEN 'function' WHEN 'w' THEN 'function' WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate'
                               ELSE 'routine of prokind ' || p.prokind::text END,
                n.nspname::text, p.proname::text, oidvectortypes(p.proargtypes), p.proowner, p.proacl
           FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace`,
        `SELECT 'pg_type'::regclass, t.oid, 0, CASE t.typtype WHEN 'd' THEN 'domain' ELSE 'type' END, n.nspname::text, t.typname::text, NULL,
                t.typowner, t.typacl
           FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace`,
        "SELECT 'pg_language'::regclass, l.oid, 0, 'language', NULL, l.lanname::text, NULL, l.lanowner, l.lanacl FROM pg_language l",
        "SELECT 'pg_foreign_data_wrapper'::regclass, w.oid, 0, 'foreign data wrapper', NULL, w.fdwname::text, NULL, w.fdwowner, w.fdwacl FROM pg_foreign_data_wrapper w",
        "SELECT 'pg_foreign_server'::regclass, s.oid, 0, 'foreign server', NULL, s.srvname::text, NULL, s.srvowner, s.srvacl FROM pg_foreign_server s",
        // pg_shdepend names a large object by pg_largeobject, its metadata's oid.
        "SELECT 'pg_largeobject'::regclass, l.oid, 0, 'large object', NULL, l.oid::text, NULL, l.lomowner, l.lomacl FROM pg_largeobject_metadata l",
    ];
    return `
  SELECT o.kind, o.schema, o.name, o.detail, a.privilege_type AS privilege, pg_get_userbyid(a.grantor)::text AS grantor,
         a.is_grantable AS grantable, pg_get_userbyid(o.owner)::text AS owner, o.catalog::text || ':' || o.objid || ':' || o.objsubid AS ref
    FROM (${sources.join("\n          UNION ALL ")}) o
   CROSS JOIN aclexplode(o.acl) a
   WHERE o.acl IS NOT NULL AND a.grantee = ${ROLE}
   ORDER BY 1, 2, 3, 4, 5`;
}

/** Each default privilege naming the role as grantee, in the connected database; those of its own are owned (DEPENDENCIES). */
const DEFAULTS = `
  SELECT pg_get_userbyid(d.defaclrole)::text AS owner, n.nspname::text AS schema, d.defaclobjtype::text AS object_type,
         a.privilege_type AS privilege, a.is_grantable AS grantable, 'pg_default_acl:' || d.oid || ':0' AS ref
    FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace CROSS JOIN aclexplode(d.defaclacl) a
   WHERE a.grantee = ${ROLE} AND d.defaclrole <> ${ROLE}
   ORDER BY 1, 2 NULLS FIRST, 3, 4`;

/** The relations of the listed schemas ($2) on which the role lacks SELECT granted by their owner, as the plan grants it. */
const UNREADABLE = `
  SELECT n.nspname AS schema, c.relname AS name, c.relkind = 'S' AS sequence, pg_get_userbyid(c.relowner)::text AS owner
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname = ANY($2::text[]) AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
     AND NOT EXISTS (SELECT 1 FROM aclexplode(c.relacl) a
                      WHERE a.grantee = ${ROLE} AND a.privilege_type = 'SELECT' AND a.grantor = c.relowner)
   ORDER BY 1, 2`;

/** The owners of the connected database and of the listed schemas ($2): who grants what the plan adds. */
const OWNERS_OF_PLAN = `
  SELECT NULL::text AS schema, pg_get_userbyid(datdba)::text AS owner FROM pg_database WHERE datname = current_database()
  UNION ALL
  SELECT nspname::text, pg_get_userbyid(nspowner)::text FROM pg_namespace WHERE nspname = ANY($2::text[])`;

/** The role's attributes and settings ($1 is its name). */
const ATTRIBUTES = `
  SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls, rolcanlogin, rolinherit, rolconnlimit,
         rolvaliduntil::text AS valid_until, coalesce(rolconfig, '{}') AS config,
         ARRAY(SELECT d.datname::text FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase
                WHERE s.setrole = r.oid ORDER BY 1) AS settings_in_databases
    FROM pg_roles r WHERE rolname = $1`;

/**
 * Every membership of the role, both ways ('member of' or 'member'), with who granted it, its
 * options, and whether the admin may revoke it: a superuser; before 16, CREATEROLE over a
 * non-superuser group; since 16, ADMIN OPTION on the group and the privileges of its grantor.
 */
function membershipsQuery(modern: boolean): string {
    return `
  SELECT CASE WHEN m.member = ${ROLE} THEN 'member of' ELSE 'member' END AS direction,
         pg_get_userbyid(CASE WHEN m.member = ${ROLE} THEN m.roleid ELSE m.member END)::text AS role,
         pg_get_userbyid(m.grantor)::text AS grantor, m.admin_option,
         ${modern ? "m.inherit_option, m.set_option" : "NULL::boolean AS inherit_option, NULL::boolean AS set_option"},
         a.rolsuper
         OR (${modern ? "false" : "a.rolcreaterole AND NOT g.rolsuper"})
         OR (EXISTS (SELECT 1 FROM pg_auth_members x WHERE x.roleid = g.oid AND x.member = a.oid AND x.admin_option)
             ${modern ? "AND pg_has_role(a.oid, m.grantor, 'USAGE')" : ""}) AS admin_may_revoke
    FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid, pg_roles a
   WHERE (m.member = ${ROLE} OR m.roleid = ${ROLE}) AND a.rolname = current_user
   ORDER BY 1, 2, 3`;
}

/**
 * Everything that depends on the role (pg_shdepend, pinned entries aside), with its address
 * (`ref`, as PRIVILEGES and DEFAULTS give theirs): what they do not cover is refused by name.
 */
const DEPENDENCIES = `
  WITH d AS (
    SELECT s.*, s.dbid IN (0, (SELECT oid FROM pg_database WHERE datname = current_database())) AS reachable
      FROM pg_shdepend s
     WHERE s.refclassid = 'pg_authid'::regclass AND s.refobjid = ${ROLE} AND s.deptype <> 'p')
  SELECT d.deptype::text AS deptype, d.classid::regclass::text AS catalog, d.dbid = 0 AS shared, d.reachable AND d.dbid <> 0 AS here,
         (SELECT datname::text FROM pg_database WHERE oid = d.dbid) AS database,
         d.classid::regclass::text || ':' || d.objid || ':' || d.objsubid AS ref,
         -- An object of another database cannot be named from here: CASE keeps the lookup from running.
         CASE WHEN d.reachable THEN (SELECT o.type FROM pg_identify_object(d.classid, d.objid, d.objsubid) o) END AS type,
         CASE WHEN d.reachable THEN (SELECT o.identity FROM pg_identify_object(d.classid, d.objid, d.objsubid) o) END AS identity
    FROM d
   ORDER BY 5 NULLS FIRST, 7, 8`;

/** What the existing role `role` holds, for an adoption (adoption.ts decides what changes). */
async function readRoleHoldings(
    client: Session,
    role: string,
    schemas: string[],
    creators: string[],
    server: ServerFacts,
): Promise<RoleHoldings> {
    const modern = server.versionNum >= 160000;
    const held = await queryTogether(
        client,
        {
            attributes: ATTRIBUTES,
            memberships: membershipsQuery(modern),
            privileges: privilegesQuery(server.versionNum),
            defaults: DEFAULTS,
            unreadable: UNREADABLE,
            owners: OWNERS_OF_PLAN,
            dependencies: DEPENDENCIES,
        },
        [role, schemas],
    );
    const [attributes] = held.attributes;
    const memberships = held.memberships.map((r) => ({
        direction: r.direction as string,
        role: r.role as string,
        grantor: r.grantor as string,
        adminMayRevoke: r.admin_may_revoke as boolean,
        adminOption: r.admin_option as boolean,
        inheritOption: (r.inherit_option as boolean | null) ?? undefined,
        setOption: (r.set_option as boolean | null) ?? undefined,
    }));
    const [memberOf, members]: HeldMembership[][] = ["member of", "member"].map((direction) =>
        memberships.filter((m) => m.direction === direction).map(({ direction: _, ...m }) => m),
    );
    const privileges: HeldPrivilege[] = held.privileges.map((r) => ({
        kind: r.kind,
        schema: r.schema ?? undefined,
        name: r.name,
        detail: r.detail ?? undefined,
        privilege: r.privilege,
        grantor: r.grantor,
        grantable: r.grantable,
        owner: r.owner,
    }));
    const defaults: HeldDefault[] = held.defaults.map((r) => ({
        owner: r.owner,
        schema: r.schema ?? undefined,
        objectType: r.object_type,
        privilege: r.privilege,
        grantable: r.grantable,
    }));
    const unreadable = held.unreadable.map((r) => ({
        schema: r.schema as string,
        name: r.name as string,
        sequence: r.sequence as boolean,
        owner: r.owner as string,
    }));
    const owners: NonNullable<RoleHoldings["owners"]> = { database: "", schemas: {} };
    for (const r of held.owners)
        if (r.schema === null) owners.database = r.owner;
        else owners.schemas[r.schema] = r.owner;
    const covered = new Set([...held.privileges, ...held.defaults].map((r) => r.ref as string));
    const beyondReach = describeBeyondReach(held.dependencies, covered);
    // SET ROLE needs membership, with the SET option since 16; a superuser may act as anyone.
    const actors = [
        ...new Set([
            ...privileges.map((p) => p.grantor),
            ...defaults.map((d) => d.owner),
            ...creators,
            owners.database,
            ...Object.values(owners.schemas),
            ...unreadable.map((u) => u.owner),
        ]),
    ];
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
        members,
        privileges,
        defaults,
        unreadable,
        owners,
        beyondReach,
        adminActsAs,
        adminMayAlter,
    };
}

/**
 * The dependencies on the role that the take-over does not remove: what it owns, what names it
 * otherwise (policies, initial privileges, ACL entries that PRIVILEGES and DEFAULTS did not read:
 * `covered` holds their addresses), and per other database what it owns and holds there.
 */
function describeBeyondReach(
    rows: Array<{
        deptype: string;
        catalog: string;
        shared: boolean;
        here: boolean;
        database: string | null;
        ref: string;
        type: string | null;
        identity: string | null;
    }>,
    covered: ReadonlySet<string>,
): BeyondReach[] {
    const found: BeyondReach[] = [];
    const elsewhere = new Map<string, { owns: number; holds: number }>();
    for (const r of rows) {
        if (!r.shared && !r.here) {
            const counts = elsewhere.get(r.database!) ?? { owns: 0, holds: 0 };
            counts[r.deptype === "o" ? "owns" : "holds"]++;
            elsewhere.set(r.database!, counts);
            continue;
        }
        const object = { type: r.type ?? r.catalog, identity: r.identity ?? r.ref };
        if (r.deptype === "o") found.push({ reason: "owns", ...object });
        else if (!(r.deptype === "a" && covered.has(r.ref)))
            found.push({ reason: "named", deptype: r.deptype, catalog: r.catalog, ...object });
    }
    for (const [database, counts] of elsewhere) found.push({ reason: "elsewhere", database, ...counts });
    return found;
}

/**
 * Whether Whaly's host is a standby, of which cluster, and its settings that cancel queries, in a
 * read-only session. Any server may stand at that address: the admin's credentials go there only
 * where {@link lookRefusal} allows (TLS that verifies the host), and the password only into SCRAM.
 * Throws a ConnectionError.
 */
export async function readStandbyFacts(settings: ResolvedSettings, names: SettingNames): Promise<StandbyFacts> {
    const refusal = lookRefusal(settings.host, settings.sslMode, names);
    if (refusal) throw new ConnectionError(refusal, "tls");
    const client = await connect({ ...settings, scramOnly: true }, names);
    try {
        await client.query("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY");
        const [row] = (
            await client.query(
                `SELECT pg_is_in_recovery() AS in_recovery, current_setting('hot_standby_feedback')::boolean AS feedback,
                        (SELECT setting::int FROM pg_settings WHERE name = 'max_standby_streaming_delay') AS delay_ms,
                        has_function_privilege('pg_control_system()', 'EXECUTE') AS reads_system_identifier`,
            )
        ).rows;
        return {
            inRecovery: row.in_recovery,
            systemIdentifier: await systemIdentifier(client, row.reads_system_identifier),
            hotStandbyFeedback: row.feedback,
            maxStandbyStreamingDelayMs: row.delay_ms,
        };
    } finally {
        await client.end();
    }
}
