/**
 * Every other supported major: the guide's case (login, reads, refused writes, exact catalog),
 * a no-change second up (also after refresh), and a destroy that leaves nothing.
 */
import { NEWEST_MAJOR, POSTGRES_MAJORS, PostgresServer, startPostgres } from "../../scripts/lib/postgresServer";
import { privilegesOf, traces } from "../harness/catalog";
import { as } from "../harness/sessions";
import { newTestStack, TestStack } from "../harness/stack";
import { accessReport, DATABASE, expectedPrivileges, READ_ONLY_ACCESS, seedWarehouse } from "../harness/warehouse";
import { accessProgram, outputValues } from "./support/program";

jest.setTimeout(300_000);

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

    it("up: the BI role logs in, reads, writes nothing, and holds exactly the expected privileges", async () => {
        await t.stack.up();
        const password = (await outputValues(t.stack)).password as string;
        await expect(as(server, DATABASE, "whaly_bi", "wrong-password", async () => undefined)).rejects.toThrow(
            /password authentication failed/,
        );
        expect(await as(server, DATABASE, "whaly_bi", password, accessReport)).toEqual({
            ...READ_ONLY_ACCESS,
            // Before 15, PUBLIC (so every role) may create in schema public: see README, "Limits".
            "create table in public": major < 15,
        });
        expect(await privilegesOf(server, DATABASE, "whaly_bi")).toEqual(expectedPrivileges(["public", "sales"], ["etl"]));
    });

    it("a second up changes nothing, also after a refresh", async () => {
        await t.stack.preview({ expectNoChanges: true });
        await t.stack.refresh();
        await t.stack.preview({ expectNoChanges: true });
    });

    it("destroy leaves nothing that mentions the role", async () => {
        await t.stack.destroy();
        expect(await traces(server, DATABASE, "whaly_bi")).toEqual([]);
    });
});
