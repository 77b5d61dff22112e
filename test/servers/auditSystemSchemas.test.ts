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

    it("a role in pg_monitor and a role in no role, on the system schemas as initdb left them: read-only (the system's own grants are no one's)", async () => {
        await server.query(`CREATE ROLE review_plain LOGIN PASSWORD '${PASSWORD}'`, { database: DATABASE });
        await server.query(`CREATE ROLE review_monitor LOGIN PASSWORD '${PASSWORD}' IN ROLE pg_monitor`, { database: DATABASE });
        for (const role of ["review_plain", "review_monitor"]) expect((await audit(url, role)).readOnly).toBe(true);
    });

    it("what an extension grants a predefined role the audit judges harmless leaves its member read-only; the same function granted to the role counts", async () => {
        await server.query("CREATE EXTENSION pg_buffercache; CREATE EXTENSION pgstattuple", { database: DATABASE });
        try {
            await server.query(
                `CREATE ROLE review_ext_monitor LOGIN PASSWORD '${PASSWORD}' IN ROLE pg_monitor;
                 CREATE ROLE review_ext_scan LOGIN PASSWORD '${PASSWORD}' IN ROLE pg_stat_scan_tables;
                 CREATE ROLE review_ext_direct LOGIN PASSWORD '${PASSWORD}';
                 GRANT EXECUTE ON FUNCTION pg_buffercache_pages() TO review_ext_direct`,
                { database: DATABASE },
            );
            expect(await as(server, DATABASE, "review_ext_monitor", PASSWORD, (s) => s.can("SELECT count(*) FROM pg_buffercache"))).toBe(
                true,
            );
            const verdicts = Object.fromEntries(
                await Promise.all(
                    ["review_ext_monitor", "review_ext_scan", "review_ext_direct"].map(async (role) => [
                        role,
                        (await audit(url, role)).readOnly,
                    ]),
                ),
            );
            expect(verdicts).toEqual({ review_ext_monitor: true, review_ext_scan: true, review_ext_direct: false });
        } finally {
            await server.query("DROP EXTENSION pg_buffercache; DROP EXTENSION pgstattuple", { database: DATABASE });
        }
    });

    const cases: Array<{ id: string; grant: string; revoke: string; proof: string }> = [
        {
            id: "read_file",
            grant: "GRANT EXECUTE ON FUNCTION pg_catalog.pg_read_file(text) TO {g}",
            revoke: "REVOKE EXECUTE ON FUNCTION pg_catalog.pg_read_file(text) FROM {g}",
            proof: "SELECT pg_catalog.pg_read_file('PG_VERSION')",
        },
        {
            id: "lo_export",
            grant: "GRANT EXECUTE ON FUNCTION pg_catalog.lo_export(oid, text) TO {g}",
            revoke: "REVOKE EXECUTE ON FUNCTION pg_catalog.lo_export(oid, text) FROM {g}",
            proof: "SELECT pg_catalog.lo_from_bytea(4301, 'x'); SELECT pg_catalog.lo_export(4301, '/dev/null')",
        },
        {
            id: "reload_conf",
            grant: "GRANT EXECUTE ON FUNCTION pg_catalog.pg_reload_conf() TO {g}",
            revoke: "REVOKE EXECUTE ON FUNCTION pg_catalog.pg_reload_conf() FROM {g}",
            proof: "SELECT pg_catalog.pg_reload_conf()",
        },
        {
            id: "info_schema_insert",
            grant: "GRANT INSERT ON information_schema.sql_features TO {g}",
            revoke: "REVOKE INSERT ON information_schema.sql_features FROM {g}",
            proof: "INSERT INTO information_schema.sql_features (feature_id) VALUES ('x')",
        },
    ];
    // The grant to the role itself, to PUBLIC (every role's), and to a predefined role the audit judges harmless.
    const grantees = [
        { via: "the role", grantee: (role: string) => role, memberOf: "" },
        { via: "PUBLIC", grantee: () => "PUBLIC", memberOf: "" },
        { via: "pg_monitor", grantee: () => "pg_monitor", memberOf: " IN ROLE pg_monitor" },
    ];
    for (const c of cases)
        for (const { via, grantee, memberOf } of grantees)
            it(`${c.id} granted to ${via}: the role does it, and the verdict is NOT read-only`, async () => {
                const role = `review_${c.id}_${via.replace(/\W/g, "_").toLowerCase()}`;
                const g = grantee(role);
                await server.query(`CREATE ROLE ${role} LOGIN PASSWORD '${PASSWORD}'${memberOf}`, { database: DATABASE });
                await server.query(c.grant.replace("{g}", g), { database: DATABASE });
                try {
                    const allowed = await as(server, DATABASE, role, PASSWORD, (s) => s.can(c.proof));
                    const report = await audit(url, role);
                    expect({ allowed, readOnly: report.readOnly, reasons: report.reasons }).toEqual({
                        allowed: true,
                        readOnly: false,
                        reasons: expect.arrayContaining([expect.any(String)]),
                    });
                } finally {
                    await server.query(c.revoke.replace("{g}", g), { database: DATABASE });
                }
            });

    it("a SECURITY DEFINER function in pg_catalog that PUBLIC may run: the role runs SQL as its owner, and the verdict is NOT read-only", async () => {
        const role = "review_definer";
        await server.query(`CREATE ROLE ${role} LOGIN PASSWORD '${PASSWORD}'`, { database: DATABASE });
        await server.query(
            "CREATE FUNCTION pg_catalog.review_as_owner(q text) RETURNS void LANGUAGE plpgsql SECURITY DEFINER AS $$BEGIN EXECUTE q; END$$",
            { database: DATABASE },
        );
        try {
            const allowed = await as(server, DATABASE, role, PASSWORD, (s) =>
                s.can("SELECT pg_catalog.review_as_owner('CREATE TABLE public.review_definer_made (x int)')"),
            );
            const report = await audit(url, role);
            expect({ allowed, readOnly: report.readOnly }).toEqual({ allowed: true, readOnly: false });
            expect(report.reasons.join("\n")).toContain("pg_catalog.review_as_owner(q text) (SECURITY DEFINER: runs as postgres)");
        } finally {
            await server.query("DROP FUNCTION pg_catalog.review_as_owner(text)", { database: DATABASE });
        }
    });

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
