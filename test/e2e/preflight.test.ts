/**
 * What only the server knows, caught at preview: each fault fails `preview` and `up` with one
 * error naming the field, the value and the fix, never a secret, and leaves the server and the
 * stack's state exactly as they were.
 */
import { NEWEST_MAJOR, PostgresServer, startPostgres } from "../../scripts/lib/postgresServer";
import { WhalyPostgresAccessArgs } from "../../index";
import { catalogSnapshot, privilegesOf, traces } from "../harness/catalog";
import { newTestStack, TestStack } from "../harness/stack";
import { DATABASE, expectedPrivileges, seedWarehouse } from "../harness/warehouse";
import { accessProgram, failureOf, providerProgram } from "./support/program";

jest.setTimeout(300_000);

describe(`PostgreSQL ${NEWEST_MAJOR}: preflight`, () => {
    let server: PostgresServer;
    let t: TestStack;
    let before: string[];

    beforeAll(async () => {
        server = await startPostgres(NEWEST_MAJOR);
        await seedWarehouse(server);
        await server.query("CREATE ROLE whaly_taken LOGIN");
        before = await catalogSnapshot(server, DATABASE);
        t = await newTestStack("preflight", async () => undefined);
    });
    afterAll(() => {
        t?.dispose();
        server?.stop();
    });

    /** Runs `program` through preview and up: both fail with every fragment, and nothing changes. */
    async function refusedEverywhere(args: Partial<WhalyPostgresAccessArgs>, fragments: string[]): Promise<void> {
        t.setProgram(accessProgram(server, args));
        for (const operation of [() => t.stack.preview(), () => t.stack.up()]) {
            const started = Date.now();
            const message = await failureOf(operation());
            expect(Date.now() - started).toBeLessThan(30_000);
            expect(message).toContain("Preflight of WhalyPostgresAccess on 127.0.0.1:");
            expect(message).toContain("nothing was changed");
            for (const fragment of fragments) expect(message).toContain(fragment);
            expect(message).not.toContain(server.adminPassword);
        }
        const state = await t.stack.exportStack();
        const types = (state.deployment.resources ?? []).map((r: { type: string }) => r.type);
        expect(types.filter((type: string) => type.startsWith("postgresql:index/"))).toEqual([]);
        expect(await catalogSnapshot(server, DATABASE)).toEqual(before);
    }

    it("a listed schema that does not exist", async () => {
        await refusedEverywhere({ schemas: ["public", "ghost"], tableCreators: ["etl"] }, [
            '- schemas[1] "ghost": does not exist in database analytics: create it first (CREATE SCHEMA "ghost")',
        ]);
    });

    it("a schema whose name differs only in case", async () => {
        await refusedEverywhere({ schemas: ["Sales"], tableCreators: ["etl"] }, ['- schemas[0] "Sales": does not exist', "case-sensitive"]);
    });

    it("a table creator that does not exist", async () => {
        await refusedEverywhere({ schemas: ["sales"], tableCreators: ["etl", "nobody"] }, [
            '- tableCreators[1] "nobody": is not a role on this server',
        ]);
    });

    it("a BI role name that another role already has: refused at preview; an up without preview stops at the role", async () => {
        t.setProgram(accessProgram(server, { roleName: "whaly_taken", schemas: ["sales"], tableCreators: ["etl"] }));
        expect(await failureOf(t.stack.preview())).toContain(
            '- roleName "whaly_taken": already exists on the server and this stack does not manage it',
        );
        // Without a preview, only the state can tell whose role it is: the provider refuses to
        // create it, and nothing that would follow the role reaches the server.
        expect(await failureOf(t.stack.up())).toContain('role "whaly_taken" already exists');
        expect(await catalogSnapshot(server, DATABASE)).toEqual(before);
        await t.stack.destroy();
    });

    it("a wrong admin password", async () => {
        await refusedEverywhere(
            {
                schemas: ["sales"],
                tableCreators: ["etl"],
                admin: { host: server.host, port: server.port, username: "postgres", password: "wrong-admin-password", sslMode: "disable" },
            },
            ['cannot be reached: password authentication failed for user "postgres"'],
        );
    });

    it("every problem at once, in one error", async () => {
        await refusedEverywhere({ schemas: ["ghost", "sales"], tableCreators: ["nobody"] }, [
            '- schemas[0] "ghost"',
            '- tableCreators[0] "nobody"',
        ]);
    });

    it("with a provider passed in opts, a missing schema (the one check a provider allows)", async () => {
        t.setProgram(providerProgram(server, { schemas: ["ghost"], tableCreators: ["etl"] }));
        const message = await failureOf(t.stack.preview());
        expect(message).toContain(`Preflight of WhalyPostgresAccess on database ${DATABASE} through the provider failed`);
        expect(message).toContain('- schemas[0] "ghost": does not exist');
        expect(await catalogSnapshot(server, DATABASE)).toEqual(before);
    });

    it("with a provider passed in opts, a missing creator stops up at its default privileges, and the next up completes once it exists", async () => {
        const program = (creators: string[]) => providerProgram(server, { schemas: ["sales"], tableCreators: creators });
        t.setProgram(program(["etl", "late_creator"]));
        expect(await failureOf(t.stack.up())).toContain('role "late_creator" does not exist');
        await server.query("CREATE ROLE late_creator");
        await t.stack.up();
        expect(await privilegesOf(server, DATABASE, "whaly_bi")).toEqual(expectedPrivileges(["sales"], ["etl", "late_creator"]));
        await t.stack.destroy();
        expect(await traces(server, DATABASE, "whaly_bi")).toEqual([]);
        before = await catalogSnapshot(server, DATABASE); // late_creator is new
    });

    it("passes, and deploys, once the faults are fixed", async () => {
        await server.query("CREATE SCHEMA ghost", { database: DATABASE });
        await server.query("CREATE ROLE nobody");
        t.setProgram(accessProgram(server, { schemas: ["ghost", "sales"], tableCreators: ["nobody", "etl"] }));
        await t.stack.up();
        await t.stack.preview({ expectNoChanges: true });
        await t.stack.destroy();
    });
});
