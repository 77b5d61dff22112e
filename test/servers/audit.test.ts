/**
 * `whaly-postgres audit` against real servers: the role the component makes passes; each of a
 * dozen hand-made escalations is reported and fails it (auditMatrix.test.ts has every kind, on
 * every major); a wrong password, a closed port, an unknown role or an argument it does not take
 * gives one clear line and exit 2, never a stack trace, a password, or what the argument says.
 */
import { randomBytes } from "node:crypto";
import { main } from "../../audit/cli";
import { AuditReport } from "../../audit/audit";
import { scramVerifier } from "../../components/plan/scram";
import { renderAccessStatements } from "../../components/plan/sql";
import { applyStatements } from "../harness/applySql";
import { NEWEST_MAJOR, PostgresServer, startPostgres } from "../../scripts/lib/postgresServer";
import { DATABASE, seedWarehouse } from "../harness/warehouse";

jest.setTimeout(120_000);

/** Runs the CLI in this process; returns its exit code and what it printed. */
async function audit(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = "";
    let err = "";
    const code = await main(["audit", ...argv], { out: (t) => (out += t), err: (t) => (err += t), env: {} });
    return { code, out, err };
}

async function grantRead(server: PostgresServer): Promise<void> {
    const sql = renderAccessStatements(
        { database: DATABASE, schemas: ["public", "sales"], tableCreators: ["etl"] },
        { password: scramVerifier("bi-password-0123456789", randomBytes(16)) },
    );
    await applyStatements(server, DATABASE, sql);
}

