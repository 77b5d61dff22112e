/**
 * The engine's contract, through the real CLI (a preview where the server cannot be reached is
 * offline.test.ts): an `up` that targets another resource runs none of the component's statements
 * (a hand-made grant on an adopted role survives it); a runner that never ran the program refreshes and destroys from
 * the state alone; and the default provider, configured from stack config, is refused with the fix
 * where it would leave the role behind at destroy, and destroys cleanly once fixed. With adoptRole,
 * the stack's password stays where the role had none to keep: a role the take-over made, a NOLOGIN
 * one, one the stack made before adoptRole was set.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as random from "@pulumi/random";
import { EngineEvent, LocalWorkspace } from "@pulumi/pulumi/automation";
import { NEWEST_MAJOR, PostgresServer, startPostgres } from "../../scripts/lib/postgresServer";
import { installedPulumi } from "../../scripts/lib/pulumiCli";
import { WhalyPostgresAccess } from "../../index";
import { catalogSnapshot, privilegesOf, traces } from "../harness/catalog";
import { makeCertificates, TestCertificates } from "../harness/certificates";
import { makeByHand } from "../harness/handMade";
import { newTestStack, PASSPHRASE, TestStack } from "../harness/stack";
import { CREATOR_PASSWORD, DATABASE, seedWarehouse } from "../harness/warehouse";
import { adminOf, CONNECTION_SOURCES, failureOf, programFrom } from "./support/program";

jest.setTimeout(600_000);

/** The resources a preview or up reports steps for (by name: the last step, and every step), and its diagnostics. */
function recorder() {
    const steps = new Map<string, string>();
    const every = new Map<string, string[]>();
    const diagnostics: Array<{ severity: string; message: string }> = [];
    const onEvent = (event: EngineEvent) => {
        const step = event.resourcePreEvent?.metadata;
        if (step) {
            const name = step.urn.split("::").pop()!;
            steps.set(name, step.op);
            every.set(name, [...(every.get(name) ?? []), step.op]);
        }
        if (event.diagnosticEvent) diagnostics.push({ severity: event.diagnosticEvent.severity, message: event.diagnosticEvent.message });
    };
    return { steps, every, diagnostics, onEvent };
}

/** The stack's password output, once Whaly has read a table with it as `user`. */
async function passwordThatLogsIn(server: PostgresServer, t: TestStack, user: string): Promise<string> {
    const password = (await t.stack.outputs()).password.value as string;
    expect(password).toMatch(/^[A-Za-z0-9]{32}$/);
    const [row] = await server.query<{ ok: number }>("SELECT 1 AS ok FROM public.customers LIMIT 1", {
        database: DATABASE,
        user,
        password,
    });
    expect(row.ok).toBe(1);
    return password;
}

