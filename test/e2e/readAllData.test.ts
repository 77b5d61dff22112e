/**
 * The all-data mode (readAllData: true) through the real CLI and provider: on PostgreSQL 14+ the
 * role reads every schema, one created after `up` too, still under row-level security, and writes
 * nothing; on 12 and 13 the preflight refuses it before anything changes.
 */
import { POSTGRES_MAJORS, PostgresServer, startPostgres } from "../../scripts/lib/postgresServer";
import { catalogSnapshot, privilegesOf, roleAttributes, traces } from "../harness/catalog";
import { as } from "../harness/sessions";
import { newTestStack, TestStack } from "../harness/stack";
import { CREATOR_PASSWORD, DATABASE, seedWarehouse } from "../harness/warehouse";
import { accessProgram, outputValues } from "./support/program";

jest.setTimeout(300_000);

describe.each(POSTGRES_MAJORS)("PostgreSQL %i: readAllData", (major) => {
    let server: PostgresServer;
    let t: TestStack;

    beforeAll(async () => {
        server = await startPostgres(major);
        await seedWarehouse(server);
        t = await newTestStack(`all-data-pg${major}`, accessProgram(server, { readAllData: true }));
    });
    afterAll(() => {
        t?.dispose();
        server?.stop();
    });

    if (major < 14) {
        it("is refused at preview and at up, naming the version, and nothing changes", async () => {
            const before = await catalogSnapshot(server, DATABASE);
            for (const operation of [() => t.stack.preview(), () => t.stack.up()])
                await expect(operation()).rejects.toThrow(
                    `- readAllData true: needs PostgreSQL 14 or later (its predefined role pg_read_all_data), and the server runs PostgreSQL ${major}`,
                );
            expect(await catalogSnapshot(server, DATABASE)).toEqual(before);
        });
        return;
    }

    it("up: the role is a member of pg_read_all_data with CONNECT, and holds no other privilege or attribute", async () => {
        await t.stack.up();
        expect(await privilegesOf(server, DATABASE, "whaly_bi")).toEqual([`database ${DATABASE} CONNECT`]);
        expect(await roleAttributes(server, "whaly_bi")).toMatchObject({
            rolsuper: false,
            rolbypassrls: false,
            member_of: ["pg_read_all_data"],
        });
    });

    it("reads every schema, one created after up too, and writes nothing", async () => {
        await server.query("CREATE SCHEMA later AUTHORIZATION etl", { database: DATABASE });
        await server.query("CREATE TABLE later.facts (id int); INSERT INTO later.facts VALUES (1)", {
            database: DATABASE,
            user: "etl",
            password: CREATOR_PASSWORD,
        });
        const password = (await outputValues(t.stack)).password as string;
        await as(server, DATABASE, "whaly_bi", password, async (s) => {
            for (const relation of [
                "public.customers",
                "sales.orders",
                "sales.order_totals",
                "sales.invoice_no",
                "secret.salaries",
                "later.facts",
            ])
                expect([relation, await s.canSelect(relation)]).toEqual([relation, true]);
            expect(await s.canInsert("sales.orders")).toBe(false);
            expect(await s.canUpdate("sales.orders")).toBe(false);
            expect(await s.canDelete("later.facts")).toBe(false);
            expect(await s.canTruncate("secret.salaries")).toBe(false);
            expect(await s.canCreateTable("sales")).toBe(false);
            expect(await s.canNextval("sales.invoice_no")).toBe(false);
        });
    });

    it("leaves row-level security in force", async () => {
        await server.query(
            `CREATE TABLE sales.regions (id int, region text);
             INSERT INTO sales.regions VALUES (1, 'emea'), (2, 'apac');
             ALTER TABLE sales.regions ENABLE ROW LEVEL SECURITY;
             CREATE POLICY emea_only ON sales.regions FOR SELECT USING (region = 'emea');`,
            { database: DATABASE },
        );
        const password = (await outputValues(t.stack)).password as string;
        expect(await as(server, DATABASE, "whaly_bi", password, (s) => s.query("SELECT id FROM sales.regions ORDER BY id"))).toEqual([
            { id: 1 },
        ]);
    });

    it("a second up changes nothing, and destroy leaves nothing that mentions the role", async () => {
        await t.stack.preview({ expectNoChanges: true, refresh: true });
        await t.stack.destroy();
        expect(await traces(server, DATABASE, "whaly_bi")).toEqual([]);
    });
});
