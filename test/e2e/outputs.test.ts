/**
 * Whaly's form, filled from the outputs, logs in, whatever form the admin's port takes: an Output
 * of a resource this update creates (a server's port would be one), or PGPORT in the environment
 * of the program, with `port` left to default to the admin's. Through the real CLI and provider.
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { Client } from "pg";
import { NEWEST_MAJOR, PostgresServer, startPostgres } from "../../scripts/lib/postgresServer";
import { WhalyPostgresAccess, WhalyPostgresAdminArgs } from "../../index";
import { newTestStack, TestStack } from "../harness/stack";
import { DATABASE, seedWarehouse } from "../harness/warehouse";
import { outputValues } from "./support/program";

jest.setTimeout(300_000);

/** Logs in with the five fields of Whaly's form, as the stack outputs them, and reads. */
async function whalyReads(out: Record<string, unknown>): Promise<number> {
    const client = new Client({
        host: out.host as string,
        port: out.port as number,
        database: out.database as string,
        user: out.user as string,
        password: out.password as string,
        connectionTimeoutMillis: 10_000,
    });
    await client.connect();
    try {
        return Number((await client.query("SELECT count(*) AS n FROM public.customers")).rows[0].n);
    } finally {
        await client.end();
    }
}

describe(`PostgreSQL ${NEWEST_MAJOR}: Whaly's five fields from the outputs, the admin's port given each way`, () => {
    let server: PostgresServer;
    let t: TestStack;

    const program = (port: () => pulumi.Input<number> | undefined) => async () => {
        const admin: WhalyPostgresAdminArgs = {
            host: server.host,
            port: port(),
            username: server.adminUser,
            password: server.adminPassword,
            sslMode: "disable",
        };
        const access = new WhalyPostgresAccess("whaly", { database: DATABASE, admin });
        return { host: access.host, port: access.port, database: access.database, user: access.user, password: access.password };
    };

    beforeAll(async () => {
        server = await startPostgres(NEWEST_MAJOR);
        await seedWarehouse(server);
    });
    afterEach(async () => {
        await t?.stack.destroy();
        t?.dispose();
        delete process.env.PGPORT;
    });
    afterAll(() => server?.stop());

    it("admin.port an Output of a resource this update creates", async () => {
        t = await newTestStack(
            "outputs-port-output",
            program(() => new random.RandomId("server-port", { byteLength: 2 }).id.apply(() => server.port)),
        );
        await t.stack.up();
        const out = await outputValues(t.stack);
        expect(out.port).toBe(server.port);
        expect(await whalyReads(out)).toBe(1);
    });

    it("admin.port left to PGPORT", async () => {
        // The inline program runs in this process: its environment is this one's.
        process.env.PGPORT = String(server.port);
        t = await newTestStack(
            "outputs-port-pgport",
            program(() => undefined),
        );
        await t.stack.up();
        const out = await outputValues(t.stack);
        expect(out.port).toBe(server.port);
        expect(await whalyReads(out)).toBe(1);
    });
});
