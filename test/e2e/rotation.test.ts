/**
 * rotation: "alternating" through the real CLI and provider: the role is a NOLOGIN group holding
 * every grant, two users log in as its members, and a passwordVersion bump changes only the user
 * Whaly does not use. A reader queries as the current user without pause while `up` rotates:
 * nothing fails; the credentials of two rotations ago stop working; never more than two logins
 * work. Then drift on either user, the audit of the group and its users, and switching modes on
 * the live stack.
 */
import { auditRole } from "../../audit/audit";
import { PostgresMajor, PostgresServer, startPostgres } from "../../scripts/lib/postgresServer";
import { catalogSnapshot, privilegesOf, traces } from "../harness/catalog";
import { startReader } from "../harness/reader";
import { as } from "../harness/sessions";
import { newTestStack, TestStack } from "../harness/stack";
import {
    adminConnection,
    accessReport,
    CREATOR_PASSWORD,
    DATABASE,
    expectedPrivileges,
    READ_ONLY_ACCESS,
    seedWarehouse,
} from "../harness/warehouse";
import { accessProgram, failureOf, outputValues } from "./support/program";

jest.setTimeout(300_000);

const SCHEMAS = ["public", "sales"];
const CREATORS = ["etl", "dbt"];
const READ = "SELECT count(*) FROM sales.orders";

