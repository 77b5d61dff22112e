/**
 * Reads what the preflight needs in one session of a few catalog queries, connected as libpq
 * would with the settings of the admin or the provider (components/libpq.ts), so the check
 * reaches the server the provider will; and, read-only with the same credentials, what Whaly's
 * host says of itself when it is another server (a replica).
 */
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

/** The facts, and the schemas that exist. Throws a ConnectionError naming the setting to change when it cannot connect. */
export async function readServerFacts(
    settings: ResolvedSettings,
    names: SettingNames,
    schemas: string[],
    roleNames: string[],
    biRole: string,
): Promise<{ existingSchemas: string[]; server: ServerFacts }> {
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
        const roles: Record<string, RoleFacts> = {};
        for (const row of (await client.query(rolesQuery(admin.version_num >= 160000), [named])).rows)
            roles[row.name] = {
                superuser: row.superuser,
                adminHoldsAdminOption: row.admin_option,
                adminIsMember: row.member,
                canLogin: row.can_login,
                memberOf: row.member_of,
            };
        return {
            existingSchemas,
            server: {
                systemIdentifier: await systemIdentifier(client),
                versionNum: admin.version_num,
                inRecovery: admin.in_recovery,
                admin: { name: admin.name, superuser: admin.superuser, createRole: admin.create_role },
                roles,
                ownersBySchema,
                creatorsBySchema,
            },
        };
    } finally {
        await client.end();
    }
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
