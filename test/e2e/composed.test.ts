/**
 * Whaly's access composed into the stack that creates the database, its roles and schemas: on an
 * empty server, `preview` shows every child with one info line, one `up` converges, a table the
 * creator makes afterwards is readable, nothing changes on a second preview, and `destroy` leaves
 * nothing. With the stack's provider in opts and with `admin`; as the bootstrap superuser and as a
 * non-superuser admin the stack creates.
 */
import { EngineEvent } from "@pulumi/pulumi/automation";
import { PostgresMajor, PostgresServer, startPostgres } from "../../scripts/lib/postgresServer";
import { privilegesOf } from "../harness/catalog";
import { as } from "../harness/sessions";
import { newTestStack } from "../harness/stack";
import { COMPOSED_DATABASE, composedProgram, ComposedOptions, MANAGED_ADMIN } from "./support/composed";
import { failureOf, outputValues } from "./support/program";

jest.setTimeout(300_000);

const CASES: Array<[PostgresMajor, ComposedOptions]> = [
    ...[15, 18].flatMap((major) =>
        (["provider", "admin"] as const).flatMap((mode) =>
            [false, true].map((managedAdmin) => [major as PostgresMajor, { mode, managedAdmin }] as [PostgresMajor, ComposedOptions]),
        ),
    ),
    // The alternating rotation composes the same way.
    [18, { mode: "provider", managedAdmin: true, args: { rotation: "alternating" } }],
    [15, { mode: "admin", args: { rotation: "alternating", passwordVersion: 2 } }],
    // So does futureSchemas, with the non-superuser admin acting for the creator it created.
    [18, { mode: "provider", managedAdmin: true, args: { futureSchemas: true } }],
    [15, { mode: "admin", managedAdmin: true, args: { futureSchemas: true, rotation: "alternating" } }],
];

describe.each(CASES)("PostgreSQL %i: a warehouse stack composed with %o", (major, options) => {
    let server: PostgresServer;
    beforeAll(async () => {
        server = await startPostgres(major);
    });
    afterAll(() => server?.stop());

    it("previews every child on an empty server, converges in one up, reads a later table, and destroys cleanly", async () => {
        const t = await newTestStack(
            `composed-${major}-${options.mode}${options.managedAdmin ? "-managed" : ""}${options.args?.rotation ? "-alternating" : ""}${options.args?.futureSchemas ? "-future" : ""}`,
            composedProgram(server, options),
        );
        try {
            const planned: string[] = [];
            let output = "";
            await t.stack.preview({
                onOutput: (line) => (output += line),
                onEvent: (event: EngineEvent) => {
                    const step = event.resourcePreEvent?.metadata;
                    if (step?.op === "create" && step.urn.includes("WhalyPostgresAccess")) planned.push(step.urn.split("::").pop()!);
                },
            });
            expect(output).toContain("The server checks run at up, once");
            const future = options.args?.futureSchemas === true;
            expect(output).not.toMatch(/error:/);
            const creators = options.managedAdmin ? ["etl", MANAGED_ADMIN] : ["etl"];
            if (future) expect(output).toContain(`futureSchemas: the schemas that ${creators.join(" and ")} create from now on`);
            const alternating = options.args?.rotation === "alternating";
            const logins = !alternating
                ? ["whaly/password", "whaly/salt"]
                : [
                      "whaly/user-a",
                      "whaly/user-b",
                      "whaly/password-version",
                      "whaly/password-a",
                      "whaly/salt-a",
                      ...(options.args?.passwordVersion === 2 ? ["whaly/password-b", "whaly/salt-b"] : []),
                  ];
            const expectedChildren = [
                "whaly",
                "whaly/checks",
                ...logins,
                "whaly/role",
                "whaly/connect",
                ...["public", "sales"].flatMap((s) => [`whaly/usage/${s}`, `whaly/select-tables/${s}`, `whaly/select-sequences/${s}`]),
                ...creators.flatMap((c) =>
                    future
                        ? ["tables", "sequences", "schemas"].map((kind) => `whaly/default-${kind}/${c}`)
                        : ["public", "sales"].flatMap((s) => [`whaly/default-tables/${c}/${s}`, `whaly/default-sequences/${c}/${s}`]),
                ),
                ...(options.mode === "admin" ? ["whaly/admin"] : []),
            ];
            expect(planned.sort()).toEqual(expectedChildren.sort());

            await t.stack.up();
            expectGrantsAfterTheRoles(await t.stack.exportStack());
            const out = await outputValues(t.stack);
            await server.query("CREATE TABLE sales.loaded_later (id int); INSERT INTO sales.loaded_later VALUES (7)", {
                database: COMPOSED_DATABASE,
                user: "etl",
                password: out.etlPassword as string,
            });
            expect(
                await as(server, COMPOSED_DATABASE, out.user as string, out.password as string, (s) =>
                    s.query("SELECT id FROM sales.loaded_later"),
                ),
            ).toEqual([{ id: 7 }]);
            expect(await privilegesOf(server, COMPOSED_DATABASE, "whaly_bi")).toContain("table sales.loaded_later SELECT");
            if (future) {
                // A schema etl makes after the deploy is readable at once, with no up.
                await server.query("CREATE SCHEMA etl_fresh; CREATE TABLE etl_fresh.loads AS SELECT 8 AS id", {
                    database: COMPOSED_DATABASE,
                    user: "etl",
                    password: out.etlPassword as string,
                });
                expect(
                    await as(server, COMPOSED_DATABASE, out.user as string, out.password as string, (s) =>
                        s.query("SELECT id FROM etl_fresh.loads"),
                    ),
                ).toEqual([{ id: 8 }]);
                // None of the component's children drifts. (On PostgreSQL 16+ the stack's own admin
                // role does: CREATE ROLE gives its non-superuser creator ADMIN OPTION on etl and whaly_bi,
                // memberships that a refresh reads into the admin's `roles`.)
                const drifted = [...(await t.plannedOps({ refresh: true })).keys()];
                expect(drifted.filter((n) => n === "whaly" || n.startsWith("whaly/"))).toEqual([]);
                await server.query("DROP SCHEMA etl_fresh CASCADE", {
                    database: COMPOSED_DATABASE,
                    user: "etl",
                    password: out.etlPassword as string,
                });
            }
            await t.stack.preview({ expectNoChanges: true });

            // The stack's schema is dropped without CASCADE: the table made by hand goes first.
            await server.query("DROP TABLE sales.loaded_later", {
                database: COMPOSED_DATABASE,
                user: "etl",
                password: out.etlPassword as string,
            });
            await t.stack.destroy();
            expect(
                await server.query(
                    "SELECT rolname FROM pg_roles WHERE rolname IN ('whaly_bi', 'whaly_bi_a', 'whaly_bi_b', 'etl', $$" +
                        MANAGED_ADMIN +
                        "$$)",
                ),
            ).toEqual([]);
            expect(await server.query(`SELECT datname FROM pg_database WHERE datname = '${COMPOSED_DATABASE}'`)).toEqual([]);
        } finally {
            t.dispose();
        }
    });
});