describe(`PostgreSQL ${NEWEST_MAJOR}: the component through the engine's steps`, () => {
    let server: PostgresServer;
    beforeAll(async () => {
        server = await startPostgres(NEWEST_MAJOR);
        await seedWarehouse(server);
    });
    afterAll(() => server?.stop());

    describe("an up that targets another resource, with adoptRole", () => {
        let t: TestStack;
        let elsewhere = "1";
        beforeAll(async () => {
            makeByHand(server, false);
            t = await newTestStack("engine-target", async () => {
                new WhalyPostgresAccess("whaly", {
                    database: DATABASE,
                    schemas: ["public", "sales"],
                    tableCreators: ["etl"],
                    adoptRole: true,
                    admin: adminOf(server),
                });
                new random.RandomString("elsewhere", { length: 8, keepers: { round: elsewhere } });
            });
            await t.stack.up();
        });
        afterAll(async () => {
            await t?.stack.destroy().catch(() => undefined);
            t?.dispose();
        });

        it("runs none of the component's statements: the grant a DBA made since survives, and the adoption is not run again", async () => {
            await server.query("GRANT SELECT ON secret.salaries TO whaly_bi; GRANT USAGE ON SCHEMA secret TO whaly_bi", {
                database: DATABASE,
            });
            const before = await privilegesOf(server, DATABASE, "whaly_bi");
            expect(before).toEqual(expect.arrayContaining(["table secret.salaries SELECT", "schema secret USAGE"]));
            elsewhere = "2";
            const urn = ((await t.stack.exportStack()).deployment.resources as Array<{ urn: string }>)
                .map((r) => r.urn)
                .find((u) => u.endsWith("::elsewhere"))!;
            const { steps, onEvent } = recorder();
            await t.stack.up({ target: [urn], onEvent });
            expect([...steps.entries()].filter(([, op]) => op !== "same").map(([name]) => name)).toEqual(["elsewhere"]);
            expect(await privilegesOf(server, DATABASE, "whaly_bi")).toEqual(before);
            // A whole up leaves it too: the take-over ran when the role was adopted, in its own step, and not since.
            await t.stack.up();
            expect(await privilegesOf(server, DATABASE, "whaly_bi")).toEqual(before);
        });
    });

    describe("adoptRole where no role of that name exists yet", () => {
        it("up creates the role in the take-over step, imports it, gives it the stack's password; the next preview plans nothing", async () => {
            const t = await newTestStack("engine-adopt-missing", async () => undefined);
            const { program } = programFrom("admin", server, { roleName: "whaly_new", tableCreators: ["etl"], adoptRole: true });
            t.setProgram(program);
            const { steps, every, onEvent } = recorder();
            await t.stack.up({ onEvent });
            expect(steps.get("whaly/take-over")).toBe("create");
            // Imported as the take-over made it (NOLOGIN, no password), then given what the plan says.
            expect(every.get("whaly/role")).toEqual(["import", "update"]);
            const password = await passwordThatLogsIn(server, t, "whaly_new");
            const { steps: planned, onEvent: onPreview } = recorder();
            await t.stack.preview({ onEvent: onPreview, expectNoChanges: true });
            expect([...planned.values()].filter((op) => op !== "same")).toEqual([]);
            // The next up finds the role on the server, as an adopted one would be: its password stays the stack's.
            const { steps: again, onEvent: onUp } = recorder();
            await t.stack.up({ onEvent: onUp });
            expect([...again.values()].filter((op) => op !== "same")).toEqual([]);
            expect(await passwordThatLogsIn(server, t, "whaly_new")).toBe(password);
            await t.stack.destroy();
            expect(await traces(server, DATABASE, "whaly_new")).toEqual([]);
            t.dispose();
        });
    });

    describe("adoptRole over a NOLOGIN role, as a take-over that stopped before the role's import leaves it", () => {
        it("gives it the stack's password at once: it had none to keep", async () => {
            await server.query("CREATE ROLE whaly_bare NOLOGIN");
            const t = await newTestStack(
                "engine-adopt-bare",
                programFrom("admin", server, { roleName: "whaly_bare", tableCreators: ["etl"], adoptRole: true }).program,
            );
            try {
                await t.stack.up();
                await passwordThatLogsIn(server, t, "whaly_bare");
                expect([...(await t.plannedOps()).entries()]).toEqual([]);
            } finally {
                await t.stack.destroy().catch(() => undefined);
                t.dispose();
            }
        });
    });

    describe("adoptRole set on a component whose role the stack made", () => {
        it.each(CONNECTION_SOURCES)(
            "through %s: takes nothing of the role's password: the up keeps the password output and Whaly's login, takes the role over once (a hand grant goes), and the next preview plans nothing",
            async (source) => {
                const roleName = `whaly_made_${source.replace(" ", "_")}`;
                const args = { roleName, tableCreators: ["etl"] };
                const { program, config } = programFrom(source, server, args);
                const t = await newTestStack(`engine-adopt-later-${source.replace(" ", "-")}`, program);
                try {
                    await t.stack.setAllConfig(config);
                    await t.stack.up();
                    const password = await passwordThatLogsIn(server, t, roleName);
                    await server.query(`GRANT USAGE ON SCHEMA secret TO ${roleName}; GRANT SELECT ON secret.salaries TO ${roleName}`, {
                        database: DATABASE,
                    });
                    expect(await privilegesOf(server, DATABASE, roleName)).toContain("table secret.salaries SELECT");
                    // The salt in the state has no keepers; the program gives them, the role existing: they must not read as the state's.
                    t.setProgram(programFrom(source, server, { ...args, adoptRole: true }).program);
                    await t.stack.up();
                    expect(await passwordThatLogsIn(server, t, roleName)).toBe(password);
                    expect(await privilegesOf(server, DATABASE, roleName)).not.toContain("table secret.salaries SELECT");
                    expect([...(await t.plannedOps()).entries()]).toEqual([]);
                } finally {
                    await t.stack.destroy({ runProgram: true }).catch(() => undefined);
                    t.dispose();
                }
            },
        );
    });

    describe("the default provider from stack config, with futureSchemas", () => {
        let t: TestStack;
        beforeAll(async () => {
            t = await newTestStack("engine-config", async () => undefined);
        });
        afterAll(() => t?.dispose());

        it("is refused at preview where postgresql:database is another database, with the fix, before anything changes", async () => {
            const { program, config } = programFrom("stack config", server, {
                schemas: ["sales"],
                tableCreators: ["etl"],
                futureSchemas: true,
            });
            delete config["postgresql:database"];
            await t.stack.setAllConfig(config);
            t.setProgram(program);
            const before = await catalogSnapshot(server, DATABASE);
            const message = await failureOf(t.stack.preview());
            expect(message).toContain("postgresql config");
            expect(message).toContain(`set postgresql:database to ${DATABASE}`);
            expect(await catalogSnapshot(server, DATABASE)).toEqual(before);
        });

        it("once set, deploys; a creator makes a schema Whaly reads; destroy leaves no trace", async () => {
            const { program, config } = programFrom("stack config", server, {
                schemas: ["sales"],
                tableCreators: ["etl"],
                futureSchemas: true,
            });
            await t.stack.setAllConfig(config);
            t.setProgram(program);
            await t.stack.up();
            const etl = { database: DATABASE, user: "etl", password: CREATOR_PASSWORD };
            await server.query("GRANT CREATE ON DATABASE analytics TO etl", { database: DATABASE });
            await server.query("CREATE SCHEMA made_later; CREATE TABLE made_later.t (id int)", etl);
            expect(await privilegesOf(server, DATABASE, "whaly_bi")).toEqual(
                expect.arrayContaining(["schema made_later USAGE", "table made_later.t SELECT"]),
            );
            await t.stack.destroy();
            expect(await traces(server, DATABASE, "whaly_bi")).toEqual([]);
            await server.query("DROP SCHEMA made_later CASCADE; REVOKE CREATE ON DATABASE analytics FROM etl", { database: DATABASE });
        });
    });

    describe("a runner that never ran the program", () => {
        let certs: TestCertificates;
        let tls: PostgresServer;
        beforeAll(async () => {
            certs = makeCertificates();
            tls = await startPostgres(NEWEST_MAJOR, { tls: certs.local, tlsOnly: true });
            await seedWarehouse(tls);
        });
        afterAll(() => {
            tls?.stop();
            certs?.dispose();
        });

        it("refreshes and destroys from the state alone, every file the program's runs wrote deleted", async () => {
            const t = await newTestStack("engine-runner", async () => undefined);
            const { program } = programFrom(
                "admin",
                tls,
                { tableCreators: ["etl"] },
                { sslMode: "verify-full", sslRootCert: certs.caFile },
            );
            t.setProgram(program);
            // The runs' temporary directory, the program's (this process) and the CLI's and plugins' alike, is one of their own.
            const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "whaly-runner-"));
            const previous = process.env.TMPDIR;
            (t.stack.workspace as LocalWorkspace).envVars.TMPDIR = process.env.TMPDIR = tmp;
            try {
                await t.stack.up();
            } finally {
                if (previous === undefined) delete process.env.TMPDIR;
                else process.env.TMPDIR = previous;
            }
            expect(await privilegesOf(tls, DATABASE, "whaly_bi")).not.toEqual([]);
            // Whatever the runs wrote there goes, as on a new runner (a new workspace, too); the state stays.
            fs.rmSync(tmp, { recursive: true, force: true });

            const fresh = await LocalWorkspace.selectStack(
                { projectName: "whaly-e2e", stackName: "engine-runner", program: async () => undefined },
                {
                    projectSettings: { name: "whaly-e2e", runtime: "nodejs", backend: { url: `file://${t.backendDir}` } },
                    ...(await installedPulumi({ PULUMI_CONFIG_PASSPHRASE: PASSPHRASE })),
                },
            );
            const refreshed = await fresh.refresh();
            expect(refreshed.summary.result).toBe("succeeded");
            await fresh.destroy();
            expect(await traces(tls, DATABASE, "whaly_bi")).toEqual([]);
            t.dispose();
        });
    });
});