describe.each([12, 15, 18] as PostgresMajor[])("PostgreSQL %i: rotation alternating", (major) => {
    let server: PostgresServer;
    let t: TestStack;
    /** Credentials by user, as each rotation handed them out. */
    const issued: Array<{ version: number; user: string; password: string }> = [];

    const program = (passwordVersion: number, rotation = "alternating") =>
        accessProgram(server, { schemas: SCHEMAS, tableCreators: CREATORS, rotation, passwordVersion });
    const logsIn = (user: string, password: string) =>
        as(server, DATABASE, user, password, async () => true).catch((e: Error) => {
            if (/password authentication failed|is not permitted to log in/.test(e.message)) return false;
            throw e;
        });
    /** The roles of the group's family that may log in now. */
    const loginRoles = async () =>
        (
            await server.query<{ rolname: string }>(
                "SELECT rolname FROM pg_roles WHERE rolcanlogin AND rolname LIKE 'whaly_bi%' ORDER BY 1",
            )
        ).map((r) => r.rolname);

    /** Rotates to `version` while a reader queries as the current user; returns what the reader saw. */
    async function rotate(version: number) {
        const current = issued[issued.length - 1];
        const reader = await startReader(server, DATABASE, current.user, current.password, READ);
        t.setProgram(program(version));
        await t.stack.up();
        const totals = await reader.stop();
        const out = await outputValues(t.stack);
        issued.push({ version, user: out.user as string, password: out.password as string });
        return { totals, out };
    }

    beforeAll(async () => {
        server = await startPostgres(major);
        await seedWarehouse(server);
        t = await newTestStack(`rotation-pg${major}`, program(1));
    });
    afterAll(() => {
        t?.dispose();
        server?.stop();
    });

    it("version 1: the group holds every grant and cannot log in; user a logs in and reads; user b cannot log in yet", async () => {
        await t.stack.up();
        const out = await outputValues(t.stack);
        expect(out).toMatchObject({ user: "whaly_bi_a", previousUser: "", previousUserRetiresAtVersion: 0 });
        issued.push({ version: 1, user: "whaly_bi_a", password: out.password as string });
        expect(await privilegesOf(server, DATABASE, "whaly_bi")).toEqual(expectedPrivileges(["public", "sales"], CREATORS));
        for (const user of ["whaly_bi_a", "whaly_bi_b"]) expect(await privilegesOf(server, DATABASE, user)).toEqual([]);
        expect(await loginRoles()).toEqual(["whaly_bi_a"]);
        expect(await as(server, DATABASE, "whaly_bi_a", out.password as string, accessReport)).toEqual({
            ...READ_ONLY_ACCESS,
            "create table in public": major < 15,
        });
    });

    it("version 2: a reader as user a sees no failure while up rotates; b becomes current; a keeps working; two logins at most", async () => {
        const { totals, out } = await rotate(2);
        expect(totals.failures).toEqual([]);
        expect(totals.queries.open + totals.queries.reconnecting).toBeGreaterThan(10);
        expect(out).toMatchObject({ user: "whaly_bi_b", previousUser: "whaly_bi_a", previousUserRetiresAtVersion: 3 });
        expect(await logsIn("whaly_bi_a", issued[0].password)).toBe(true);
        const asA = await as(server, DATABASE, "whaly_bi_a", issued[0].password, accessReport);
        expect(await as(server, DATABASE, "whaly_bi_b", out.password as string, accessReport)).toEqual(asA);
        expect(await loginRoles()).toEqual(["whaly_bi_a", "whaly_bi_b"]);
        console.log(
            `PostgreSQL ${major}, rotation to version 2: reader ${JSON.stringify(totals.queries)} queries, ${totals.failures.length} failed`,
        );
    });

    it("version 3: no failure again; a gets a new password, so version 1's credentials stop working; b keeps working", async () => {
        const { totals, out } = await rotate(3);
        expect(totals.failures).toEqual([]);
        expect(out).toMatchObject({ user: "whaly_bi_a", previousUser: "whaly_bi_b", previousUserRetiresAtVersion: 4 });
        expect(out.password).not.toBe(issued[0].password);
        expect(await logsIn("whaly_bi_a", issued[0].password)).toBe(false);
        expect(await logsIn("whaly_bi_a", out.password as string)).toBe(true);
        expect(await logsIn("whaly_bi_b", issued[1].password)).toBe(true);
        expect(await loginRoles()).toEqual(["whaly_bi_a", "whaly_bi_b"]);
        console.log(
            `PostgreSQL ${major}, rotation to version 3: reader ${JSON.stringify(totals.queries)} queries, ${totals.failures.length} failed`,
        );
    });

    it("a version more than one up, or back, is refused at preview and at up, before the server changes: both users keep their passwords", async () => {
        const before = await catalogSnapshot(server, DATABASE);
        for (const version of [5, 2]) {
            t.setProgram(program(version));
            const refusal = `passwordVersion ${version}: goes from 3 at this update, and with rotation "alternating" it must go one up at a time`;
            expect(await failureOf(t.stack.preview())).toContain(refusal);
            expect(await failureOf(t.stack.up())).toContain(refusal);
            expect(await catalogSnapshot(server, DATABASE)).toEqual(before);
        }
        expect(await logsIn("whaly_bi_a", issued[2].password)).toBe(true);
        expect(await logsIn("whaly_bi_b", issued[1].password)).toBe(true);
        t.setProgram(program(3));
        expect([...(await t.plannedOps()).entries()]).toEqual([]);
    });

    it("an up --target of the passwords and users without the version step is refused before the server changes", async () => {
        const before = await catalogSnapshot(server, DATABASE);
        const resources = (await t.stack.exportStack()).deployment.resources as Array<{ urn: string }>;
        const target = resources
            .map((r) => r.urn)
            .filter((urn) => ["password-a", "password-b", "user-a", "user-b"].some((child) => urn.endsWith(`::whaly/${child}`)));
        expect(target).toHaveLength(4);
        t.setProgram(program(4));
        const refusal = "passwordVersion 4: whaly/password-version holds 3, and this update leaves it out";
        expect(await failureOf(t.stack.preview({ target }))).toContain(refusal);
        expect(await failureOf(t.stack.up({ target }))).toContain(refusal);
        expect(await catalogSnapshot(server, DATABASE)).toEqual(before);
        t.setProgram(program(3));
        expect([...(await t.plannedOps()).entries()]).toEqual([]);
    });

    it("tables each creator makes after the rotations are readable by the current user", async () => {
        for (const creator of CREATORS)
            await server.query(`CREATE TABLE sales.${creator}_after_rotation (id int)`, {
                database: DATABASE,
                user: creator,
                password: CREATOR_PASSWORD,
            });
        const current = issued[issued.length - 1];
        await as(server, DATABASE, current.user, current.password, async (s) => {
            for (const creator of CREATORS) expect(await s.canSelect(`sales.${creator}_after_rotation`)).toBe(true);
        });
    });

    it("drift on either user (password, an extra role, the membership revoked) is seen by preview --refresh and repaired by up", async () => {
        const verifierOf = async (user: string) =>
            (await server.query<{ rolpassword: string }>(`SELECT rolpassword FROM pg_authid WHERE rolname = '${user}'`))[0].rolpassword;
        const bVerifier = await verifierOf("whaly_bi_b");
        await server.query("ALTER ROLE whaly_bi_b PASSWORD 'changed-by-hand'");
        await server.query("GRANT pg_read_all_stats TO whaly_bi_a");
        expect(await t.plannedOps({ refresh: true })).toEqual(
            new Map([
                ["whaly/user-a", "update"],
                ["whaly/user-b", "update"],
            ]),
        );
        await t.stack.up({ refresh: true });
        expect(await verifierOf("whaly_bi_b")).toBe(bVerifier);
        expect(await logsIn("whaly_bi_b", issued[1].password)).toBe(true);
        await server.query("REVOKE whaly_bi FROM whaly_bi_a");
        expect(await t.plannedOps({ refresh: true })).toEqual(new Map([["whaly/user-a", "update"]]));
        await t.stack.up({ refresh: true });
        const [a] = await server.query<{ member_of: string[] }>(
            "SELECT ARRAY(SELECT g.rolname::text FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = r.oid) AS member_of FROM pg_roles r WHERE rolname = 'whaly_bi_a'",
        );
        expect(a.member_of).toEqual(["whaly_bi"]);
        await t.stack.preview({ expectNoChanges: true, refresh: true });
    });

    it("the audit passes the group and both users, and fails when a user is given INSERT directly", async () => {
        const admin = adminConnection(server);
        // Before 15, PUBLIC (so every role) may create in schema public; the README's advice takes that away.
        if (major < 15) await server.query("REVOKE CREATE ON SCHEMA public FROM PUBLIC", { database: DATABASE });
        const group = await auditRole(admin, "whaly_bi", {});
        expect(group.readOnly).toBe(true);
        expect(group.canLogin).toBe(false);
        expect(group.members).toEqual([
            { name: "whaly_bi_a", canLogin: true, holdsMore: [] },
            { name: "whaly_bi_b", canLogin: true, holdsMore: [] },
        ]);
        for (const user of ["whaly_bi_a", "whaly_bi_b"]) {
            const report = await auditRole(admin, user, {});
            expect([user, report.readOnly, report.memberOf]).toEqual([user, true, ["whaly_bi"]]);
            expect(report.readable.find((r) => r.schema === "sales")?.tables).toContain("sales.orders");
        }
        await server.query("GRANT INSERT ON sales.orders TO whaly_bi_b", { database: DATABASE });
        try {
            const escalated = await auditRole(admin, "whaly_bi", {});
            expect(escalated.readOnly).toBe(false);
            expect(escalated.members.find((m) => m.name === "whaly_bi_b")?.holdsMore).toEqual(["INSERT on sales.orders"]);
            expect((await auditRole(admin, "whaly_bi_b", {})).readOnly).toBe(false);
        } finally {
            await server.query("REVOKE INSERT ON sales.orders FROM whaly_bi_b", { database: DATABASE });
        }
    });

    it("switching to single says at preview exactly what stops; an open session goes on, new logins as the users fail, the role logs in", async () => {
        const current = issued[issued.length - 1];
        t.setProgram(program(3, "single"));
        let preview = "";
        await t.stack.preview({ onOutput: (line) => (preview += line) });
        expect(preview).toContain(
            'rotation "single": whaly_bi_a and whaly_bi_b, members of whaly_bi, are dropped at this up and their logins stop working. Put the user and password outputs (user whaly_bi) into Whaly\'s form',
        );
        const reader = await startReader(server, DATABASE, current.user, current.password, "SELECT 1");
        await t.stack.up();
        const totals = await reader.stop();
        expect(totals.failures.filter((f) => f.startsWith("open:"))).toEqual([]);
        const out = await outputValues(t.stack);
        expect(out).toMatchObject({ user: "whaly_bi", previousUser: "" });
        expect(await loginRoles()).toEqual(["whaly_bi"]);
        expect(await logsIn(current.user, current.password)).toBe(false);
        expect(await as(server, DATABASE, "whaly_bi", out.password as string, (s) => s.canSelect("sales.orders"))).toBe(true);
        console.log(
            `PostgreSQL ${major}, switch to single: reader ${JSON.stringify(totals.queries)} queries, failed: ${totals.failures.length} (reconnecting only)`,
        );
        issued.push({ version: 3, user: "whaly_bi", password: out.password as string });
    });

    it("switching back to alternating says at preview exactly what stops; an open session as the role reads on; the new user logs in", async () => {
        const current = issued[issued.length - 1];
        t.setProgram(program(3));
        let preview = "";
        await t.stack.preview({ onOutput: (line) => (preview += line) });
        expect(preview).toContain(
            'rotation "alternating": role whaly_bi logs in today and becomes a NOLOGIN group at this up: new logins as whaly_bi stop working (open sessions go on)',
        );
        const reader = await startReader(server, DATABASE, current.user, current.password, READ);
        await t.stack.up();
        const totals = await reader.stop();
        expect(totals.failures.filter((f) => f.startsWith("open:"))).toEqual([]);
        const out = await outputValues(t.stack);
        expect(out).toMatchObject({ user: "whaly_bi_a", previousUser: "whaly_bi_b" });
        expect(await logsIn("whaly_bi", current.password)).toBe(false);
        expect(await as(server, DATABASE, "whaly_bi_a", out.password as string, (s) => s.canSelect("sales.orders"))).toBe(true);
        console.log(
            `PostgreSQL ${major}, switch to alternating: reader ${JSON.stringify(totals.queries)} queries, failed: ${totals.failures.length} (reconnecting only)`,
        );
    });

    it("destroy leaves nothing that mentions the group or its users", async () => {
        await t.stack.destroy();
        for (const role of ["whaly_bi", "whaly_bi_a", "whaly_bi_b"]) expect(await traces(server, DATABASE, role)).toEqual([]);
    });
});
