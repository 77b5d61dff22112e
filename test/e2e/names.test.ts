/**
 * Names that only exist quoted (mixed case, hyphen, space) for the schema, the table creator and
 * the BI role, through the real CLI and provider: they are taken literally, end to end.
 */
import { NEWEST_MAJOR, PostgresServer, startPostgres } from "../../scripts/lib/postgresServer";
import { privilegesOf, traces } from "../harness/catalog";
import { as } from "../harness/sessions";
import { newTestStack, TestStack } from "../harness/stack";
import { CREATOR_PASSWORD, DATABASE, seedWarehouse } from "../harness/warehouse";
import { accessProgram, outputValues } from "./support/program";

jest.setTimeout(300_000);

const ROLE = "Whaly BI";
const CREATOR = "ETL-Bot";
const SCHEMAS = ["Sales Data", "ventes-été"];

describe(`PostgreSQL ${NEWEST_MAJOR}: names that need quoting`, () => {
    let server: PostgresServer;
    let t: TestStack;
    let password: string;

    beforeAll(async () => {
        server = await startPostgres(NEWEST_MAJOR);
        await seedWarehouse(server, [CREATOR]);
        // A lower-case twin that must stay out of reach: "Sales Data" and "sales data" differ.
        await server.query(
            `CREATE SCHEMA "Sales Data" AUTHORIZATION "ETL-Bot";
             CREATE SCHEMA "ventes-été" AUTHORIZATION "ETL-Bot";
             CREATE SCHEMA "sales data";
             CREATE TABLE "Sales Data"."Orders" (id serial PRIMARY KEY);
             CREATE TABLE "sales data"."Orders" (id int);`,
            { database: DATABASE },
        );
        t = await newTestStack("names", accessProgram(server, { roleName: ROLE, schemas: SCHEMAS, tableCreators: [CREATOR] }));
    });
    afterAll(() => {
        t?.dispose();
        server?.stop();
    });

    it("up creates the role under its literal name, which logs in and reads the literal schemas only", async () => {
        await t.stack.up();
        const out = await outputValues(t.stack);
        password = out.password as string;
        expect(out.user).toBe(ROLE);
        await as(server, DATABASE, ROLE, password, async (s) => {
            expect(await s.query("SELECT current_user AS u")).toEqual([{ u: ROLE }]);
            expect(await s.canSelect('"Sales Data"."Orders"')).toBe(true);
            expect(await s.canSelect('"sales data"."Orders"')).toBe(false);
            expect(await s.canInsert('"Sales Data"."Orders"')).toBe(false);
        });
    });

    it("the catalog holds exactly the privileges on the literal names", async () => {
        expect(await privilegesOf(server, DATABASE, ROLE)).toEqual(
            [
                `database ${DATABASE} CONNECT`,
                "schema Sales Data USAGE",
                "schema ventes-été USAGE",
                "table Sales Data.Orders SELECT",
                "sequence Sales Data.Orders_id_seq SELECT",
                "default ETL-Bot Sales Data table SELECT",
                "default ETL-Bot Sales Data sequence SELECT",
                "default ETL-Bot ventes-été table SELECT",
                "default ETL-Bot ventes-été sequence SELECT",
            ].sort(),
        );
    });

    it("tables the quoted creator makes later are readable, and a second up changes nothing", async () => {
        await server.query(`CREATE TABLE "ventes-été"."Later Facts" (id int)`, {
            database: DATABASE,
            user: CREATOR,
            password: CREATOR_PASSWORD,
        });
        expect(await as(server, DATABASE, ROLE, password, (s) => s.canSelect('"ventes-été"."Later Facts"'))).toBe(true);
        await t.stack.preview({ expectNoChanges: true, refresh: true });
    });

    it("destroy leaves nothing that mentions the role", async () => {
        await t.stack.destroy();
        expect(await traces(server, DATABASE, ROLE)).toEqual([]);
    });
});
