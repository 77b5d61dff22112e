/**
 * The audit's verdict on every major from 12 to 18, one holding at a time: for each way a role can
 * do more than read, a fresh role with exactly that holding (and USAGE on a schema and SELECT on a
 * table) must exit 1 with `readOnly: false`, its verdict naming the holding in the text and in
 * `--json`; each holding that only reads must leave it "Verdict: read-only.". Every verdict below is
 * written by hand. Where the escalation is not obvious, the test also logs in as the role and does
 * it (or is refused). A case a major does not have is not run there: its test says so, and proves
 * the major really lacks it.
 */
import { main } from "../../audit/cli";
import { AuditReport } from "../../audit/audit";
import { POSTGRES_MAJORS, PostgresMajor, PostgresServer, startPostgres } from "../../scripts/lib/postgresServer";
import { as } from "../harness/sessions";
import { DATABASE, seedWarehouse } from "../harness/warehouse";

jest.setTimeout(120_000);

const PASSWORD = "case-Password-0123456789";
const READ_ONLY = "read-only";

interface Case {
    /** Short and unique: the role is `audit_<id>`, written `{r}` in the SQL and the names. */
    id: string;
    what: string;
    /** The first major that has it, and SQL (run by the admin) that fails on the majors before it. */
    since?: { major: PostgresMajor; absent: string };
    /** Run by the admin in the warehouse database, one statement at a time, after the role is made. */
    grant: string[] | ((major: PostgresMajor) => string[]);
    /** READ_ONLY, or what the verdict must name (each one). */
    verdict: typeof READ_ONLY | string[];
    /** Run as the role in a transaction rolled back: allowed when the verdict says NOT read-only, refused otherwise. */
    proof?: string;
    /** Polled (as the admin, a fresh connection each time) until it answers `ok` true, after grant and again after undo. */
    ready?: [string, string];
    /** Undoes what reaches beyond the role (every role would hold it), after the audit. */
    undo?: string[];
}

const tableOwnedBy = (owner: string) => [
    "CREATE TABLE sales.{r}_t (id int)",
    `ALTER TABLE sales.{r}_t OWNER TO ${owner}`,
    `GRANT USAGE ON SCHEMA sales TO ${owner}`,
];
/** A membership that gives no privileges, only SET ROLE: INHERIT FALSE from 16, the member's NOINHERIT before. */
const noInherit = (major: PostgresMajor, group: string) =>
    major >= 16 ? [`GRANT ${group} TO {r} WITH INHERIT FALSE`] : ["ALTER ROLE {r} NOINHERIT", `GRANT ${group} TO {r}`];

/** Fails (division by zero, not a refusal) unless `check` holds: proves a GRANT that only warned did nothing. */
const holds = (check: string) => `SELECT 1 / (CASE WHEN ${check} THEN 1 ELSE 0 END)`;
const absentRole = (name: string) => `SELECT '${name}'::regrole`;
const predefined = (name: string, since?: PostgresMajor, proof?: string): Case => ({
    id: name.replace(/^pg_/, ""),
    what: `member of ${name}`,
    since: since ? { major: since, absent: absentRole(name) } : undefined,
    grant: [`GRANT ${name} TO {r}`],
    verdict: [`member of ${name}`],
    proof,
});
const readingRole = (name: string, since?: PostgresMajor): Case => ({
    ...predefined(name, since),
    id: `${name.replace(/^pg_/, "")}_reads`,
    what: `member of ${name}, which only reads`,
    verdict: READ_ONLY,
});
const SINCE_15_PARAMETERS = { major: 15, absent: "SELECT 1 FROM pg_parameter_acl" } as const;
const SINCE_16_OPTIONS = { major: 16, absent: "SELECT set_option FROM pg_auth_members" } as const;
const SINCE_17_MAINTAIN = { major: 17, absent: "SELECT has_table_privilege('sales.orders', 'MAINTAIN')" } as const;

