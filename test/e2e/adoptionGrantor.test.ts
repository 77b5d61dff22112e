/**
 * The take-over revokes a privilege as its grantor (SET ROLE grantor; REVOKE ...). Where that
 * grantor has since become a member of the object's owner, PostgreSQL could pick the owner as the
 * REVOKE's grantor and leave the grant in place; it picks the grantor that holds the grant option,
 * so the adopted role loses INSERT. Through the real CLI, on PostgreSQL 18.
 */
import { PostgresServer, startPostgres } from "../../scripts/lib/postgresServer";
import { as } from "../harness/sessions";
import { newTestStack, TestStack } from "../harness/stack";
import { DATABASE, seedWarehouse } from "../harness/warehouse";
import { accessProgram } from "./support/program";

jest.setTimeout(300_000);

const PASSWORD = "hand-made-Password-42";

describe("PostgreSQL 18: adopting a role granted INSERT by a grantor that later joined the owner's group", () => {
    let server: PostgresServer;
    let t: TestStack;
    beforeAll(async () => {
        server = await startPostgres(18);
        await seedWarehouse(server);
        for (const sql of [
            `CREATE ROLE whaly_bi LOGIN PASSWORD '${PASSWORD}'`,
            "GRANT CONNECT ON DATABASE analytics TO whaly_bi",
            "CREATE TABLE sales.granted_t (id int)",
            "ALTER TABLE sales.granted_t OWNER TO etl",
            "CREATE ROLE earlier_granter NOLOGIN",
            "GRANT USAGE ON SCHEMA sales TO earlier_granter",
            "SET ROLE etl; GRANT INSERT ON sales.granted_t TO earlier_granter WITH GRANT OPTION; RESET ROLE",
            "SET ROLE earlier_granter; GRANT INSERT ON sales.granted_t TO whaly_bi; RESET ROLE",
            // Later: the granter joins the owner's group (a team role, say).
            "GRANT etl TO earlier_granter",
        ])
            await server.query(sql, { database: DATABASE });
        t = await newTestStack("adoption-grantor", accessProgram(server, { schemas: ["sales"], tableCreators: ["etl"], adoptRole: true }));
    });
    afterAll(() => {
        t?.dispose();
        server?.stop();
    });

    it("the up either fails or leaves the role unable to INSERT", async () => {
        let output = "";
        const outcome = await t.stack.up({ onOutput: (line) => (output += line) }).then(
            () => "succeeded",
            () => "failed",
        );
        const canInsert = await as(server, DATABASE, "whaly_bi", PASSWORD, (s) => s.can("INSERT INTO sales.granted_t VALUES (1)"));
        const acl = await server.query<{ relacl: string }>("SELECT relacl::text FROM pg_class WHERE oid = 'sales.granted_t'::regclass", {
            database: DATABASE,
        });
        const plannedRevoke = output.split("\n").filter((line) => line.includes("INSERT on table sales.granted_t"));
        expect({ outcome, canInsert, acl: acl[0].relacl, plannedRevoke }).toEqual({
            outcome: expect.any(String),
            canInsert: false,
            acl: expect.any(String),
            plannedRevoke: expect.any(Array),
        });
    });
});
