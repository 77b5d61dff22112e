/**
 * @jest-environment ./test/harness/killedCliEnvironment.ts
 *
 * The `pulumi` process killed (SIGKILL) in the middle of an `up`, while grants are being
 * created: the README's recovery (`pulumi cancel` to remove the lock, `pulumi refresh
 * --clear-pending-creates`, `pulumi up`) converges to exactly the planned privileges, and nothing
 * stays granted that the state does not know about.
 */
import * as fs from "node:fs";
import { NEWEST_MAJOR, PostgresServer, startPostgres } from "../../scripts/lib/postgresServer";
import { planAccess } from "../../components/plan/grants";
import { privilegesOf, traces } from "../harness/catalog";
import { killPulumi, restoreIfTorn, stateMetadataFile } from "../harness/kill";
import { as } from "../harness/sessions";
import { newTestStack, TestStack } from "../harness/stack";
import { DATABASE, seedWarehouse } from "../harness/warehouse";
import { accessProgram, failureOf, outputValues } from "./support/program";

jest.setTimeout(600_000);

const SCHEMAS = Array.from({ length: 20 }, (_, i) => `s${i}`);
const CREATORS = ["etl", "dbt", "intruder"];

/** What the plan grants on the seeded warehouse, one table per schema, written out. */
function expected(): string[] {
    return [
        `database ${DATABASE} CONNECT`,
        ...SCHEMAS.flatMap((s) => [
            `schema ${s} USAGE`,
            `table ${s}.facts SELECT`,
            ...CREATORS.flatMap((c) => [`default ${c} ${s} table SELECT`, `default ${c} ${s} sequence SELECT`]),
        ]),
    ].sort();
}

describe(`PostgreSQL ${NEWEST_MAJOR}: the CLI killed, or the server stopped, mid-up`, () => {
    let server: PostgresServer;
    let t: TestStack;

    beforeAll(async () => {
        server = await startPostgres(NEWEST_MAJOR);
        await seedWarehouse(server);
        await server.query(SCHEMAS.map((s) => `CREATE SCHEMA ${s}; CREATE TABLE ${s}.facts (id int);`).join("\n"), { database: DATABASE });
        t = await newTestStack("killed", accessProgram(server, { schemas: SCHEMAS, tableCreators: CREATORS }));
    });
    afterAll(() => {
        t?.dispose();
        server?.stop();
    });

    it("SIGKILL after 40 PostgreSQL resources were created leaves the stack locked, with resources missing", async () => {
        const total = 2 + planAccess(SCHEMAS, CREATORS).grants.length + planAccess(SCHEMAS, CREATORS).defaultPrivileges.length;
        let created = 0;
        let killed = 0;
        await failureOf(
            t.stack.up({
                onEvent: (event) => {
                    const type = event.resOutputsEvent?.metadata.type ?? "";
                    if (type.startsWith("postgresql:index/") && ++created === 40) killed += killPulumi();
                },
            }),
        );
        expect(killed).toBe(1);
        await restoreIfTorn(t, "killed");
        const state = (await t.stack.exportStack()).deployment;
        const inState = (state.resources ?? []).filter((r: { type: string }) => r.type.startsWith("postgresql:index/")).length;
        expect(inState).toBeGreaterThan(0);
        expect(inState).toBeLessThan(total);
        await expect(t.stack.up()).rejects.toThrow("the stack is currently locked");
    });

    it("a kill between the backend's two writes empties the checkpoint's .attrs: `failed to load checkpoint: EOF`, and deleting it gives the checkpoint back", async () => {
        const before = (await t.stack.exportStack()).deployment;
        fs.writeFileSync(stateMetadataFile(t, "killed"), "");
        await expect(t.stack.exportStack()).rejects.toThrow("failed to load checkpoint: EOF");
        await restoreIfTorn(t, "killed");
        expect((await t.stack.exportStack()).deployment).toEqual(before);
    });

    it("cancel, refresh --clear-pending-creates, up: exactly the planned privileges, login works, no change left", async () => {
        await t.stack.cancel();
        await t.stack.refresh({ clearPendingCreates: true });
        expect((await t.stack.exportStack()).deployment.pending_operations ?? []).toEqual([]);
        await t.stack.up();
        expect(await privilegesOf(server, DATABASE, "whaly_bi")).toEqual(expected());
        const password = (await outputValues(t.stack)).password as string;
        expect(await as(server, DATABASE, "whaly_bi", password, (s) => s.canSelect("s19.facts"))).toBe(true);
        await t.stack.preview({ expectNoChanges: true, refresh: true });
    });

    it("destroy then leaves nothing that mentions the role", async () => {
        await t.stack.destroy();
        expect(await traces(server, DATABASE, "whaly_bi")).toEqual([]);
    });

    it("PostgreSQL stopped after 40 PostgreSQL resources were created: up fails, and the next up completes exactly", async () => {
        let created = 0;
        await failureOf(
            t.stack.up({
                onEvent: (event) => {
                    const type = event.resOutputsEvent?.metadata.type ?? "";
                    if (type.startsWith("postgresql:index/") && ++created === 40) server.halt();
                },
            }),
        );
        server.start();
        expect((await t.stack.exportStack()).deployment.pending_operations ?? []).toEqual([]);
        await t.stack.up();
        expect(await privilegesOf(server, DATABASE, "whaly_bi")).toEqual(expected());
        await t.stack.preview({ expectNoChanges: true, refresh: true });
        await t.stack.destroy();
        expect(await traces(server, DATABASE, "whaly_bi")).toEqual([]);
    });
});
