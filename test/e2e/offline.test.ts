/**
 * A preview on a runner that cannot reach the database (a pull request's runner outside the
 * private network), the way users give the component its connection: `admin`, the stack's own
 * provider in opts, or the default provider from stack config; and a stack that also declares the
 * database, its roles and schemas, deployed, then previewed with a change while its server is down.
 * Each preview succeeds with one warning saying the checks run at up and shows what would change;
 * the `up` that follows, where the server still cannot be reached, changes nothing.
 */
import * as net from "node:net";
import { EngineEvent } from "@pulumi/pulumi/automation";
import { NEWEST_MAJOR, PostgresServer, startPostgres } from "../../scripts/lib/postgresServer";
import { newTestStack } from "../harness/stack";
import { COMPOSED_DATABASE, composedProgram } from "./support/composed";
import { CONNECTION_SOURCES, failureOf, programFrom } from "./support/program";

jest.setTimeout(300_000);

const UNREACHABLE = "The server checks run at up, once the server can be reached";

/** A port on this machine that nothing listens on. */
async function closedPort(): Promise<number> {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const { port } = probe.address() as net.AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    return port;
}

/** What a preview or up plans, by resource name (steps other than `same`), and its warnings and errors. */
function recorder() {
    const changes = new Map<string, string>();
    const diagnostics: Array<{ severity: string; message: string }> = [];
    const onEvent = (event: EngineEvent) => {
        const step = event.resourcePreEvent?.metadata;
        if (step && step.op !== "same") changes.set(step.urn.split("::").pop()!, step.op);
        const d = event.diagnosticEvent;
        if (d && (d.severity === "warning" || d.severity === "error")) diagnostics.push({ severity: d.severity, message: d.message });
    };
    return { changes, diagnostics, onEvent };
}

describe.each(CONNECTION_SOURCES)("a server that cannot be reached, the connection given through %s", (source) => {
    it("previews every child with one warning; the up is refused and creates none of them", async () => {
        const nowhere = { host: "127.0.0.1", port: await closedPort(), adminUser: "postgres", adminPassword: "offline-Password-7" };
        const { program, config } = programFrom(source, nowhere as PostgresServer, {
            schemas: ["public", "sales"],
            tableCreators: ["etl"],
        });
        const t = await newTestStack(`offline-${source.replace(" ", "-")}`, program);
        try {
            await t.stack.setAllConfig(config);
            const { changes, diagnostics, onEvent } = recorder();
            await t.stack.preview({ onEvent });
            expect([...changes.keys()].filter((name) => name.startsWith("whaly/")).sort()).toEqual(
                [
                    ...(source === "admin" ? ["admin"] : []),
                    "checks",
                    "connect",
                    "default-sequences/etl/public",
                    "default-sequences/etl/sales",
                    "default-tables/etl/public",
                    "default-tables/etl/sales",
                    "password",
                    "role",
                    "salt",
                    "select-sequences/public",
                    "select-sequences/sales",
                    "select-tables/public",
                    "select-tables/sales",
                    "usage/public",
                    "usage/sales",
                ].map((child) => `whaly/${child}`),
            );
            expect(diagnostics).toEqual([{ severity: "warning", message: expect.stringContaining(UNREACHABLE) }]);
            expect(JSON.stringify(diagnostics)).not.toContain(nowhere.adminPassword);

            const message = await failureOf(t.stack.up());
            expect(message).toContain("cannot connect");
            expect(message).not.toContain(nowhere.adminPassword);
            const state = ((await t.stack.exportStack()).deployment.resources ?? []) as Array<{ type: string }>;
            expect(state.filter((r) => r.type.startsWith("postgresql:index/") || r.type.startsWith("random:"))).toEqual([]);
        } finally {
            t.dispose();
        }
    });
});

describe(`PostgreSQL ${NEWEST_MAJOR}: a deployed stack that declares the database, its roles and schemas, previewed while its server is down`, () => {
    let server: PostgresServer;
    beforeAll(async () => {
        server = await startPostgres(NEWEST_MAJOR);
    });
    afterAll(() => server?.stop());

    it("shows the change the args make, with one warning; once the server is back, the up applies it and destroy cleans up", async () => {
        const t = await newTestStack("offline-composed", composedProgram(server, { mode: "provider" }));
        try {
            await t.stack.up();
            t.setProgram(composedProgram(server, { mode: "provider", args: { connectionLimit: 5 } }));
            server.halt();
            const { changes, diagnostics, onEvent } = recorder();
            await t.stack.preview({ onEvent });
            // The role alone changes; its own step asks the checks at up.
            expect([...changes.entries()].filter(([name]) => name !== "whaly-e2e-offline-composed")).toEqual([["whaly/role", "update"]]);
            expect(diagnostics).toEqual([{ severity: "warning", message: expect.stringContaining(UNREACHABLE) }]);

            server.start();
            await t.stack.up();
            const [role] = await server.query<{ rolconnlimit: number }>("SELECT rolconnlimit FROM pg_roles WHERE rolname = 'whaly_bi'", {
                database: COMPOSED_DATABASE,
            });
            expect(role.rolconnlimit).toBe(5);
            await t.stack.destroy();
        } finally {
            if (server) server.start();
            t.dispose();
        }
    });
});