const CASES: Case[] = [
    {
        id: "clean",
        what: "the clean role: CONNECT, USAGE, SELECT, and pg_read_all_data from 14",
        grant: (major) => ["GRANT CONNECT ON DATABASE analytics TO {r}", ...(major >= 14 ? ["GRANT pg_read_all_data TO {r}"] : [])],
        verdict: READ_ONLY,
        proof: "INSERT INTO sales.orders (id, amount) VALUES (-1, 1)",
    },

    // Predefined roles that only read stay allowed.
    readingRole("pg_monitor"),
    readingRole("pg_read_all_settings"),
    readingRole("pg_read_all_stats"),
    readingRole("pg_stat_scan_tables"),
    readingRole("pg_read_all_data", 14),
    // Predefined roles that write, run programs, read the server's files, signal or maintain.
    predefined("pg_execute_server_program", undefined, "COPY (SELECT 1) TO PROGRAM 'cat > /dev/null'"),
    predefined("pg_read_server_files", undefined, "CREATE TEMPORARY TABLE v (v text); COPY v FROM 'PG_VERSION'"),
    predefined("pg_write_server_files", undefined, "COPY (SELECT 1) TO '/dev/null'"),
    predefined("pg_signal_backend"),
    predefined("pg_write_all_data", 14, "DELETE FROM sales.orders"),
    predefined("pg_checkpoint", 15, "CHECKPOINT"),
    predefined("pg_use_reserved_connections", 16),
    predefined("pg_create_subscription", 16),
    predefined("pg_maintain", 17, "LOCK TABLE sales.orders IN ACCESS EXCLUSIVE MODE"),
    predefined("pg_signal_autovacuum_worker", 18),
    {
        id: "review_copy_program",
        what: "the review's role: SELECT, pg_execute_server_program and pg_read_server_files",
        grant: ["GRANT pg_execute_server_program, pg_read_server_files TO {r}"],
        verdict: ["member of pg_execute_server_program", "member of pg_read_server_files"],
        proof: "COPY (SELECT 1) TO PROGRAM 'cat > /dev/null'",
    },
    {
        id: "program_through_group",
        what: "pg_execute_server_program through a group it belongs to",
        grant: ["CREATE ROLE {r}_group", "GRANT pg_execute_server_program TO {r}_group", "GRANT {r}_group TO {r}"],
        verdict: ["member of pg_execute_server_program", "may SET ROLE {r}_group, which holds: member of pg_execute_server_program"],
        proof: "COPY (SELECT 1) TO PROGRAM 'cat > /dev/null'",
    },

    // Memberships: every role it may SET ROLE to is audited as if it were the role.
    {
        id: "review_owner_no_inherit",
        what: "the review's role: member WITH INHERIT FALSE (NOINHERIT before 16) of the role that owns a table",
        grant: (major) => ["CREATE ROLE {r}_etl", ...tableOwnedBy("{r}_etl"), ...noInherit(major, "{r}_etl")],
        verdict: ["may SET ROLE {r}_etl, which holds:", "owner of table sales.{r}_t"],
        proof: "SET ROLE {r}_etl; DROP TABLE sales.{r}_t",
    },
    {
        id: "chain_to_writer",
        what: "SET ROLE through two memberships, the first without INHERIT, to a role with INSERT",
        grant: (major) => [
            "CREATE ROLE {r}_writer",
            "GRANT USAGE ON SCHEMA sales TO {r}_writer",
            "GRANT INSERT ON sales.orders TO {r}_writer",
            "CREATE ROLE {r}_mid",
            "GRANT {r}_writer TO {r}_mid",
            ...noInherit(major, "{r}_mid"),
        ],
        verdict: [
            "may SET ROLE {r}_writer, which holds: INSERT on sales.orders",
            "may SET ROLE {r}_mid, which holds: INSERT on sales.orders",
        ],
        proof: "SET ROLE {r}_writer; INSERT INTO sales.orders (id, amount) VALUES (-1, 1)",
    },
    {
        id: "set_createdb",
        what: "member of a role with CREATEDB",
        grant: ["CREATE ROLE {r}_creator CREATEDB", "GRANT {r}_creator TO {r}"],
        verdict: ["may SET ROLE {r}_creator, which holds: CREATEDB"],
    },
    {
        id: "set_superuser",
        what: "member of a superuser role",
        grant: ["CREATE ROLE {r}_root SUPERUSER", "GRANT {r}_root TO {r}"],
        verdict: ["may SET ROLE {r}_root, which holds: SUPERUSER"],
        proof: "SET ROLE {r}_root; COPY (SELECT 1) TO PROGRAM 'cat > /dev/null'",
    },
    {
        id: "set_grant_option",
        what: "member of a role holding a grant option",
        grant: [
            "CREATE ROLE {r}_granter",
            "GRANT USAGE ON SCHEMA sales TO {r}_granter",
            "GRANT SELECT ON sales.orders TO {r}_granter WITH GRANT OPTION",
            "GRANT {r}_granter TO {r}",
        ],
        verdict: ["may SET ROLE {r}_granter, which holds: SELECT WITH GRANT OPTION on table sales.orders"],
        proof: `SET ROLE {r}_granter; GRANT SELECT ON sales.orders TO pg_monitor; ${holds("has_table_privilege('pg_monitor', 'sales.orders', 'SELECT')")}`,
    },
    {
        id: "set_create_schema",
        what: "member of a role with CREATE on a schema",
        grant: ["CREATE ROLE {r}_maker", "GRANT CREATE ON SCHEMA sales TO {r}_maker", "GRANT {r}_maker TO {r}"],
        verdict: ["may SET ROLE {r}_maker, which holds: CREATE on schema sales"],
        proof: "SET ROLE {r}_maker; CREATE TABLE sales.{r}_made (id int)",
    },
    {
        id: "set_reader",
        what: "member of a role that only reads",
        grant: [
            "CREATE ROLE {r}_readers",
            "GRANT USAGE ON SCHEMA sales TO {r}_readers",
            "GRANT SELECT ON sales.monthly TO {r}_readers",
            "GRANT {r}_readers TO {r}",
        ],
        verdict: READ_ONLY,
    },
    {
        id: "owner_no_set_no_inherit",
        what: "member WITH SET FALSE, INHERIT FALSE of the role that owns a table",
        since: SINCE_16_OPTIONS,
        grant: ["CREATE ROLE {r}_etl", ...tableOwnedBy("{r}_etl"), "GRANT {r}_etl TO {r} WITH SET FALSE, INHERIT FALSE"],
        verdict: READ_ONLY,
        proof: "SET ROLE {r}_etl",
    },
    {
        id: "writer_no_set_inherit",
        what: "member WITH SET FALSE, INHERIT TRUE of a role with INSERT",
        since: SINCE_16_OPTIONS,
        grant: [
            "CREATE ROLE {r}_writer",
            "GRANT INSERT ON sales.orders TO {r}_writer",
            "GRANT {r}_writer TO {r} WITH SET FALSE, INHERIT TRUE",
        ],
        verdict: ["INSERT on sales.orders"],
        proof: "INSERT INTO sales.orders (id, amount) VALUES (-1, 1)",
    },
    {
        id: "admin_option",
        what: "ADMIN OPTION on a role that only reads",
        grant: (major) => [
            "CREATE ROLE {r}_readers",
            major >= 16
                ? "GRANT {r}_readers TO {r} WITH ADMIN OPTION, INHERIT FALSE, SET FALSE"
                : "GRANT {r}_readers TO {r} WITH ADMIN OPTION",
        ],
        verdict: ["ADMIN OPTION on role {r}_readers"],
        proof: `GRANT {r}_readers TO etl; ${holds("pg_has_role('etl', '{r}_readers', 'MEMBER')")}`,
    },

    // Attributes.
    ...["SUPERUSER", "CREATEDB", "CREATEROLE", "REPLICATION", "BYPASSRLS"].map((attribute): Case => ({
        id: attribute.toLowerCase(),
        what: attribute,
        grant: [`ALTER ROLE {r} ${attribute}`],
        verdict: [attribute],
    })),

    // Table, column and sequence privileges.
    ...["INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"].map((privilege): Case => ({
        id: privilege.toLowerCase(),
        what: `${privilege} on a table`,
        grant: [`GRANT ${privilege} ON sales.orders TO {r}`],
        verdict: [`${privilege} on sales.orders`],
    })),
    {
        id: "review_maintain",
        what: "the review's role: MAINTAIN on a table",
        since: SINCE_17_MAINTAIN,
        grant: ["GRANT MAINTAIN ON sales.orders TO {r}"],
        verdict: ["MAINTAIN on sales.orders"],
        proof: "LOCK TABLE sales.orders IN ACCESS EXCLUSIVE MODE",
    },
    {
        id: "maintain_matview",
        what: "MAINTAIN on a materialized view",
        since: SINCE_17_MAINTAIN,
        grant: ["GRANT MAINTAIN ON sales.monthly TO {r}"],
        verdict: ["MAINTAIN on sales.monthly"],
        proof: "REFRESH MATERIALIZED VIEW sales.monthly",
    },
    ...["INSERT", "UPDATE", "REFERENCES"].map((privilege): Case => ({
        id: `column_${privilege.toLowerCase()}`,
        what: `${privilege} on a column`,
        grant: [`GRANT ${privilege} (amount) ON sales.orders TO {r}`],
        verdict: [`${privilege} (amount) on sales.orders`],
        proof: privilege === "UPDATE" ? "UPDATE sales.orders SET amount = 0" : undefined,
    })),
    {
        id: "sequence_usage",
        what: "USAGE on a sequence",
        grant: ["GRANT USAGE ON SEQUENCE sales.invoice_no TO {r}"],
        verdict: ["USAGE on sales.invoice_no"],
        proof: "SELECT nextval('sales.invoice_no')",
    },
    {
        id: "sequence_update",
        what: "UPDATE on a sequence",
        grant: ["GRANT UPDATE ON SEQUENCE sales.invoice_no TO {r}"],
        verdict: ["UPDATE on sales.invoice_no"],
        proof: "SELECT setval('sales.invoice_no', 1000)",
    },

    // CREATE, wherever it is.
    {
        id: "create_database",
        what: "CREATE on the database",
        grant: ["GRANT CREATE ON DATABASE analytics TO {r}"],
        verdict: ["CREATE on database analytics"],
    },
    {
        id: "create_other_database",
        what: "CREATE on another database of the server",
        grant: ["GRANT CREATE ON DATABASE postgres TO {r}"],
        verdict: ["CREATE on database postgres"],
    },
    {
        id: "create_schema",
        what: "CREATE on a schema",
        grant: ["GRANT CREATE ON SCHEMA sales TO {r}"],
        verdict: ["CREATE on schema sales"],
        proof: "CREATE TABLE sales.{r}_made (id int)",
    },
    {
        id: "create_public_through_public",
        what: "CREATE on schema public through PUBLIC (the default before 15)",
        grant: ["GRANT USAGE, CREATE ON SCHEMA public TO PUBLIC"],
        verdict: ["CREATE on schema public"],
        proof: "CREATE TABLE public.{r}_made (id int)",
        undo: ["REVOKE CREATE ON SCHEMA public FROM PUBLIC"],
    },
    {
        id: "temporary",
        what: "TEMPORARY on the database, given to the role",
        grant: ["GRANT TEMPORARY ON DATABASE analytics TO {r}"],
        verdict: READ_ONLY,
    },
    {
        id: "create_tablespace",
        what: "CREATE on a tablespace",
        grant: ["GRANT CREATE ON TABLESPACE pg_default TO {r}"],
        verdict: ["CREATE on tablespace pg_default"],
    },

    // Parameters.
    {
        id: "set_parameter",
        what: "SET on a parameter only a superuser may set",
        since: SINCE_15_PARAMETERS,
        grant: ["GRANT SET ON PARAMETER session_replication_role TO {r}"],
        verdict: ["SET on parameter session_replication_role"],
        proof: "SET session_replication_role = replica",
    },
    {
        id: "alter_system",
        what: "ALTER SYSTEM on a parameter",
        since: SINCE_15_PARAMETERS,
        grant: ["GRANT ALTER SYSTEM ON PARAMETER work_mem TO {r}"],
        verdict: ["ALTER SYSTEM on parameter work_mem"],
    },
    {
        id: "set_user_parameter",
        what: "SET on a parameter every role may set",
        since: SINCE_15_PARAMETERS,
        grant: ["GRANT SET ON PARAMETER work_mem TO {r}"],
        verdict: READ_ONLY,
    },

    // Functions, foreign data, languages, types, large objects.
    {
        id: "execute",
        what: "EXECUTE on a function PUBLIC may not run",
        grant: [
            "CREATE FUNCTION sales.{r}_f() RETURNS int LANGUAGE sql AS 'SELECT 1'",
            "REVOKE EXECUTE ON FUNCTION sales.{r}_f() FROM PUBLIC",
            "GRANT EXECUTE ON FUNCTION sales.{r}_f() TO {r}",
        ],
        verdict: ["EXECUTE on function sales.{r}_f()"],
    },
    {
        id: "security_definer",
        what: "EXECUTE, through PUBLIC, on a SECURITY DEFINER function that writes",
        grant: ["CREATE FUNCTION sales.{r}_definer() RETURNS void LANGUAGE sql SECURITY DEFINER AS 'DELETE FROM sales.orders'"],
        verdict: ["EXECUTE on function sales.{r}_definer() (SECURITY DEFINER"],
        proof: "SELECT sales.{r}_definer()",
        undo: ["DROP FUNCTION sales.{r}_definer()"],
    },
    {
        id: "fdw_usage",
        what: "USAGE on a foreign-data wrapper",
        grant: ["CREATE FOREIGN DATA WRAPPER {r}_fdw", "GRANT USAGE ON FOREIGN DATA WRAPPER {r}_fdw TO {r}"],
        verdict: ["USAGE on foreign-data wrapper {r}_fdw"],
        proof: "CREATE SERVER {r}_made FOREIGN DATA WRAPPER {r}_fdw",
    },
    {
        id: "server_usage",
        what: "USAGE on a foreign server",
        grant: [
            "CREATE FOREIGN DATA WRAPPER {r}_fdw",
            "CREATE SERVER {r}_srv FOREIGN DATA WRAPPER {r}_fdw",
            "GRANT USAGE ON FOREIGN SERVER {r}_srv TO {r}",
        ],
        verdict: ["USAGE on foreign server {r}_srv"],
        proof: "CREATE USER MAPPING FOR {r} SERVER {r}_srv",
    },
    { id: "language_usage", what: "USAGE on a trusted language", grant: ["GRANT USAGE ON LANGUAGE plpgsql TO {r}"], verdict: READ_ONLY },
    {
        id: "type_usage",
        what: "USAGE on a type",
        grant: ["CREATE TYPE sales.{r}_e AS ENUM ('a')", "GRANT USAGE ON TYPE sales.{r}_e TO {r}"],
        verdict: READ_ONLY,
    },
    {
        id: "large_object_update",
        what: "UPDATE on a large object",
        grant: ["SELECT lo_create(4201)", "GRANT SELECT, UPDATE ON LARGE OBJECT 4201 TO {r}"],
        verdict: ["UPDATE on large object 4201"],
        proof: "SELECT lo_put(4201, 0, 'x')",
    },
    {
        id: "lo_compat_privileges",
        what: "lo_compat_privileges on: every role may write every large object",
        grant: ["SELECT lo_create(4202)", "ALTER SYSTEM SET lo_compat_privileges = on", "SELECT pg_reload_conf()"],
        ready: [
            "SELECT current_setting('lo_compat_privileges') = 'on' AS ok",
            "SELECT current_setting('lo_compat_privileges') = 'off' AS ok",
        ],
        verdict: ["UPDATE on every large object (lo_compat_privileges is on)"],
        proof: "SELECT lo_put(4202, 0, 'x')",
        undo: ["ALTER SYSTEM RESET lo_compat_privileges", "SELECT pg_reload_conf()"],
    },

    // Ownership.
    {
        id: "owns_table",
        what: "owner of a table",
        grant: tableOwnedBy("{r}"),
        verdict: ["owner of table sales.{r}_t"],
        proof: "DROP TABLE sales.{r}_t",
    },
    { id: "owns_schema", what: "owner of a schema", grant: ["CREATE SCHEMA {r}_s AUTHORIZATION {r}"], verdict: ["owner of schema {r}_s"] },
    {
        id: "owns_function",
        what: "owner of a function",
        grant: ["CREATE FUNCTION sales.{r}_f() RETURNS int LANGUAGE sql AS 'SELECT 1'", "ALTER FUNCTION sales.{r}_f() OWNER TO {r}"],
        verdict: ["owner of function sales.{r}_f()"],
    },
    {
        id: "owns_type",
        what: "owner of a type",
        grant: ["CREATE TYPE sales.{r}_e AS ENUM ('a')", "ALTER TYPE sales.{r}_e OWNER TO {r}"],
        verdict: ["owner of type sales.{r}_e"],
    },
    {
        id: "owns_large_object",
        what: "owner of a large object",
        grant: ["SELECT lo_create(4203)", "ALTER LARGE OBJECT 4203 OWNER TO {r}"],
        verdict: ["owner of large object 4203"],
    },
    {
        id: "owns_the_database",
        what: "owner of the database itself",
        grant: ["ALTER DATABASE analytics OWNER TO {r}"],
        verdict: ["owner of database analytics"],
        undo: ["ALTER DATABASE analytics OWNER TO postgres"],
    },
    {
        id: "owns_other_database",
        what: "owner of another database of the server",
        grant: ["CREATE DATABASE {r}_db OWNER {r}"],
        verdict: ["owner of database {r}_db"],
    },

    // Default privileges and grant options.
    {
        id: "default_insert",
        what: "default INSERT on the tables a creator makes",
        grant: ["ALTER DEFAULT PRIVILEGES FOR ROLE etl IN SCHEMA sales GRANT INSERT ON TABLES TO {r}"],
        verdict: ["INSERT on tables that etl creates in schema sales"],
    },
    {
        id: "grant_option_table",
        what: "SELECT WITH GRANT OPTION on a table",
        grant: ["GRANT SELECT ON sales.orders TO {r} WITH GRANT OPTION"],
        verdict: ["SELECT WITH GRANT OPTION on table sales.orders"],
        proof: `GRANT SELECT ON sales.orders TO pg_monitor; ${holds("has_table_privilege('pg_monitor', 'sales.orders', 'SELECT')")}`,
    },
    {
        id: "grant_option_schema",
        what: "USAGE WITH GRANT OPTION on a schema",
        grant: ["GRANT USAGE ON SCHEMA sales TO {r} WITH GRANT OPTION"],
        verdict: ["USAGE WITH GRANT OPTION on schema sales"],
        proof: `GRANT USAGE ON SCHEMA sales TO pg_monitor; ${holds("has_schema_privilege('pg_monitor', 'sales', 'USAGE')")}`,
    },

    {
        id: "clean_again",
        what: "the clean role again, after every case above is undone",
        grant: (major) => ["GRANT CONNECT ON DATABASE analytics TO {r}", ...(major >= 14 ? ["GRANT pg_read_all_data TO {r}"] : [])],
        verdict: READ_ONLY,
    },
];

