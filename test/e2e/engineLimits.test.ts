/**
 * Where the engine's steps meet what the component promises, through the real CLI: an
 * `up --target` of the component's own role while the server checks fail changes nothing; an
 * adopted role dropped by hand, and refreshed out of the state, is made again by the next `up`;
 * and a concurrent change PostgreSQL refuses is retried at `destroy` as at `up`, `destroy` run as
 * `pulumi destroy` runs it (without the program). The refusal is PostgreSQL's own error, raised on
 * demand by an event trigger on REVOKE: a `deadlock detected` that no timing can make reliably.
 */
import { EngineEvent, LocalWorkspace } from "@pulumi/pulumi/automation";
import { NEWEST_MAJOR, PostgresServer, startPostgres } from "../../scripts/lib/postgresServer";
import { catalogSnapshot, privilegesOf, roleAttributes, traces } from "../harness/catalog";
import { makeCertificates, TestCertificates } from "../harness/certificates";
import { newTestStack, TestStack } from "../harness/stack";
import { DATABASE, seedWarehouse } from "../harness/warehouse";
import { WhalyPostgresAccess } from "../../index";
import { adminOf, failureOf, programFrom } from "./support/program";

jest.setTimeout(600_000);

/** The URN of the child of the component named `child` (e.g. `whaly/role`) in the stack's state. */
async function urnOf(t: TestStack, child: string): Promise<string> {
    const resources = (await t.stack.exportStack()).deployment.resources as Array<{ urn: string }>;
    const urn = resources.map((r) => r.urn).find((u) => u.endsWith(`::${child}`));
    if (!urn) throw new Error(`no ${child} in the state`);
    return urn;
}

/** The engine's warnings that it runs a failed step again at an error hook's request. */
function retries() {
    const seen: string[] = [];
    const onEvent = (event: EngineEvent) => {
        const message = event.diagnosticEvent?.message ?? "";
        if (event.diagnosticEvent?.severity === "warning" && /^retrying \w+ due to on-error hook request/.test(message)) seen.push(message);
    };
    return { seen, onEvent };
}