/** No grant or default privilege lists the gate in the state: they follow it through the roles. */
function expectGrantsAfterTheRoles(exported: {
    deployment: { resources?: Array<{ urn: string; type: string; dependencies?: string[] }> };
}): void {
    const grants = (exported.deployment.resources ?? []).filter(
        (r) => /Grant|DefaultPrivileges/.test(r.type) && r.urn.includes("WhalyPostgresAccess$"),
    );
    expect(grants.length).toBeGreaterThan(5);
    for (const grant of grants) {
        expect([grant.urn, grant.dependencies?.some((d) => d.endsWith("::whaly/role"))]).toEqual([grant.urn, true]);
        expect([grant.urn, grant.dependencies?.filter((d) => d.endsWith("::whaly/checks"))]).toEqual([grant.urn, []]);
    }
}

describe("PostgreSQL 18: a composed stack whose component lists a schema nobody creates", () => {
    let server: PostgresServer;
    beforeAll(async () => {
        server = await startPostgres(18);
    });
    afterAll(() => server?.stop());

    it.each(["provider", "admin"] as const)(
        "with %s: preview defers the checks; up creates the rest, then refuses before the component's first child",
        async (mode) => {
            const t = await newTestStack(
                `composed-ghost-${mode}`,
                composedProgram(server, { mode, args: { schemas: ["sales", "ghost"] } }),
            );
            try {
                let output = "";
                await t.stack.preview({ onOutput: (line) => (output += line) });
                expect(output).toContain("The server checks run at up, once");
                const message = await failureOf(t.stack.up());
                expect(message).toContain('- schemas[1] "ghost": does not exist in database warehouse');
                const types = ((await t.stack.exportStack()).deployment.resources ?? []).map((r: { type: string; urn: string }) => r.urn);
                // Nothing of the component's but its provider (a configuration, nothing on the server) is in the state.
                const children = types.filter((urn: string) => urn.includes("WhalyPostgresAccess$"));
                expect(children.filter((urn: string) => !urn.includes("WhalyPostgresAccess$pulumi:providers:"))).toEqual([]);
                expect(types.some((urn: string) => urn.endsWith("postgresql:index/schema:Schema::sales"))).toBe(true);
                await t.stack.destroy();
            } finally {
                t.dispose();
            }
        },
    );
});
