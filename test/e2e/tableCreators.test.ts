/**
 * The roles that create tables in a listed schema, read from the catalog: each one missing from
 * tableCreators is a warning at preview and up (an error with strictTableCreators), and
 * discoverTableCreators covers exactly the roles found, a new loader role from the next up on.
 * The warehouse's etl, dbt and intruder may all create in public and sales; its admin, a
 * superuser, owns the tables it seeded there, so it counts too.
 */
import { NEWEST_MAJOR, PostgresServer, startPostgres } from "../../scripts/lib/postgresServer";
import { catalogSnapshot, privilegesOf, traces } from "../harness/catalog";
import { as } from "../harness/sessions";
import { newTestStack, TestStack } from "../harness/stack";
import { CREATOR_PASSWORD, DATABASE, seedWarehouse } from "../harness/warehouse";
import { accessProgram, failureOf, outputValues } from "./support/program";

jest.setTimeout(300_000);

const SCHEMAS = ["public", "sales"];
const warning = (role: string, schema: string, objects: number) =>
    `role ${role} may create tables in schema ${schema} and owns ${objects} relation${objects === 1 ? "" : "s"} there, but is not in tableCreators: ` +
    `what it creates later will be unreadable to whaly_bi until the next up --refresh. Add "${role}" to tableCreators, or set discoverTableCreators`;

describe(`PostgreSQL ${NEWEST_MAJOR}: table creators, checked and discovered`, () => {
    let server: PostgresServer;
    let t: TestStack;

    /** The engine's output of one `up`. */
    async function upOutput(): Promise<string> {
        let output = "";
        await t.stack.up({ onOutput: (line) => (output += line) });
        return output;
    }

    beforeAll(async () => {
        server = await startPostgres(NEWEST_MAJOR);
        await seedWarehouse(server);
        // intruder owns a table in sales: the warning counts it.
        await server.query("CREATE TABLE sales.intruder_made (id int)", {
            database: DATABASE,
            user: "intruder",
            password: CREATOR_PASSWORD,
        });
        t = await newTestStack("creators", accessProgram(server, { schemas: SCHEMAS, tableCreators: ["etl", "dbt"] }));
    });
    afterAll(() => {
        t?.dispose();
        server?.stop();
    });

    it("warns at preview and at up of each unlisted role that may create tables in a listed schema, naming the schema, its tables and the fix", async () => {
        let preview = "";
        await t.stack.preview({ onOutput: (line) => (preview += line) });
        const up = await upOutput();
        for (const output of [preview, up]) {
            expect(output).toContain(warning("intruder", "public", 0));
            expect(output).toContain(warning("intruder", "sales", 1));
            expect(output).not.toContain("role etl may create");
            // A superuser may create anywhere: it counts where it owns relations (the seeded ones).
            expect(output).toContain(warning(server.adminUser, "public", 2));
            expect(output).toContain(warning(server.adminUser, "sales", 5));
        }
        await t.stack.destroy();
    });

    it("with strictTableCreators, refuses instead, before any change", async () => {
        const before = await catalogSnapshot(server, DATABASE);
        t.setProgram(accessProgram(server, { schemas: SCHEMAS, tableCreators: ["etl", "dbt"], strictTableCreators: true }));
        for (const operation of [() => t.stack.preview(), () => t.stack.up()]) {
            const message = await failureOf(operation());
            expect(message).toContain("strictTableCreators, and some roles that create tables are not listed; nothing was changed");
            expect(message).toContain(warning("intruder", "sales", 1));
        }
        expect(await catalogSnapshot(server, DATABASE)).toEqual(before);
    });

    it("says nothing when every role that may create tables is listed", async () => {
        const everyone = ["etl", "dbt", "intruder", server.adminUser];
        t.setProgram(accessProgram(server, { schemas: SCHEMAS, tableCreators: everyone, strictTableCreators: true }));
        expect(await upOutput()).not.toContain("is not in tableCreators");
        await t.stack.destroy();
    });

    it("discoverTableCreators covers exactly the roles found", async () => {
        t.setProgram(accessProgram(server, { schemas: SCHEMAS, discoverTableCreators: true }));
        expect(await upOutput()).not.toContain("is not in tableCreators");
        const defaults = (await privilegesOf(server, DATABASE, "whaly_bi")).filter((p) => p.startsWith("default "));
        expect(defaults).toEqual(
            ["dbt", "etl", "intruder", server.adminUser]
                .flatMap((c) => SCHEMAS.flatMap((s) => [`default ${c} ${s} sequence SELECT`, `default ${c} ${s} table SELECT`]))
                .sort(),
        );
    });

    it("a new loader role is covered by the next up, which only creates its default privileges, and its later tables are readable", async () => {
        await server.query(`CREATE ROLE loader LOGIN PASSWORD '${CREATOR_PASSWORD}'`);
        await server.query("GRANT USAGE, CREATE ON SCHEMA sales TO loader", { database: DATABASE });
        const ops = await t.plannedOps();
        expect(ops).toEqual(
            new Map(
                SCHEMAS.flatMap((s) => [`whaly/default-tables/loader/${s}`, `whaly/default-sequences/loader/${s}`]).map((n) => [
                    n,
                    "create",
                ]),
            ),
        );
        await t.stack.up();
        await server.query("CREATE TABLE sales.loaded (id int)", { database: DATABASE, user: "loader", password: CREATOR_PASSWORD });
        const password = (await outputValues(t.stack)).password as string;
        expect(await as(server, DATABASE, "whaly_bi", password, (s) => s.canSelect("sales.loaded"))).toBe(true);
    });

    it("destroy leaves nothing that mentions the role", async () => {
        await t.stack.destroy();
        expect(await traces(server, DATABASE, "whaly_bi")).toEqual([]);
    });
});
