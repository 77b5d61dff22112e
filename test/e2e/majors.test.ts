/**
 * Every other supported major: the guide's case (login, reads, refused writes, exact catalog),
 * a no-change second up (also after refresh), and a destroy that leaves nothing.
 */
import { Stack } from "@pulumi/pulumi/automation";
import { NEWEST_MAJOR, POSTGRES_MAJORS, PostgresServer, startPostgres } from "../harness/postgresServer";
import { privilegesOf, traces } from "./support/catalog";
import { as } from "./support/sessions";
import { newTestStack, TestStack } from "./support/stack";
import { accessProgram, DATABASE, seedWarehouse } from "./support/warehouse";

jest.setTimeout(300_000);

async function passwordOf(stack: Stack): Promise<string> {
    return (await stack.outputs()).password.value as string;
}

describe.each(POSTGRES_MAJORS.filter((m) => m !== NEWEST_MAJOR))("PostgreSQL %i", (major) => {
    let server: PostgresServer;
    let t: TestStack;

    beforeAll(async () => {
        server = await startPostgres(major);
        await seedWarehouse(server);
        t = await newTestStack(`pg${major}`, accessProgram(server, { schemas: ["public", "sales"], tableCreators: ["etl"] }));
    });
    afterAll(() => {
        t?.dispose();
        server?.stop();
    });

    it("1. up: the BI role logs in, reads, writes nothing, and holds exactly the expected privileges", async () => {
        await t.stack.up();
        const password = await passwordOf(t.stack);
        await expect(as(server, DATABASE, "whaly_bi", "wrong-password", async () => undefined)).rejects.toThrow(
            /password authentication failed/,
        );
        await as(server, DATABASE, "whaly_bi", password, async (s) => {
            for (const relation of ["public.customers", "sales.orders", "sales.order_totals", "sales.monthly", "sales.invoice_no"])
                expect([relation, await s.canSelect(relation)]).toEqual([relation, true]);
            expect(await s.canSelect("secret.salaries")).toBe(false);
            expect(await s.canInsert("sales.orders")).toBe(false);
            expect(await s.canUpdate("sales.orders")).toBe(false);
            expect(await s.canDelete("sales.orders")).toBe(false);
            expect(await s.canTruncate("sales.orders")).toBe(false);
            expect(await s.canCreateTable("public")).toBe(false);
            expect(await s.canCreateSchema()).toBe(false);
            expect(await s.canNextval("sales.invoice_no")).toBe(false);
        });
        expect(await privilegesOf(server, DATABASE, "whaly_bi")).toEqual(
            [
                `database ${DATABASE} CONNECT`,
                "schema public USAGE",
                "schema sales USAGE",
                "table public.customers SELECT",
                "sequence public.customers_id_seq SELECT",
                "table sales.orders SELECT",
                "sequence sales.orders_id_seq SELECT",
                "sequence sales.invoice_no SELECT",
                "view sales.order_totals SELECT",
                "materialized view sales.monthly SELECT",
                "default etl public table SELECT",
                "default etl public sequence SELECT",
                "default etl sales table SELECT",
                "default etl sales sequence SELECT",
            ].sort(),
        );
    });

    it("4. a second up changes nothing, also after a refresh", async () => {
        await t.stack.preview({ expectNoChanges: true });
        await t.stack.refresh();
        await t.stack.preview({ expectNoChanges: true });
    });

    it("8. destroy leaves nothing that mentions the role", async () => {
        await t.stack.destroy();
        expect(await traces(server, DATABASE, "whaly_bi")).toEqual([]);
    });
});
