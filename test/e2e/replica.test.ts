/**
 * Whaly on a read replica, as Whaly's guide allows: the component provisions on the primary and
 * gives the replica as Whaly's host; the role logs into the replica with the outputs and reads,
 * tables a creator makes later on the primary too, once replicated. An admin pointed at the
 * replica by mistake is refused at preview, saying where to point it.
 */
import { PostgresServer, startPostgres } from "../../scripts/lib/postgresServer";
import { catalogSnapshot } from "../harness/catalog";
import { as } from "../harness/sessions";
import { newTestStack, TestStack } from "../harness/stack";
import { CREATOR_PASSWORD, DATABASE, seedWarehouse } from "../harness/warehouse";
import { accessProgram, failureOf, outputValues } from "./support/program";

jest.setTimeout(300_000);

/** Waits until `check` holds on the replica (replication is asynchronous). */
async function eventually(check: () => Promise<boolean>): Promise<void> {
    for (let i = 0; i < 100; i++) {
        if (await check().catch(() => false)) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error("the replica never caught up");
}

describe.each([15, 18] as const)("PostgreSQL %i: Whaly reads a streaming replica", (major) => {
    let primary: PostgresServer;
    let replica: PostgresServer;
    let t: TestStack;

    beforeAll(async () => {
        primary = await startPostgres(major);
        await seedWarehouse(primary);
        replica = await startPostgres(major, { replicaOf: primary });
        t = await newTestStack(
            `replica-pg${major}`,
            accessProgram(primary, { schemas: ["public", "sales"], tableCreators: ["etl"], host: replica.host, port: replica.port }),
        );
    });
    afterAll(() => {
        t?.dispose();
        replica?.stop();
        primary?.stop();
    });

    it("provisions on the primary; the outputs log into the replica, which reads what exists and what etl creates later", async () => {
        await t.stack.up();
        const out = await outputValues(t.stack);
        expect(out).toMatchObject({ host: replica.host, port: replica.port, user: "whaly_bi" });
        const [{ in_recovery }] = await replica.query<{ in_recovery: boolean }>("SELECT pg_is_in_recovery() AS in_recovery");
        expect(in_recovery).toBe(true);
        const password = out.password as string;
        await eventually(() => as(replica, DATABASE, "whaly_bi", password, (s) => s.canSelect("sales.orders")));
        await primary.query("CREATE TABLE sales.etl_later (id int); INSERT INTO sales.etl_later VALUES (1)", {
            database: DATABASE,
            user: "etl",
            password: CREATOR_PASSWORD,
        });
        await eventually(
            async () => (await as(replica, DATABASE, "whaly_bi", password, (s) => s.query("SELECT id FROM sales.etl_later"))).length === 1,
        );
        expect(await as(replica, DATABASE, "whaly_bi", password, (s) => s.canSelect("secret.salaries"))).toBe(false);
    });

    it("an admin pointed at the replica is refused at preview, saying where to point it, and nothing changes", async () => {
        await t.stack.destroy();
        await eventually(async () => (await replica.query("SELECT 1 FROM pg_roles WHERE rolname = 'whaly_bi'")).length === 0);
        const before = await catalogSnapshot(primary, DATABASE);
        t.setProgram(
            accessProgram(primary, {
                tableCreators: ["etl"],
                admin: {
                    host: replica.host,
                    port: replica.port,
                    username: "postgres",
                    password: replica.adminPassword,
                    sslMode: "disable",
                },
            }),
        );
        const message = await failureOf(t.stack.preview());
        expect(message).toContain(`Preflight of WhalyPostgresAccess on 127.0.0.1:${replica.port}/analytics as postgres failed`);
        expect(message).toContain('- server "a read replica": refuses every change: point the admin (or the provider) at the primary');
        expect(await catalogSnapshot(primary, DATABASE)).toEqual(before);
    });
});