describe(`PostgreSQL ${NEWEST_MAJOR}: whaly-postgres audit`, () => {
    let server: PostgresServer;
    let url: string;

    beforeAll(async () => {
        server = await startPostgres(NEWEST_MAJOR);
        await seedWarehouse(server);
        await grantRead(server);
        url = `postgresql://postgres:${encodeURIComponent(server.adminPassword)}@127.0.0.1:${server.port}/${DATABASE}?sslmode=disable`;
    });
    afterAll(() => server?.stop());

    it("passes the role the component makes, and tells what it reads, per schema", async () => {
        const { code, out, err } = await audit(url);
        expect([code, err]).toEqual([0, ""]);
        expect(out).toContain("Role whaly_bi in database analytics");
        expect(out).toMatch(/schemas \(USAGE\) public, sales/);
        expect(out).toMatch(/sales\s+1\s+1\s+1\s+2/); // orders; order_totals; monthly; orders_id_seq and invoice_no
        expect(out).toContain("TEMPORARY on database analytics (temporary objects only; not counted)");
        expect(out).toContain("SELECT on tables that etl creates in schema sales");
        expect(out).toContain("Future schemas (readable the moment they exist):\n  (none)\n");
        expect(out).toContain("Verdict: read-only.");
        expect(out).not.toContain("sales.orders"); // names only with --verbose
        expect((await audit(url, "--verbose")).out).toContain("      sales.orders");
    });

    it("--json gives the same facts for machines", async () => {
        const { code, out } = await audit(url, "--json");
        const report: AuditReport = JSON.parse(out);
        expect(code).toBe(0);
        expect(report).toMatchObject({ role: "whaly_bi", readOnly: true, extraAttributes: [], memberOf: [], schemas: ["public", "sales"] });
        expect(report.readable.find((r) => r.schema === "sales")?.tables).toEqual(["sales.orders"]);
    });

    const escalations: Array<[string, string, string]> = [
        ["ALTER ROLE whaly_bi SUPERUSER", "ALTER ROLE whaly_bi NOSUPERUSER", "SUPERUSER"],
        ["ALTER ROLE whaly_bi CREATEDB", "ALTER ROLE whaly_bi NOCREATEDB", "CREATEDB"],
        ["ALTER ROLE whaly_bi CREATEROLE", "ALTER ROLE whaly_bi NOCREATEROLE", "CREATEROLE"],
        ["ALTER ROLE whaly_bi REPLICATION", "ALTER ROLE whaly_bi NOREPLICATION", "REPLICATION"],
        ["ALTER ROLE whaly_bi BYPASSRLS", "ALTER ROLE whaly_bi NOBYPASSRLS", "BYPASSRLS"],
        ...["INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"].map((p): [string, string, string] => [
            `GRANT ${p} ON sales.orders TO whaly_bi`,
            `REVOKE ${p} ON sales.orders FROM whaly_bi`,
            `${p} on sales.orders`,
        ]),
        ["GRANT CREATE ON SCHEMA sales TO whaly_bi", "REVOKE CREATE ON SCHEMA sales FROM whaly_bi", "CREATE on schema sales"],
        [
            "GRANT CREATE ON DATABASE analytics TO whaly_bi",
            "REVOKE CREATE ON DATABASE analytics FROM whaly_bi",
            "CREATE on database analytics",
        ],
        [
            "GRANT USAGE ON SEQUENCE sales.invoice_no TO whaly_bi",
            "REVOKE USAGE ON SEQUENCE sales.invoice_no FROM whaly_bi",
            "USAGE on sales.invoice_no",
        ],
        [
            "GRANT UPDATE ON SEQUENCE sales.invoice_no TO whaly_bi",
            "REVOKE UPDATE ON SEQUENCE sales.invoice_no FROM whaly_bi",
            "UPDATE on sales.invoice_no",
        ],
        [
            "CREATE FUNCTION sales.bump() RETURNS int LANGUAGE sql AS 'SELECT 1'; REVOKE EXECUTE ON FUNCTION sales.bump() FROM PUBLIC; GRANT EXECUTE ON FUNCTION sales.bump() TO whaly_bi",
            "DROP FUNCTION sales.bump()",
            "EXECUTE on function sales.bump()",
        ],
        ["GRANT pg_write_all_data TO whaly_bi", "REVOKE pg_write_all_data FROM whaly_bi", "INSERT on public.customers"],
        [
            "GRANT etl TO whaly_bi; ALTER TABLE sales.orders OWNER TO etl",
            "REVOKE etl FROM whaly_bi; ALTER TABLE sales.orders OWNER TO postgres",
            "DELETE on sales.orders",
        ],
    ];

    it.each(escalations)("reports %s and fails", async (escalate, revert, reported) => {
        await server.query(escalate, { database: DATABASE });
        try {
            const { code, out } = await audit(url);
            expect(code).toBe(1);
            expect(out).toContain("Verdict: NOT read-only");
            expect(out).toContain(reported);
        } finally {
            await server.query(revert, { database: DATABASE });
        }
        expect((await audit(url)).code).toBe(0);
    });

    it("reports future coverage: the owners whose new schemas it may use and whose new tables there it may read, to it, a group of it or PUBLIC", async () => {
        const owners = async () => (JSON.parse((await audit(url, "--json")).out) as AuditReport).futureSchemaOwners;
        const steps: Array<[string, string[]]> = [
            // Default USAGE on schemas alone reads nothing: the tables made there are not readable.
            ["ALTER DEFAULT PRIVILEGES FOR ROLE etl GRANT USAGE ON SCHEMAS TO whaly_bi", []],
            ["ALTER DEFAULT PRIVILEGES FOR ROLE etl GRANT SELECT ON TABLES TO whaly_bi", ["etl"]],
            // Through a group of the role, or PUBLIC, as PostgreSQL decides.
            [
                "CREATE ROLE bi_readers; GRANT bi_readers TO whaly_bi; ALTER DEFAULT PRIVILEGES FOR ROLE dbt GRANT USAGE ON SCHEMAS TO bi_readers; ALTER DEFAULT PRIVILEGES FOR ROLE dbt GRANT SELECT ON TABLES TO PUBLIC",
                ["dbt", "etl"],
            ],
            // Per-schema defaults cannot reach a schema that does not exist yet.
            [
                "ALTER DEFAULT PRIVILEGES FOR ROLE intruder IN SCHEMA sales GRANT SELECT ON TABLES TO whaly_bi; ALTER DEFAULT PRIVILEGES FOR ROLE intruder GRANT USAGE ON SCHEMAS TO whaly_bi",
                ["dbt", "etl"],
            ],
        ];
        try {
            for (const [sql, expected] of steps) {
                await server.query(sql, { database: DATABASE });
                expect([sql, await owners()]).toEqual([sql, expected]);
            }
            const { code, out } = await audit(url);
            expect(code).toBe(0);
            expect(out).toContain(
                "Future schemas (readable the moment they exist):\n  the schemas dbt creates, with the tables dbt creates in them\n  the schemas etl creates, with the tables etl creates in them\n",
            );
            expect(out).toContain("USAGE on schemas that etl creates\n");
        } finally {
            await server.query(
                `ALTER DEFAULT PRIVILEGES FOR ROLE etl REVOKE ALL ON SCHEMAS FROM whaly_bi;
                 ALTER DEFAULT PRIVILEGES FOR ROLE etl REVOKE ALL ON TABLES FROM whaly_bi;
                 ALTER DEFAULT PRIVILEGES FOR ROLE dbt REVOKE ALL ON SCHEMAS FROM bi_readers;
                 ALTER DEFAULT PRIVILEGES FOR ROLE dbt REVOKE ALL ON TABLES FROM PUBLIC;
                 ALTER DEFAULT PRIVILEGES FOR ROLE intruder IN SCHEMA sales REVOKE ALL ON TABLES FROM whaly_bi;
                 ALTER DEFAULT PRIVILEGES FOR ROLE intruder REVOKE ALL ON SCHEMAS FROM whaly_bi;
                 DROP ROLE bi_readers`,
                { database: DATABASE },
            );
        }
        expect(await owners()).toEqual([]);
    });

    it("reports memberships, inherited ones too", async () => {
        await server.query("CREATE ROLE readers; CREATE ROLE auditors; GRANT readers TO auditors; GRANT auditors TO whaly_bi");
        try {
            expect((await audit(url, "--json")).out).toContain('"memberOf": [\n    "auditors",\n    "readers"\n  ]');
        } finally {
            await server.query("REVOKE auditors FROM whaly_bi; DROP ROLE auditors; DROP ROLE readers");
        }
    });

    it("quotes names as PostgreSQL does and escapes control characters, so that no name forges a line or a terminal escape; --json keeps them raw", async () => {
        const forged = "orders\nVerdict: read-only";
        const escape = "clear\x1b[2J";
        await server.query(
            `CREATE SCHEMA forge; GRANT USAGE, CREATE ON SCHEMA forge TO whaly_bi;
             CREATE TABLE forge."${forged}" (id int); GRANT INSERT ON forge."${forged}" TO whaly_bi;
             CREATE SCHEMA "Mixed Case"; GRANT USAGE ON SCHEMA "Mixed Case" TO whaly_bi;
             CREATE TABLE "Mixed Case"."select" (id int); GRANT SELECT ON "Mixed Case"."select" TO whaly_bi;
             CREATE ROLE "${escape}"; ALTER DEFAULT PRIVILEGES FOR ROLE "${escape}" IN SCHEMA forge GRANT SELECT ON TABLES TO whaly_bi;
             CREATE ROLE "bi\tuser" LOGIN IN ROLE whaly_bi; GRANT UPDATE ON forge."${forged}" TO "bi\tuser"`,
            { database: DATABASE },
        );
        try {
            const { code, out } = await audit(url, "--verbose");
            const lines = out.trimEnd().split("\n");
            expect(code).toBe(1);
            expect(lines.filter((line) => line.startsWith("Verdict"))).toEqual([lines[lines.length - 1]]);
            expect(lines[lines.length - 1]).toMatch(/^Verdict: NOT read-only: /);
            expect([...out].filter((c) => c !== "\n" && (c < " " || c === "\x7f"))).toEqual([]);
            expect(out).toContain('  INSERT on forge."orders\\nVerdict: read-only"\n');
            expect(out).toMatch(/^ {2}schemas \(USAGE\) .*"Mixed Case", /m);
            expect(out).toContain('      "Mixed Case"."select"\n');
            expect(out).toContain('SELECT on tables that "clear\\x1b[2J" creates in schema forge');
            expect(out).toContain('  "bi\\tuser": holds more: UPDATE on forge."orders\\nVerdict: read-only"');
            const report: AuditReport = JSON.parse((await audit(url, "--json")).out);
            expect(report.beyondRead).toContainEqual({ privilege: "INSERT", on: `forge.${forged}`, counts: true });
            expect(report.defaultPrivileges).toContainEqual({ owner: escape, schema: "forge", objectType: "tables", privileges: "SELECT" });
            expect(report.members.map((m) => [m.name, m.holdsMore[0]])).toEqual([["bi\tuser", `UPDATE on forge.${forged}`]]);
        } finally {
            await server.query(
                `DROP SCHEMA forge CASCADE; DROP SCHEMA "Mixed Case" CASCADE;
                 DROP OWNED BY "${escape}"; DROP ROLE "${escape}"; DROP ROLE "bi\tuser"`,
                { database: DATABASE },
            );
        }
        expect((await audit(url)).code).toBe(0);
    });

    it("tells a member's privilege from its group's by the object, not by how their names read: a schema named x.y is no sequence y of schema \"schema x\"", async () => {
        await server.query(
            `CREATE ROLE grp NOLOGIN; CREATE ROLE grp_a LOGIN PASSWORD 'p-123456789' IN ROLE grp;
             GRANT USAGE ON SCHEMA sales TO grp; GRANT SELECT ON ALL TABLES IN SCHEMA sales TO grp;
             CREATE SCHEMA "x.y"; GRANT USAGE ON SCHEMA "x.y" TO grp;
             CREATE SCHEMA "schema x"; CREATE SEQUENCE "schema x".y; GRANT USAGE ON SCHEMA "schema x" TO grp;
             GRANT USAGE ON SCHEMA "schema x" TO grp_a; GRANT USAGE ON SEQUENCE "schema x".y TO grp_a`,
            { database: DATABASE },
        );
        try {
            const { code, out } = await audit(url, "--role", "grp");
            expect(code).toBe(1);
            expect(out).toContain('  grp_a: holds more: USAGE on "schema x".y\n');
            expect(out).toMatch(/Verdict: NOT read-only: member grp_a holds more than grp\.\n$/);
        } finally {
            await server.query(
                `DROP SCHEMA "x.y"; DROP SCHEMA "schema x" CASCADE; DROP OWNED BY grp_a, grp; DROP ROLE grp_a; DROP ROLE grp`,
                { database: DATABASE },
            );
        }
    });

    it("a member that reads more than its group (a column of a table the group cannot read, tables a creator makes later) makes the group NOT read-only", async () => {
        await server.query(
            `CREATE ROLE grp2 NOLOGIN; CREATE ROLE grp2_a LOGIN PASSWORD 'p-123456789' IN ROLE grp2;
             GRANT USAGE ON SCHEMA sales TO grp2; GRANT SELECT ON sales.orders TO grp2;
             GRANT USAGE ON SCHEMA secret TO grp2_a; GRANT SELECT (id) ON secret.salaries TO grp2_a;
             ALTER DEFAULT PRIVILEGES FOR ROLE etl IN SCHEMA sales GRANT SELECT ON TABLES TO grp2_a`,
            { database: DATABASE },
        );
        try {
            const { code, out } = await audit(url, "--role", "grp2");
            expect(code).toBe(1);
            expect(out).toContain("  grp2_a: holds more: ");
            expect(out).toContain("SELECT on secret.salaries (id)");
            expect(out).toContain("SELECT on tables that etl creates in schema sales");
            expect(out).toMatch(/Verdict: NOT read-only: member grp2_a holds more than grp2\.\n$/);
            // The member itself reads that column: the report says so.
            const member = JSON.parse((await audit(url, "--role", "grp2_a", "--json")).out) as AuditReport;
            expect(member.readableColumns).toEqual(["secret.salaries (id)"]);
        } finally {
            await server.query(
                `ALTER DEFAULT PRIVILEGES FOR ROLE etl IN SCHEMA sales REVOKE SELECT ON TABLES FROM grp2_a;
                 DROP OWNED BY grp2_a, grp2; DROP ROLE grp2_a; DROP ROLE grp2`,
                { database: DATABASE },
            );
        }
    });

    it("a member of a group that owns a table holds nothing more than the group through it: no reason of its own", async () => {
        await server.query(
            `CREATE ROLE grp3 NOLOGIN; CREATE ROLE grp3_a LOGIN PASSWORD 'p-123456789' IN ROLE grp3;
             CREATE TABLE sales.grp3_owned (id int); ALTER TABLE sales.grp3_owned OWNER TO grp3`,
            { database: DATABASE },
        );
        try {
            const { code, out } = await audit(url, "--role", "grp3");
            expect(code).toBe(1);
            expect(out).toContain("  grp3_a: nothing more\n");
            expect(out).not.toContain("member grp3_a holds more");
        } finally {
            await server.query(`DROP TABLE sales.grp3_owned; DROP OWNED BY grp3_a, grp3; DROP ROLE grp3_a; DROP ROLE grp3`, {
                database: DATABASE,
            });
        }
    });

    it("a wrong password, a closed port or an unknown role: one line, exit 2, no stack trace, no password", async () => {
        const wrong = url.replace(encodeURIComponent(server.adminPassword), "not-the-password-42");
        const cases: Array<[string[], string]> = [
            [[wrong], 'password authentication failed for user "postgres"'],
            [[`postgresql://postgres:secret-pw-77@127.0.0.1:1/${DATABASE}?sslmode=disable`], "ECONNREFUSED"],
            [[url, "--role", "nobody"], 'role "nobody" does not exist'],
            [["--bogus"], "unknown argument"],
        ];
        for (const [argv, says] of cases) {
            const { code, out, err } = await audit(...argv);
            expect([code, out]).toEqual([2, ""]);
            expect(err).toContain(says);
            expect(err.trim().split("\n").length).toBeLessThanOrEqual(2);
            expect(err).not.toMatch(/\n\s+at /);
            for (const secret of ["not-the-password-42", "secret-pw-77", server.adminPassword]) expect(err).not.toContain(secret);
        }
    });

    it("an argument it does not take, or a connection string it cannot read, is named by position and shape, never by what it says", async () => {
        const secret = "Hunter2-secret";
        const cases: Array<[string[], string]> = [
            [[url, `postgresql://postgres:${secret}@db.internal/analytics`], "argument 2 (a second connection string)"],
            [[url, "--role", "whaly_bi", `password=${secret} host=db.internal`], "argument 4 (a second connection string)"],
            [[url, `--password=${secret}`], "argument 2 (--password)"],
            [[url, `--${secret}`], "argument 2 (an option)"],
            [[url, "--host", "db.internal"], "argument 2 (--host)"],
            [[url, "--role"], "--role needs a value"],
            [
                [url, "--role", `postgresql://postgres:${secret}@db.internal/analytics`],
                "--role: give the role's name, not a connection string",
            ],
            [[`host=127.0.0.1 ${secret}`], "connection string"],
            [[`postgresql://postgres@127.0.0.1/${DATABASE}?sslmode=disable&${secret}`], "connection URI"],
            [[`host=127.0.0.1 port=${secret}`], "the port (connection string or PGPORT)"],
            [[`host=127.0.0.1 sslmode=${secret}`], "sslmode (connection string or PGSSLMODE)"],
            [[`host=127.0.0.1 connect_timeout=${secret}`], "connect_timeout (connection string or PGCONNECT_TIMEOUT)"],
        ];
        for (const [argv, says] of cases) {
            const { code, out, err } = await audit(...argv);
            expect([argv, code, out]).toEqual([argv, 2, ""]);
            expect(err).toContain(says);
            expect(err.toLowerCase()).not.toContain(secret.toLowerCase());
            expect(err).not.toContain(server.adminPassword);
        }
    });
});
