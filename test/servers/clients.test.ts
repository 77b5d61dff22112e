/**
 * The BI role with the clients DBAs and BI tools use, libpq's own: psql reads the listed schemas,
 * and pg_dump dumps them (schema and data), whether the role logs in itself or through a user of
 * the alternating rotation; an unlisted schema stays out of reach. On the server major of the
 * installed client (pg_dump dumps servers up to its own major).
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { scramVerifier } from "../../components/plan/scram";
import { renderAccessStatements } from "../../components/plan/sql";
import { POSTGRES_MAJORS, PostgresMajor, PostgresServer, startPostgres } from "../../scripts/lib/postgresServer";
import { applyStatements } from "../harness/applySql";
import { DATABASE, seedWarehouse } from "../harness/warehouse";

jest.setTimeout(120_000);

const PASSWORD = "bi-Password-0123456789";
const clientMajor = Number(/(\d+)/.exec(execFileSync("pg_dump", ["--version"], { encoding: "utf8" }))![1]);
const major = (POSTGRES_MAJORS as readonly number[]).includes(clientMajor) ? (clientMajor as PostgresMajor) : 12;

describe.each(["single", "alternating"])(`PostgreSQL ${major}: psql and pg_dump as the BI role, rotation %s`, (rotation) => {
    let server: PostgresServer;
    const user = rotation === "single" ? "whaly_bi" : "whaly_bi_a";
    const run = (tool: "psql" | "pg_dump", args: string[]) =>
        execFileSync(
            tool,
            [...(tool === "psql" ? ["-X"] : []), "-h", server.host, "-p", String(server.port), "-U", user, "-d", DATABASE, ...args],
            {
                encoding: "utf8",
                env: { ...process.env, PGPASSWORD: PASSWORD, PGSSLMODE: "disable" },
                stdio: ["ignore", "pipe", "pipe"],
            },
        );
    const failure = (tool: "psql" | "pg_dump", args: string[]) => {
        try {
            run(tool, args);
            return "succeeded";
        } catch (e) {
            return String((e as { stderr: string }).stderr);
        }
    };

    beforeAll(async () => {
        server = await startPostgres(major);
        await seedWarehouse(server);
        const statements = renderAccessStatements(
            { database: DATABASE, schemas: ["public", "sales"], tableCreators: ["etl"], rotation },
            { password: scramVerifier(PASSWORD, randomBytes(16)) },
        );
        await applyStatements(server, DATABASE, statements);
    });
    afterAll(() => server?.stop());

    it("psql reads a listed schema and is refused an unlisted one", () => {
        expect(run("psql", ["-A", "-t", "-c", "SELECT amount FROM sales.orders"]).trim()).toBe("42");
        expect(failure("psql", ["-c", "SELECT * FROM secret.salaries"])).toContain("permission denied for schema secret");
    });

    it("pg_dump dumps the listed schemas, schema and data, and is refused an unlisted one", () => {
        const dump = run("pg_dump", ["-n", "public", "-n", "sales"]);
        expect(dump).toContain("CREATE TABLE sales.orders");
        expect(dump).toMatch(/COPY sales\.orders \(id, amount\) FROM stdin;\n1\t42\n/);
        expect(dump).toContain("SELECT pg_catalog.setval('sales.invoice_no'");
        expect(failure("pg_dump", ["-n", "secret"])).toContain("permission denied for schema secret");
    });
});