/** Case id -> major -> the verdict seen (or why it was not run), printed once every major has run. */
const matrix = new Map<string, Map<PostgresMajor, string>>(CASES.map((c) => [c.id, new Map()]));

afterAll(() => {
    const width = Math.max(...CASES.map((c) => c.id.length));
    const lines = [`${"case".padEnd(width)}  ${POSTGRES_MAJORS.map((m) => String(m).padEnd(13)).join(" ")}`];
    for (const c of CASES)
        lines.push(`${c.id.padEnd(width)}  ${POSTGRES_MAJORS.map((m) => (matrix.get(c.id)?.get(m) ?? "?").padEnd(13)).join(" ")}`);
    const run = (m: PostgresMajor) => CASES.filter((c) => !c.since || m >= c.since.major).length;
    lines.push(`${"cases run".padEnd(width)}  ${POSTGRES_MAJORS.map((m) => String(run(m)).padEnd(13)).join(" ")}`);
    console.log(`The audit's verdicts, case by major:\n${lines.join("\n")}`);
});

/** Runs the CLI in this process; returns its exit code and what it printed. */
async function audit(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = "";
    let err = "";
    const code = await main(["audit", ...argv], { out: (t) => (out += t), err: (t) => (err += t), env: {} });
    return { code, out, err };
}

