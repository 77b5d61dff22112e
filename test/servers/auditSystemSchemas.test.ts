/**
 * The audit reads EXECUTE and table privileges in pg_catalog and information_schema too: a grant
 * there (a file-reading or file-writing function PUBLIC may not run, INSERT on an
 * information_schema table) makes the verdict NOT read-only, as the role, logged in, really does it.
 */
import { main } from "../../audit/cli";
import { AuditReport } from "../../audit/audit";
import { PostgresMajor, PostgresServer, startPostgres } from "../../scripts/lib/postgresServer";
import { as } from "../harness/sessions";
import { DATABASE, seedWarehouse } from "../harness/warehouse";

jest.setTimeout(120_000);

const PASSWORD = "review-Password-0123456789";

async function audit(url: string, role: string): Promise<AuditReport> {
    let out = "";
    let err = "";
    await main(["audit", url, "--role", role, "--json"], { out: (t) => (out += t), err: (t) => (err += t), env: {} });
    if (!out) throw new Error(err);
    return JSON.parse(out) as AuditReport;
}

describe.each([12, 18] as PostgresMajor[])("PostgreSQL %i: grants in the system schemas", (major) => {
    let server: PostgresServer;
    let url: string;
    beforeAll(async () => {
        server = await startPostgres(major);
        await seedWarehouse(server);
        if (major < 15) await server.query("REVOKE CREATE ON SCHEMA public FROM PUBLIC", { database: DATABASE });
        url = `postgresql://postgres:${encodeURIComponent(server.adminPassword)}@127.0.0.1:${server.port}/${DATABASE}?sslmode=disable`;
    });
    afterAll(() => server?.stop());

    const cases: Array<{ id: string; grant: string; proof: string }> = [
        {
            id: "read_file",
            grant: "GRANT EXECUTE ON FUNCTION pg_catalog.pg_read_file(text) TO {r}",
            proof: "SELECT pg_catalog.pg_read_file('PG_VERSION')",
        },
        {
            id: "lo_export",
            grant: "GRANT EXECUTE ON FUNCTION pg_catalog.lo_export(oid, text) TO {r}",
            proof: "SELECT pg_catalog.lo_from_bytea(4301, 'x'); SELECT pg_catalog.lo_export(4301, '/dev/null')",
        },
        {
            id: "info_schema_insert",
            grant: "GRANT INSERT ON information_schema.sql_features TO {r}",
            proof: "INSERT INTO information_schema.sql_features (feature_id) VALUES ('x')",
        },
    ];
    for (const c of cases) {
        it(`${c.id}: the role does it, and the verdict is NOT read-only`, async () => {
            const role = `review_${c.id}`;
            await server.query(`CREATE ROLE ${role} LOGIN PASSWORD '${PASSWORD}'`, { database: DATABASE });
            await server.query(c.grant.replace("{r}", role), { database: DATABASE });
            const allowed = await as(server, DATABASE, role, PASSWORD, (s) => s.can(c.proof));
            const report = await audit(url, role);
            expect({ allowed, readOnly: report.readOnly, reasons: report.reasons }).toEqual({
                allowed: true,
                readOnly: false,
                reasons: expect.arrayContaining([expect.any(String)]),
            });
        });
    }

    if (major >= 18)
        it("default privileges on large objects are told as large objects, not schemas", async () => {
            const role = "review_lo_default";
            await server.query(`CREATE ROLE ${role} LOGIN PASSWORD '${PASSWORD}'`, { database: DATABASE });
            await server.query(`ALTER DEFAULT PRIVILEGES FOR ROLE etl GRANT SELECT ON LARGE OBJECTS TO ${role}`, { database: DATABASE });
            let out = "";
            await main(["audit", url, "--role", role], { out: (t) => (out += t), err: () => undefined, env: {} });
            const line = out.split("\n").find((l) => l.includes("that etl creates"));
            expect(line).toBe("  SELECT on large objects that etl creates");
        });
});