describe(`PostgreSQL ${NEWEST_MAJOR}: the engine's steps and the component's promises`, () => {
    let server: PostgresServer;
    beforeAll(async () => {
        server = await startPostgres(NEWEST_MAJOR);
        await seedWarehouse(server);
    });
    afterAll(() => server?.stop());

    describe("an up --target of the component's role while the server checks fail", () => {
        let t: TestStack;
        afterAll(async () => {
            await t?.stack.destroy().catch(() => undefined);
            t?.dispose();
        });

        it("changes nothing: the checks' verdict holds for a targeted child too", async () => {
            const args = { roleName: "whaly_target", schemas: ["public", "sales"], tableCreators: ["etl"] };
            t = await newTestStack("limits-target", programFrom("admin", server, args).program);
            await t.stack.up();
            expect((await roleAttributes(server, "whaly_target")).rolconnlimit).toBe(10);

            // dbt and intruder may create tables in sales and public and are not listed: strictTableCreators refuses.
            t.setProgram(programFrom("admin", server, { ...args, strictTableCreators: true, connectionLimit: 5 }).program);
            const full = await failureOf(t.stack.up());
            expect(full).toContain("strictTableCreators");
            expect((await roleAttributes(server, "whaly_target")).rolconnlimit).toBe(10);

            const targeted = await t.stack.up({ target: [await urnOf(t, "whaly/role")] }).then(
                () => "succeeded",
                (e: Error) => e.message,
            );
            expect((await roleAttributes(server, "whaly_target")).rolconnlimit).toBe(10);
            expect(targeted).toContain("strictTableCreators");
        });
    });

    describe("a change that replaces grants while the server checks fail", () => {
        let t: TestStack;
        afterAll(async () => {
            await t?.stack.destroy().catch(() => undefined);
            t?.dispose();
        });

        it("revokes nothing: a database renamed to one that does not exist is refused at preview and at up, before any grant is replaced; a targeted grant without its gate is, and the next up grants it again", async () => {
            const args = { roleName: "whaly_renamed", schemas: ["public", "sales"], tableCreators: ["etl"] };
            const deployed = programFrom("stack config", server, args);
            t = await newTestStack("limits-replaced", deployed.program);
            await t.stack.setAllConfig(deployed.config);
            await t.stack.up();
            const held = await privilegesOf(server, DATABASE, "whaly_renamed");
            expect(held.length).toBeGreaterThan(5);
            // Grants and default privileges are replaced, deleted first, when their database changes.
            t.setProgram(programFrom("stack config", server, { ...args, database: "analytix" }).program);
            expect(await failureOf(t.stack.preview())).toContain("analytix");
            expect(await failureOf(t.stack.up())).toContain("analytix");
            expect(await privilegesOf(server, DATABASE, "whaly_renamed")).toEqual(held);

            // An up --target of a replaced grant with the gate: the gate's create asks the checks first.
            const [connect, gate, salesTables] = await Promise.all(
                ["whaly/connect", "whaly/checks", "whaly/select-tables/sales"].map((child) => urnOf(t, child)),
            );
            expect(await failureOf(t.stack.up({ target: [connect, gate] }))).toContain("analytix");
            expect(await privilegesOf(server, DATABASE, "whaly_renamed")).toEqual(held);
            // Without the gate, the engine deletes the targeted grant (its REVOKE) before its create asks them (docs/preflight.md).
            expect(await failureOf(t.stack.up({ target: [salesTables] }))).toContain("analytix");
            const left = new Set(await privilegesOf(server, DATABASE, "whaly_renamed"));
            const lost = held.filter((p) => !left.has(p));
            expect(lost.length).toBeGreaterThan(0);
            expect(lost.filter((p) => !/ sales\./.test(p))).toEqual([]);

            // The args put back, the next up grants it again (the failed replacement is pending in the
            // state: its retry must not run the old one's REVOKE after the new GRANT); then nothing is planned.
            t.setProgram(deployed.program);
            await t.stack.up();
            expect(await privilegesOf(server, DATABASE, "whaly_renamed")).toEqual(held);
            expect([...(await t.plannedOps()).entries()]).toEqual([]);
        });
    });

    describe("a roleName changed on a deployed component", () => {
        beforeAll(() => server.query(`CREATE ROLE someone_else`));

        // The provider would rename the role in place; the grants' replacement would then REVOKE from a name gone.
        it.each([
            { source: "admin" as const, rotation: "single" as const, from: "whaly_single", to: "whaly_moved", adoptRole: false },
            {
                source: "stack config" as const,
                rotation: "single" as const,
                from: "whaly_config",
                to: "whaly_config_moved",
                adoptRole: false,
            },
            { source: "admin" as const, rotation: "alternating" as const, from: "whaly_group", to: "whaly_team", adoptRole: false },
            // Adopted: the role is imported at up, and an import of another name would replace it, unchecked by any hook.
            { source: "admin" as const, rotation: "single" as const, from: "whaly_adopted", to: "whaly_adopted_moved", adoptRole: true },
        ])(
            "through $source, $rotation (adoptRole: $adoptRole): is refused before the server changes, even to a name someone else has; a component of another name takes Whaly over, and removing the first drops the old roles",
            async ({ source, rotation, from, to, adoptRole }) => {
                // A role made by hand, with a grant the plan does not hold, for the component to take over.
                if (adoptRole)
                    await server.query(`CREATE ROLE ${from} LOGIN; GRANT CREATE ON SCHEMA sales TO ${from}`, { database: DATABASE });
                const args = { roleName: from, rotation, adoptRole, schemas: ["public", "sales"], tableCreators: ["etl"] };
                const { config } = programFrom(source, server, args);
                /** Components of the given names and roles, side by side: the way the refusal advises. */
                const components = (each: Record<string, string>) => async () => {
                    for (const [name, roleName] of Object.entries(each))
                        new WhalyPostgresAccess(name, {
                            database: DATABASE,
                            ...(source === "admin" ? { admin: adminOf(server) } : { host: server.host, port: server.port }),
                            ...args,
                            roleName,
                        });
                };
                const t = await newTestStack(`limits-rename-${from}`, components({ whaly: from }));
                try {
                    await t.stack.setAllConfig(config);
                    await t.stack.up();
                    const held = await privilegesOf(server, DATABASE, from);
                    expect(held.length).toBeGreaterThan(5);
                    const before = await catalogSnapshot(server, DATABASE);

                    for (const roleName of [to, "someone_else"]) {
                        t.setProgram(components({ whaly: roleName }));
                        const refusal = `roleName "${roleName}": would rename the role ${from} this stack deployed`;
                        expect(await failureOf(t.stack.preview())).toContain(refusal);
                        expect(await failureOf(t.stack.up())).toContain(refusal);
                        expect(await catalogSnapshot(server, DATABASE)).toEqual(before);
                    }

                    t.setProgram(components({ whaly: from, "whaly-next": to }));
                    await t.stack.up();
                    expect(await privilegesOf(server, DATABASE, to)).toEqual(held);
                    expect(await privilegesOf(server, DATABASE, from)).toEqual(held);
                    t.setProgram(components({ "whaly-next": to }));
                    await t.stack.up();
                    expect(await privilegesOf(server, DATABASE, to)).toEqual(held);
                    const users = rotation === "alternating" ? ["_a", "_b"] : [];
                    for (const gone of [from, ...users.map((u) => from + u)]) expect(await traces(server, DATABASE, gone)).toEqual([]);
                    for (const user of users) expect((await roleAttributes(server, to + user)).member_of).toEqual([to]);
                    expect(await traces(server, DATABASE, "someone_else")).toEqual(["role someone_else"]);
                    expect([...(await t.plannedOps()).entries()]).toEqual([]);
                } finally {
                    await t.stack.destroy({ runProgram: true }).catch(() => undefined);
                    t.dispose();
                }
            },
        );
    });

    describe("loginUsers changed on a deployed component", () => {
        // A user is renamed in place (ALTER ROLE … RENAME): a name some role has cannot be taken, the other user's included.
        it("to a name some role has is refused before the server changes, naming loginUsers; to a free name, the preview warns, and the user is renamed and logs in", async () => {
            await server.query(`CREATE ROLE hand_user LOGIN`);
            const args = (loginUsers: string[]) => ({
                roleName: "whaly_users",
                rotation: "alternating" as const,
                loginUsers,
                schemas: ["public", "sales"],
                tableCreators: ["etl"],
            });
            const t = await newTestStack("limits-login-users", programFrom("admin", server, args(["whaly_u1", "whaly_u2"])).program);
            try {
                await t.stack.up();
                const before = await catalogSnapshot(server, DATABASE);
                for (const [loginUsers, taken] of [
                    [["hand_user", "whaly_u2"], "hand_user"],
                    [["whaly_u2", "whaly_u1"], "whaly_u2"],
                ] as const) {
                    t.setProgram(programFrom("admin", server, args([...loginUsers])).program);
                    const refusal = `loginUsers "${taken}": is a role that already exists on the server`;
                    expect(await failureOf(t.stack.preview())).toContain(refusal);
                    expect(await failureOf(t.stack.up())).toContain(refusal);
                    expect(await catalogSnapshot(server, DATABASE)).toEqual(before);
                }

                t.setProgram(programFrom("admin", server, args(["whaly_u3", "whaly_u2"])).program);
                let previewed = "";
                await t.stack.preview({ onOutput: (line) => (previewed += line) });
                expect(previewed).toContain(
                    "loginUsers: user whaly_u1 is renamed whaly_u3 at this up: new logins as whaly_u1 stop working",
                );
                expect(previewed).not.toContain("user whaly_u2 is renamed");
                const { outputs } = await t.stack.up();
                expect(await traces(server, DATABASE, "whaly_u1")).toEqual([]);
                expect((await roleAttributes(server, "whaly_u3")).member_of).toEqual(["whaly_users"]);
                expect(outputs.user.value).toBe("whaly_u3");
                const login = await server.query("SELECT current_user AS name", {
                    database: DATABASE,
                    user: "whaly_u3",
                    password: outputs.password.value as string,
                });
                expect(login).toEqual([{ name: "whaly_u3" }]);
                expect(await traces(server, DATABASE, "hand_user")).toEqual(["role hand_user"]);
            } finally {
                await t.stack.destroy({ runProgram: true }).catch(() => undefined);
                t.dispose();
            }
        });
    });

    describe("a hand-made role that logs in without a password (certificate or peer), adopted by a superuser admin", () => {
        it("has no password to keep: the adopting up gives it the stack's, which logs in, and no warning says it keeps one", async () => {
            await server.query("CREATE ROLE whaly_nopassword LOGIN", { database: DATABASE });
            const args = { roleName: "whaly_nopassword", tableCreators: ["etl"], adoptRole: true };
            const t = await newTestStack("limits-no-password", programFrom("admin", server, args).program);
            try {
                let output = "";
                const { outputs } = await t.stack.up({ onOutput: (line) => (output += line) });
                expect(output).not.toContain("keeps the password it has");
                const password = outputs.password.value as string;
                expect(password.length).toBe(32);
                const login = await server.query("SELECT current_user AS name", { database: DATABASE, user: "whaly_nopassword", password });
                expect(login).toEqual([{ name: "whaly_nopassword" }]);
            } finally {
                await t.stack.destroy({ runProgram: true }).catch(() => undefined);
                t.dispose();
            }
        });
    });

    describe("a roleName changed as adoptRole is set", () => {
        it("is refused at preview, before the server changes: the role's update names the rename", async () => {
            const args = { roleName: "whaly_plain", schemas: ["public", "sales"], tableCreators: ["etl"] };
            const t = await newTestStack("limits-rename-adopting", programFrom("admin", server, args).program);
            try {
                await t.stack.up();
                const before = await catalogSnapshot(server, DATABASE);
                t.setProgram(programFrom("admin", server, { ...args, roleName: "whaly_plain_moved", adoptRole: true }).program);
                expect(await failureOf(t.stack.preview())).toContain(
                    'roleName "whaly_plain_moved": would rename the role whaly_plain this stack deployed',
                );
                expect(await catalogSnapshot(server, DATABASE)).toEqual(before);
            } finally {
                t.setProgram(programFrom("admin", server, args).program);
                await t.stack.destroy({ runProgram: true }).catch(() => undefined);
                t.dispose();
            }
        });
    });

    describe("a component removed from the program", () => {
        let t: TestStack;
        afterAll(() => t?.dispose());

        it("is deleted by the next up, though its hooks are no longer registered: nothing of the role is left", async () => {
            const args = { roleName: "whaly_removed", schemas: ["public", "sales"], tableCreators: ["etl"] };
            t = await newTestStack("limits-removed", programFrom("admin", server, args).program);
            await t.stack.up();
            expect((await privilegesOf(server, DATABASE, "whaly_removed")).length).toBeGreaterThan(5);
            t.setProgram(async () => ({}));
            await t.stack.up();
            expect(await traces(server, DATABASE, "whaly_removed")).toEqual([]);
        });
    });

    describe("server checks that fail, then pass again", () => {
        let t: TestStack;
        afterAll(async () => {
            await t?.stack.destroy().catch(() => undefined);
            t?.dispose();
        });

        it("leave every child as it was: the next preview plans nothing", async () => {
            const args = { roleName: "whaly_churn", schemas: ["public", "sales"], tableCreators: ["etl"] };
            t = await newTestStack("limits-churn", programFrom("admin", server, args).program);
            await t.stack.up();
            t.setProgram(programFrom("admin", server, { ...args, strictTableCreators: true }).program);
            expect(await failureOf(t.stack.up())).toContain("strictTableCreators");
            t.setProgram(programFrom("admin", server, args).program);
            expect([...(await t.plannedOps()).entries()]).toEqual([]);
        });
    });

    describe("an adopted role dropped by hand, then refreshed out of the state", () => {
        let t: TestStack;
        afterAll(async () => {
            await t?.stack.destroy().catch(() => undefined);
            t?.dispose();
            await server.query("DROP OWNED BY whaly_gone; DROP ROLE IF EXISTS whaly_gone", { database: DATABASE }).catch(() => undefined);
        });

        it("fails the next up at the import, naming the role; an up that replaces the take-over step makes it again", async () => {
            const args = { roleName: "whaly_gone", tableCreators: ["etl"], adoptRole: true };
            t = await newTestStack("limits-gone", programFrom("admin", server, args).program);
            await t.stack.up();
            expect(await traces(server, DATABASE, "whaly_gone")).toContain("role whaly_gone");

            // A DBA drops it (a restore without it would do the same); the refresh finds it gone.
            await server.query("DROP OWNED BY whaly_gone; DROP ROLE whaly_gone", { database: DATABASE });
            await t.stack.refresh();

            // The take-over ran once, when the role was adopted: the import finds nothing (docs/troubleshooting.md says so, with the fix).
            expect(await failureOf(t.stack.up())).toContain("resource 'whaly_gone' does not exist");
            await t.stack.up({ replace: [await urnOf(t, "whaly/take-over")] });
            expect((await roleAttributes(server, "whaly_gone"))?.rolcanlogin).toBe(true);
        });
    });

    describe("PGSSLROOTCERT holding PEM text, admin.sslRootCert left out", () => {
        let certs: TestCertificates;
        let tls: PostgresServer;
        let t: TestStack;
        beforeAll(async () => {
            certs = makeCertificates();
            tls = await startPostgres(NEWEST_MAJOR, { tls: certs.local, tlsOnly: true });
            await seedWarehouse(tls);
        });
        afterAll(async () => {
            await t?.stack.destroy().catch(() => undefined);
            t?.dispose();
            tls?.stop();
            certs?.dispose();
        });

        it("is refused at preview, naming PGSSLROOTCERT, as admin.sslRootCert's PEM text is: the provider reads a file", async () => {
            const { program } = programFrom("admin", tls, { roleName: "whaly_pem", tableCreators: ["etl"] }, { sslMode: "verify-full" });
            t = await newTestStack("limits-pem-env", program);
            // The inline program (the checks) runs in this process; the provider, in the CLI's environment.
            const cliEnv = (t.stack.workspace as LocalWorkspace).envVars;
            const before = await catalogSnapshot(tls, DATABASE);
            try {
                process.env.PGSSLROOTCERT = cliEnv.PGSSLROOTCERT = certs.caPem;
                const previewed = await t.stack.preview().then(
                    () => "the preview succeeded",
                    (e: Error) => e.message,
                );
                expect(previewed).toContain("PGSSLROOTCERT");
                expect(previewed).toContain("is PEM text");
            } finally {
                delete process.env.PGSSLROOTCERT;
                delete cliEnv.PGSSLROOTCERT;
            }
            expect(await catalogSnapshot(tls, DATABASE)).toEqual(before);
        });
    });

    describe("a deadlock PostgreSQL reports on a REVOKE", () => {
        let t: TestStack;
        /** Makes PostgreSQL refuse the next `n` REVOKEs on local objects with `deadlock detected`. */
        const refuseNextRevokes = (n: number) =>
            server.query(
                `UPDATE injection.refuse
                    SET upto = (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM injection.revokes_seen) + ${n}`,
                { database: DATABASE },
            );

        beforeAll(async () => {
            await server.query(
                `CREATE SCHEMA injection;
                 CREATE SEQUENCE injection.revokes_seen;
                 CREATE TABLE injection.refuse (upto bigint NOT NULL);
                 INSERT INTO injection.refuse VALUES (0);
                 CREATE FUNCTION injection.refuse_revoke() RETURNS event_trigger LANGUAGE plpgsql AS $$
                 BEGIN
                     -- nextval is not rolled back with the refused statement: each REVOKE counts once.
                     IF nextval('injection.revokes_seen') <= (SELECT upto FROM injection.refuse) THEN
                         RAISE EXCEPTION 'deadlock detected' USING ERRCODE = '40P01';
                     END IF;
                 END $$;
                 CREATE EVENT TRIGGER refuse_revoke ON ddl_command_start WHEN TAG IN ('REVOKE') EXECUTE FUNCTION injection.refuse_revoke();`,
                { database: DATABASE },
            );
            const args = { roleName: "whaly_retry", schemas: ["public", "sales"], tableCreators: ["etl"] };
            t = await newTestStack("limits-retry", programFrom("admin", server, args).program);
        });
        afterAll(async () => {
            await refuseNextRevokes(0);
            await t?.stack.destroy({ runProgram: true }).catch(() => undefined);
            t?.dispose();
            await server.query("DROP EVENT TRIGGER refuse_revoke; DROP SCHEMA injection CASCADE", { database: DATABASE });
        });

        it("is retried in the take-over of an adopted role, whose REVOKEs run in its step", async () => {
            await server.query("CREATE ROLE whaly_adopt_retry LOGIN");
            await server.query("GRANT USAGE ON SCHEMA secret TO whaly_adopt_retry; GRANT SELECT ON secret.salaries TO whaly_adopt_retry", {
                database: DATABASE,
            });
            const args = { roleName: "whaly_adopt_retry", schemas: ["public"], tableCreators: ["etl"], adoptRole: true };
            const adopting = await newTestStack("limits-adopt-retry", programFrom("admin", server, args).program);
            try {
                await refuseNextRevokes(1);
                await adopting.stack.up();
                expect(await privilegesOf(server, DATABASE, "whaly_adopt_retry")).not.toEqual(
                    expect.arrayContaining(["table secret.salaries SELECT"]),
                );
                await adopting.stack.destroy({ runProgram: true });
                expect(await traces(server, DATABASE, "whaly_adopt_retry")).toEqual([]);
            } finally {
                adopting.dispose();
            }
        });

        it("is retried at up", async () => {
            await refuseNextRevokes(2);
            const { seen, onEvent } = retries();
            await t.stack.up({ onEvent });
            expect(seen).toHaveLength(2);
        });

        it("is not retried at a destroy without the program, which registers no hook: it fails with PostgreSQL's error, and a second destroy completes", async () => {
            await refuseNextRevokes(1);
            const { seen, onEvent } = retries();
            expect(await failureOf(t.stack.destroy({ onEvent }))).toContain("deadlock detected");
            expect(seen).toHaveLength(0);
            await t.stack.destroy();
            expect(await traces(server, DATABASE, "whaly_retry")).toEqual([]);
        });

        it("is retried at destroy --run-program, where the program registers the hook", async () => {
            await t.stack.up();
            await refuseNextRevokes(1);
            const { seen, onEvent } = retries();
            await t.stack.destroy({ runProgram: true, onEvent });
            expect(seen).toHaveLength(1);
            expect(await traces(server, DATABASE, "whaly_retry")).toEqual([]);
        });
    });
});