async function until(server: PostgresServer, sql: string): Promise<void> {
    for (let i = 0; i < 100; i++) {
        const [row] = await server.query<{ ok: boolean }>(sql, { database: DATABASE });
        if (row.ok) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`never true: ${sql}`);
}

describe.each(POSTGRES_MAJORS)("PostgreSQL %i: the audit's verdict, one holding at a time", (major) => {
    let server: PostgresServer;
    let url: string;

    beforeAll(async () => {
        server = await startPostgres(major);
        await seedWarehouse(server);
        // Before 15, PUBLIC may create in schema public: every role would be NOT read-only (a case below proves it).
        if (major < 15) await server.query("REVOKE CREATE ON SCHEMA public FROM PUBLIC", { database: DATABASE });
        url = `postgresql://postgres:${encodeURIComponent(server.adminPassword)}@127.0.0.1:${server.port}/${DATABASE}?sslmode=disable`;
    });
    afterAll(() => server?.stop());

    for (const c of CASES) {
        const role = `audit_${c.id}`;
        const fill = (text: string) => text.replace(/\{r\}/g, role);
        if (c.since && major < c.since.major) {
            it(`${c.what}: not run, PostgreSQL ${major} has none of it (from ${c.since.major} on)`, async () => {
                matrix.get(c.id)?.set(major, "not run");
                await expect(server.query(c.since!.absent, { database: DATABASE })).rejects.toThrow(
                    /does not exist|unrecognized privilege type/,
                );
            });
            continue;
        }
        const expected = c.verdict === READ_ONLY ? "read-only" : `NOT read-only, naming ${c.verdict.map(fill).join("; ")}`;
        it(`${c.what}: ${expected}`, async () => {
            const grants = typeof c.grant === "function" ? c.grant(major) : c.grant;
            for (const sql of [
                `CREATE ROLE ${role} LOGIN PASSWORD '${PASSWORD}'`,
                `GRANT USAGE ON SCHEMA sales TO ${role}`,
                `GRANT SELECT ON sales.orders TO ${role}`,
                ...grants.map(fill),
            ])
                await server.query(sql, { database: DATABASE });
            if (c.ready) await until(server, c.ready[0]);
            try {
                const text = await audit(url, "--role", role);
                const report: AuditReport = JSON.parse((await audit(url, "--role", role, "--json")).out);
                matrix.get(c.id)?.set(major, report.readOnly ? "read-only" : "NOT read-only");
                const verdict = text.out.split("\n").find((line) => line.startsWith("Verdict: ")) ?? "";
                if (c.verdict === READ_ONLY) {
                    expect([text.code, verdict, report.readOnly, report.reasons]).toEqual([0, "Verdict: read-only.", true, []]);
                } else {
                    expect([text.code, report.readOnly]).toEqual([1, false]);
                    for (const named of c.verdict.map(fill)) {
                        expect(verdict).toContain(named);
                        expect(report.reasons.filter((reason) => reason.includes(named))).not.toEqual([]);
                    }
                }
                if (c.proof)
                    expect([c.proof, await as(server, DATABASE, role, PASSWORD, (s) => s.can(fill(c.proof!)))]).toEqual([
                        c.proof,
                        c.verdict !== READ_ONLY,
                    ]);
            } finally {
                for (const sql of c.undo ?? []) await server.query(fill(sql), { database: DATABASE });
                if (c.ready) await until(server, c.ready[1]);
            }
        });
    }
});
