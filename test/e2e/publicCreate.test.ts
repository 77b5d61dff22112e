/**
 * The preview says when Whaly's role could write: on PostgreSQL 12-14, where PUBLIC may CREATE in
 * the `public` schema as the server ships, whaly_bi can create tables there whatever it is
 * granted, and the preview warns with the REVOKE that fixes it; once it is run, the warning goes
 * and so does the role's CREATE. PostgreSQL 15 ships without it: no warning.
 */
import { PostgresMajor, PostgresServer, startPostgres } from "../../scripts/lib/postgresServer";
import { as } from "../harness/sessions";
import { newTestStack, TestStack } from "../harness/stack";
import { DATABASE, seedWarehouse } from "../harness/warehouse";
import { accessProgram, outputValues } from "./support/program";

jest.setTimeout(300_000);

const WARNING = "PUBLIC may create in schema public of database analytics";
const FIX = 'run REVOKE CREATE ON SCHEMA "public" FROM PUBLIC in database analytics';

describe.each([
    [12, true],
    [14, true],
    [15, false],
] as Array<[PostgresMajor, boolean]>)("PostgreSQL %i: PUBLIC's CREATE on schema public", (major, shipsWithIt) => {
    let server: PostgresServer;
    let t: TestStack;

    const previewOutput = async () => {
        let output = "";
        await t.stack.preview({ onOutput: (line) => (output += line) });
        return output;
    };
    const canCreate = async () => {
        const password = (await outputValues(t.stack)).password as string;
        return as(server, DATABASE, "whaly_bi", password, (s) => s.can("CREATE TABLE public.whaly_made (id int)"));
    };

    beforeAll(async () => {
        server = await startPostgres(major);
        await seedWarehouse(server);
        t = await newTestStack(`public-create-pg${major}`, accessProgram(server, { schemas: ["sales"], tableCreators: ["etl"] }));
    });
    afterAll(async () => {
        await t?.stack.destroy();
        t?.dispose();
        server?.stop();
    });

    it(`${shipsWithIt ? "warns, with the fix, and whaly_bi really can create there" : "says nothing, and whaly_bi cannot create there"}`, async () => {
        const output = await previewOutput();
        if (shipsWithIt) {
            expect(output).toContain(WARNING);
            expect(output).toContain(FIX);
        } else expect(output).not.toContain(WARNING);
        await t.stack.up();
        expect(await canCreate()).toBe(shipsWithIt);
    });

    it("after the REVOKE, no warning and no CREATE", async () => {
        await server.query("REVOKE CREATE ON SCHEMA public FROM PUBLIC", { database: DATABASE });
        expect(await previewOutput()).not.toContain(WARNING);
        expect(await canCreate()).toBe(false);
    });
});
