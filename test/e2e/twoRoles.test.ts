/**
 * Two components over the same schemas in one stack (production and staging BI roles), with
 * nothing ordering one after the other: the engine runs their grants side by side, on the same
 * ACLs, which PostgreSQL refuses to change concurrently ("tuple concurrently updated"); each
 * child retries that. Created, updated and destroyed together, five rounds, each role ending with
 * exactly its own privileges. And the same database on two servers, deployed side by side too.
 */
import { NEWEST_MAJOR, PostgresServer, startPostgres } from "../../scripts/lib/postgresServer";
import { WhalyPostgresAccess, WhalyPostgresAccessArgs } from "../../index";
import { privilegesOf, traces } from "../harness/catalog";
import { as } from "../harness/sessions";
import { newTestStack, TestStack } from "../harness/stack";
import { DATABASE, EXISTING, expectedPrivileges, seedWarehouse } from "../harness/warehouse";

jest.setTimeout(600_000);

const ROLES = { whaly: "whaly_bi", staging: "whaly_bi_staging" };

describe(`PostgreSQL ${NEWEST_MAJOR}: two BI roles over the same schemas in one stack`, () => {
    let server: PostgresServer;
    let t: TestStack;

    function program(schemas: Array<keyof typeof EXISTING>) {
        return async () => {
            const outputs: Record<string, unknown> = {};
            for (const [name, roleName] of Object.entries(ROLES)) {
                const args: WhalyPostgresAccessArgs = {
                    database: DATABASE,
                    roleName,
                    schemas,
                    tableCreators: ["etl", "dbt"],
                    admin: {
                        host: server.host,
                        port: server.port,
                        username: server.adminUser,
                        password: server.adminPassword,
                        sslMode: "disable",
                    },
                };
                outputs[name] = new WhalyPostgresAccess(name, args).password;
            }
            return outputs;
        };
    }

    async function expectExactly(schemas: Array<keyof typeof EXISTING>): Promise<void> {
        const outputs = await t.stack.outputs();
        for (const [name, roleName] of Object.entries(ROLES)) {
            expect(await privilegesOf(server, DATABASE, roleName)).toEqual(expectedPrivileges(schemas, ["etl", "dbt"]));
            const readable = await as(server, DATABASE, roleName, outputs[name].value as string, (s) => s.canSelect("sales.orders"));
            expect(readable).toBe(schemas.includes("sales"));
        }
    }

    beforeAll(async () => {
        server = await startPostgres(NEWEST_MAJOR);
        await seedWarehouse(server);
        t = await newTestStack("two-roles", program(["public"]));
    });
    afterAll(() => {
        t?.dispose();
        server?.stop();
    });

    it.each([1, 2, 3, 4, 5])("round %i: create, add a schema, remove it, destroy: both roles exactly right at every step", async () => {
        t.setProgram(program(["public"]));
        await t.stack.up();
        await expectExactly(["public"]);
        // No queue between them: none of either one's PostgreSQL resources depends on the other's,
        // so the engine may run any of them at the same moment.
        const resources: Array<{ urn: string; type: string; dependencies?: string[] }> = (await t.stack.exportStack()).deployment.resources;
        for (const [mine, other] of [
            ["whaly", "staging"],
            ["staging", "whaly"],
        ]) {
            const children = resources.filter((r) => r.type.startsWith("postgresql:index/") && r.urn.includes(`::${mine}/`));
            expect(children.length).toBeGreaterThan(0);
            for (const r of children) expect([r.urn, (r.dependencies ?? []).filter((d) => d.includes(`::${other}/`))]).toEqual([r.urn, []]);
        }
        t.setProgram(program(["public", "sales"]));
        await t.stack.up();
        await expectExactly(["public", "sales"]);
        t.setProgram(program(["public"]));
        await t.stack.up();
        await expectExactly(["public"]);
        await t.stack.preview({ expectNoChanges: true, refresh: true });
        // With the program, as docs/troubleshooting.md advises: a plain destroy registers no hook, and
        // the two roles' REVOKEs on one schema's ACL are not retried.
        await t.stack.destroy({ runProgram: true });
        for (const roleName of Object.values(ROLES)) expect(await traces(server, DATABASE, roleName)).toEqual([]);
    });
});

describe(`PostgreSQL ${NEWEST_MAJOR}: the same database on two servers in one stack`, () => {
    let servers: PostgresServer[] = [];
    let t: TestStack;

    const program = () => async () =>
        Object.fromEntries(
            servers.map((server, i) => [
                `server${i}`,
                new WhalyPostgresAccess(`server${i}`, {
                    database: DATABASE,
                    schemas: ["public", "sales"],
                    tableCreators: ["etl", "dbt"],
                    admin: {
                        host: server.host,
                        port: server.port,
                        username: server.adminUser,
                        password: server.adminPassword,
                        sslMode: "disable",
                    },
                }).password,
            ]),
        );

    beforeAll(async () => {
        servers = await Promise.all([startPostgres(NEWEST_MAJOR), startPostgres(NEWEST_MAJOR)]);
        await Promise.all(servers.map((server) => seedWarehouse(server)));
        t = await newTestStack("two-servers", program());
    });
    afterAll(() => {
        t?.dispose();
        for (const server of servers) server.stop();
    });

    it("deploys them side by side: neither one's resources depend on the other's, and each role is exactly right on its server", async () => {
        await t.stack.up();
        const resources: Array<{ urn: string; type: string; dependencies?: string[] }> = (await t.stack.exportStack()).deployment.resources;
        for (const [mine, other] of [
            ["server0", "server1"],
            ["server1", "server0"],
        ]) {
            const children = resources.filter((r) => r.type.startsWith("postgresql:index/") && r.urn.includes(`::${mine}/`));
            expect(children.length).toBeGreaterThan(0);
            for (const r of children) expect([r.urn, (r.dependencies ?? []).filter((d) => d.includes(`::${other}/`))]).toEqual([r.urn, []]);
        }
        const outputs = await t.stack.outputs();
        for (const [i, server] of servers.entries()) {
            expect(await privilegesOf(server, DATABASE, "whaly_bi")).toEqual(expectedPrivileges(["public", "sales"], ["etl", "dbt"]));
            const password = outputs[`server${i}`].value as string;
            expect(await as(server, DATABASE, "whaly_bi", password, (s) => s.canSelect("sales.orders"))).toBe(true);
        }
        await t.stack.destroy();
        for (const server of servers) expect(await traces(server, DATABASE, "whaly_bi")).toEqual([]);
    });
});
