/**
 * The real Pulumi CLI and provider against a real PostgreSQL of the newest major: after each
 * step, log in as the BI role and try things, and read the catalog.
 */
import { NEWEST_MAJOR, PostgresServer, startPostgres } from "../../scripts/lib/postgresServer";
import { privilegesOf, traces } from "../harness/catalog";
import { as } from "../harness/sessions";
import { newTestStack, TestStack } from "../harness/stack";
import {
    accessReport,
    createLaterObjects,
    DATABASE,
    expectedPrivileges,
    LATER_OBJECTS_ACCESS,
    laterObjectsReadable,
    READ_ONLY_ACCESS,
    seedWarehouse,
} from "../harness/warehouse";
import { renderAccessSql } from "../../components/plan/sql";
import { accessProgram, outputValues } from "./support/program";

jest.setTimeout(300_000);

describe(`PostgreSQL ${NEWEST_MAJOR}: one stack through its life`, () => {
    let server: PostgresServer;
    let t: TestStack;
    let password: string;

    beforeAll(async () => {
        server = await startPostgres(NEWEST_MAJOR);
        await seedWarehouse(server);
        t = await newTestStack("newest", accessProgram(server, { schemas: ["public", "sales"], tableCreators: ["etl", "dbt"] }));
    });
    afterAll(() => {
        t?.dispose();
        server?.stop();
    });

    it("preview of the new stack already shows the SQL it amounts to, which up then reports the same", async () => {
        const preview = await t.stack.preview({ diff: true });
        // Known at preview (the engine shows the start of it), though the password is not yet.
        expect(preview.stdout).toMatch(
            /accessSql\s+: "\\\\set ON_ERROR_STOP on\\nCREATE ROLE \\"whaly_bi\\" WITH ENCRYPTED PASSWORD '<password elided>'/,
        );
        expect(preview.stdout).toMatch(/connectionString\s+: \[unknown\]/);
        await t.stack.up();
        const expected = renderAccessSql({
            database: DATABASE,
            schemas: ["public", "sales"],
            tableCreators: ["etl", "dbt"],
            admin: { host: "h", username: "postgres" },
        });
        expect((await outputValues(t.stack)).accessSql).toBe(expected);
    });

    it("up: the BI role logs in with the output password, and only with it", async () => {
        const out = await outputValues(t.stack);
        password = out.password as string;
        expect(password).toMatch(/^[A-Za-z0-9]{32}$/);
        expect(await as(server, DATABASE, "whaly_bi", password, (s) => s.query("SELECT current_user AS u"))).toEqual([{ u: "whaly_bi" }]);
        await expect(as(server, DATABASE, "whaly_bi", `${password}x`, async () => undefined)).rejects.toThrow(
            /password authentication failed/,
        );
    });

    it("reads every existing table, view, materialized view and sequence of the listed schemas, nothing of unlisted schemas, and writes nothing", async () => {
        expect(await as(server, DATABASE, "whaly_bi", password, accessReport)).toEqual(READ_ONLY_ACCESS);
    });

    it("the catalog holds exactly the expected privileges", async () => {
        expect(await privilegesOf(server, DATABASE, "whaly_bi")).toEqual(expectedPrivileges(["public", "sales"], ["etl", "dbt"]));
    });

    it("a second up changes nothing, also after a refresh", async () => {
        await t.stack.preview({ expectNoChanges: true });
        await t.stack.refresh();
        await t.stack.preview({ expectNoChanges: true });
        expect(await t.plannedOps({ refresh: true })).toEqual(new Map());
    });

    it("tables and sequences created later by a listed creator are readable; an unlisted creator's are not", async () => {
        await createLaterObjects(server, ["etl", "dbt", "intruder"]);
        expect(await as(server, DATABASE, "whaly_bi", password, (s) => laterObjectsReadable(s, ["etl", "dbt", "intruder"]))).toEqual(
            LATER_OBJECTS_ACCESS,
        );
    });

    it("refresh then shows the unlisted creator's objects as drift of the ALL-tables grants, and up grants them", async () => {
        const ops = await t.plannedOps({ refresh: true });
        expect(ops).toEqual(
            new Map([
                ["whaly/select-tables/sales", "update"],
                ["whaly/select-sequences/sales", "update"],
                ["whaly/select-sequences/public", "update"],
            ]),
        );
        await t.stack.up({ refresh: true });
        await as(server, DATABASE, "whaly_bi", password, async (s) => {
            expect(await s.canSelect("sales.intruder_later")).toBe(true);
            expect(await s.canSelect("public.intruder_seq")).toBe(true);
        });
        await t.stack.preview({ expectNoChanges: true, refresh: true });
    });

    it("adding a schema and a creator only creates; removing them deletes exactly their privileges", async () => {
        await server.query("CREATE SCHEMA extra; CREATE TABLE extra.facts (id int); GRANT USAGE, CREATE ON SCHEMA extra TO intruder;", {
            database: DATABASE,
        });
        t.setProgram(accessProgram(server, { schemas: ["public", "sales", "extra"], tableCreators: ["etl", "dbt", "intruder"] }));
        const added = await t.plannedOps();
        expect([...added.values()].every((op) => op === "create")).toBe(true);
        expect([...added.keys()].sort()).toEqual(
            [
                "whaly/usage/extra",
                "whaly/select-tables/extra",
                "whaly/select-sequences/extra",
                ...["public", "sales", "extra"].flatMap((s) => [
                    `whaly/default-tables/intruder/${s}`,
                    `whaly/default-sequences/intruder/${s}`,
                ]),
                "whaly/default-tables/etl/extra",
                "whaly/default-sequences/etl/extra",
                "whaly/default-tables/dbt/extra",
                "whaly/default-sequences/dbt/extra",
            ].sort(),
        );
        await t.stack.up();
        await as(server, DATABASE, "whaly_bi", password, async (s) => expect(await s.canSelect("extra.facts")).toBe(true));
        const withExtra = await privilegesOf(server, DATABASE, "whaly_bi");

        t.setProgram(accessProgram(server, { schemas: ["public", "sales"], tableCreators: ["etl", "dbt"] }));
        const removed = await t.plannedOps();
        expect([...removed.values()].every((op) => op === "delete")).toBe(true);
        expect([...removed.keys()].sort()).toEqual([...added.keys()].sort());
        await t.stack.up();
        const after = await privilegesOf(server, DATABASE, "whaly_bi");
        const gone = withExtra.filter((p) => !after.includes(p));
        expect(gone.sort()).toEqual(
            [
                "schema extra USAGE",
                "table extra.facts SELECT",
                ...["public", "sales", "extra"].flatMap((s) => [
                    `default intruder ${s} table SELECT`,
                    `default intruder ${s} sequence SELECT`,
                ]),
                "default etl extra table SELECT",
                "default etl extra sequence SELECT",
                "default dbt extra table SELECT",
                "default dbt extra sequence SELECT",
            ].sort(),
        );
        expect(after.filter((p) => !withExtra.includes(p))).toEqual([]);
        await as(server, DATABASE, "whaly_bi", password, async (s) => expect(await s.canSelect("extra.facts")).toBe(false));
    });

    it("rotating the password alters the role in place: the old one stops working, the new one works", async () => {
        t.setProgram(accessProgram(server, { schemas: ["public", "sales"], tableCreators: ["etl", "dbt"], passwordVersion: 2 }));
        const ops = await t.plannedOps();
        expect(ops).toEqual(
            new Map([
                ["whaly/password", "replace"],
                ["whaly/role", "update"],
            ]),
        );
        await t.stack.up();
        const rotated = (await outputValues(t.stack)).password as string;
        expect(rotated).not.toBe(password);
        await expect(as(server, DATABASE, "whaly_bi", password, async () => undefined)).rejects.toThrow(/password authentication failed/);
        expect(await as(server, DATABASE, "whaly_bi", rotated, (s) => s.canSelect("sales.orders"))).toBe(true);
        password = rotated;
    });

    it("a password changed by hand is drift at preview --refresh, and up restores the stack's password (5 rounds)", async () => {
        for (let round = 1; round <= 5; round++) {
            await server.query(`ALTER ROLE whaly_bi PASSWORD 'changed-by-hand-${round}'`);
            await expect(as(server, DATABASE, "whaly_bi", password, async () => undefined)).rejects.toThrow(
                /password authentication failed/,
            );
            expect(await t.plannedOps({ refresh: true })).toEqual(new Map([["whaly/role", "update"]]));
            await t.stack.up({ refresh: true });
            expect(await as(server, DATABASE, "whaly_bi", password, (s) => s.canSelect("sales.orders"))).toBe(true);
            await expect(as(server, DATABASE, "whaly_bi", `changed-by-hand-${round}`, async () => undefined)).rejects.toThrow(
                /password authentication failed/,
            );
            await t.stack.preview({ expectNoChanges: true, refresh: true });
        }
    });

    it("after a password changed by hand, bumping passwordVersion also restores access, with a new password", async () => {
        await server.query("ALTER ROLE whaly_bi PASSWORD 'changed-by-hand'");
        t.setProgram(accessProgram(server, { schemas: ["public", "sales"], tableCreators: ["etl", "dbt"], passwordVersion: 3 }));
        await t.stack.up();
        const rotated = (await outputValues(t.stack)).password as string;
        expect(rotated).not.toBe(password);
        expect(await as(server, DATABASE, "whaly_bi", rotated, (s) => s.canSelect("sales.orders"))).toBe(true);
        password = rotated;
    });

    it("the replica host and the allowlist outputs are what the args said", async () => {
        t.setProgram(
            accessProgram(server, {
                schemas: ["public", "sales"],
                tableCreators: ["etl", "dbt"],
                passwordVersion: 3,
                host: "replica.example.internal",
                port: 6543,
                ipRanges: ["203.0.113.0/24", "2001:db8::/48"],
            }),
        );
        expect(await t.plannedOps()).toEqual(new Map());
        await t.stack.up();
        const out = await outputValues(t.stack);
        expect(out).toMatchObject({
            host: "replica.example.internal",
            port: 6543,
            database: DATABASE,
            user: "whaly_bi",
            ipRanges: ["203.0.113.0/24", "2001:db8::/48"],
            pgHbaLines: [
                `hostssl "${DATABASE}" "whaly_bi" 203.0.113.0/24 scram-sha-256`,
                `hostssl "${DATABASE}" "whaly_bi" 2001:db8::/48 scram-sha-256`,
            ],
        });
        expect(out.connectionString).toBe(`postgresql://whaly_bi:${password}@replica.example.internal:6543/${DATABASE}?sslmode=require`);
    });

    it("destroy leaves no role, no privilege and no default ACL mentioning it", async () => {
        await t.stack.destroy();
        expect(await traces(server, DATABASE, "whaly_bi")).toEqual([]);
        expect(await traces(server, "postgres", "whaly_bi")).toEqual([]);
    });
});
