/**
 * Upgrading from each release (0.1.0, 0.2.0) replaces nothing. A project directory deploys Whaly's access with the
 * released package through the `pulumi` CLI (two components: the guide's single role, and an
 * alternating one), readers log in as Whaly's users and read without pause, and the package is
 * swapped for this checkout's tarball. `pulumi preview` then `pulumi up` replace and delete
 * nothing; the only new resources are the components' `<name>/checks` gates and the alternating
 * one's `<name>/password-version` step. The roles (same
 * OIDs), their passwords and privileges are as they were, the readers saw no failure, and the
 * stack is then stable and destroyed cleanly.
 *
 * And a role made by hand, adopted with 0.2.0 (whose take-over ran in the program), then granted a
 * table by hand: the upgrade creates the take-over step, which takes the role over once more, as
 * its preview says first; the role keeps its OID and password, Whaly reads throughout, and a later
 * `up` leaves a later hand grant alone.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { NEWEST_MAJOR, PostgresServer, startPostgres } from "../../scripts/lib/postgresServer";
import { fullCatalogSnapshot, traces } from "../harness/catalog";
import { HAND_MADE_PASSWORD, makeByHand } from "../harness/handMade";
import { releasedProject, ReleasedProject } from "../harness/packedProject";
import { projectCli, ProjectCli } from "../harness/projectCli";
import { psql } from "../harness/psql";
import { Reader, ReaderTotals, startReader } from "../harness/reader";
import { as } from "../harness/sessions";
import { DATABASE, seedWarehouse } from "../harness/warehouse";

jest.setTimeout(900_000);

/** The releases: the commit whose package.json says each. */
const RELEASES = [
    { commit: "9779928", version: "0.1.0" },
    { commit: "d238377", version: "0.2.0" },
];
const READ = "SELECT count(*) FROM sales.orders";
const CHECKOUT_VERSION: string = JSON.parse(fs.readFileSync(path.join(__dirname, "../../package.json"), "utf8")).version;

/** The user's program: the guide's case with a listed schema and creators, and an alternating rotation beside it. */
const PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import { WhalyPostgresAccess } from "whaly-postgres";

const config = new pulumi.Config();
const admin = {
    host: config.require("adminHost"),
    port: config.requireNumber("adminPort"),
    username: config.require("adminUser"),
    password: config.requireSecret("adminPassword"),
};
const whaly = new WhalyPostgresAccess("whaly", { database: "${DATABASE}", schemas: ["public", "sales"], tableCreators: ["etl", "dbt"], admin });
const alternating = new WhalyPostgresAccess("whaly-alt", {
    database: "${DATABASE}",
    schemas: ["sales"],
    tableCreators: ["etl"],
    roleName: "whaly_alt",
    rotation: "alternating",
    admin,
});

export const user = whaly.user;
export const password = whaly.password;
export const altUser = alternating.user;
export const altPassword = alternating.password;
`;

/** A step as `pulumi preview --json` lists it and the engine's events carry it. */
interface Step {
    op: string;
    urn: string;
}

/** The steps' resource names (the URN's last part) by kind. */
function byKind(steps: Step[]): Record<string, string[]> {
    const kinds: Record<string, string[]> = {};
    for (const { op, urn } of steps) (kinds[op] ??= []).push(urn.slice(urn.lastIndexOf("::") + 2));
    for (const names of Object.values(kinds)) names.sort();
    return kinds;
}

/**
 * What the upgrade may do: create the gates and the alternating rotation's version step the new
 * version adds, and otherwise the steps of `allowed`. A step of another kind fails with its URN.
 */
function expectOnlyNewStepsCreated(steps: Step[], allowed: string[]): void {
    expect(steps.filter((s) => !allowed.includes(s.op)).map((s) => `${s.op} ${s.urn}`)).toEqual([]);
    expect(byKind(steps).create).toEqual(["whaly-alt/checks", "whaly-alt/password-version", "whaly/checks"]);
}

/**
 * A project on the release at `commit` running `program`, its stack `dev` configured with the
 * server's admin (the program's `adminHost`, `adminPort`, `adminUser`, `adminPassword`).
 */
async function releasedStack(
    commit: string,
    program: string,
    server: PostgresServer,
): Promise<{ project: ReleasedProject; cli: ProjectCli }> {
    const project = releasedProject(commit, "guide");
    fs.writeFileSync(path.join(project.dir, "index.ts"), program);
    // The test server speaks no TLS; the program leaves admin.sslMode to PGSSLMODE, as the guide does.
    const cli = projectCli(project.dir, { PGSSLMODE: "disable" });
    await cli.run("stack", "init", "dev");
    const config = { adminHost: server.host, adminPort: String(server.port), adminUser: server.adminUser };
    for (const [key, value] of Object.entries(config)) await cli.run("config", "set", key, value);
    await cli.run("config", "set", "--secret", "adminPassword", server.adminPassword);
    return { project, cli };
}

const counts = (kinds: Record<string, string[]>) => Object.fromEntries(Object.entries(kinds).map(([op, names]) => [op, names.length]));

describe.each(RELEASES)(`PostgreSQL ${NEWEST_MAJOR}: a stack deployed with release $version, upgraded to this checkout`, (RELEASE) => {
    let server: PostgresServer;
    let project: ReleasedProject;
    let cli: ProjectCli;
    let readers: Reader[] = [];
    /** Stack outputs with the release, the catalog and the roles' OIDs then. */
    let before: { out: Record<string, string>; catalog: string[]; oids: Array<{ rolname: string; oid: number }> };
    const durations: Record<string, number> = {};

    /** Runs `work`, recording how long it took under `label`. */
    async function timed<T>(label: string, work: () => Promise<T> | T): Promise<T> {
        const start = Date.now();
        try {
            return await work();
        } finally {
            durations[label] = (Date.now() - start) / 1000;
        }
    }
    const pulumi = (...args: string[]) => cli.run(...args);
    const outputs = async () => JSON.parse(await pulumi("stack", "output", "--json", "--show-secrets")) as Record<string, string>;
    const whalyOids = () =>
        server.query<{ rolname: string; oid: number }>("SELECT rolname, oid::int FROM pg_roles WHERE rolname LIKE 'whaly%' ORDER BY 1");

    beforeAll(async () => {
        server = await startPostgres(NEWEST_MAJOR);
        await seedWarehouse(server);
        ({ project, cli } = await timed(`project with ${RELEASE.version} installed`, () => releasedStack(RELEASE.commit, PROGRAM, server)));
    });
    afterAll(async () => {
        await Promise.all(readers.map((r) => r.stop()));
        console.log(`upgrade from ${RELEASE.version}, durations (s): ${JSON.stringify(durations)}`);
        project?.dispose();
        cli?.dispose();
        server?.stop();
    });

    const installedVersion = () =>
        JSON.parse(fs.readFileSync(path.join(project.dir, "node_modules/whaly-postgres/package.json"), "utf8")).version as string;

    it(`${RELEASE.version} deploys both components, and Whaly's users read`, async () => {
        expect(installedVersion()).toBe(RELEASE.version);
        await timed(`up with ${RELEASE.version}`, () => pulumi("up", "--yes", "--skip-preview"));
        const out = await outputs();
        expect(out).toMatchObject({ user: "whaly_bi", altUser: "whaly_alt_a" });
        for (const [user, password] of [
            [out.user, out.password],
            [out.altUser, out.altPassword],
        ])
            expect(await as(server, DATABASE, user, password, (s) => s.canSelect("sales.orders"))).toBe(true);
        before = { out, catalog: await fullCatalogSnapshot(server, DATABASE), oids: await whalyOids() };
    });

    it("with this checkout's package installed instead, preview --diff shows no replace and no delete; it creates only the gates and the version step", async () => {
        // Whaly reads from here until after the up, with the credentials the release gave it.
        readers = [
            await startReader(server, DATABASE, before.out.user, before.out.password, READ),
            await startReader(server, DATABASE, before.out.altUser, before.out.altPassword, READ),
        ];
        await timed("npm install of this checkout's package", () => project.upgrade());
        expect(installedVersion()).toBe(CHECKOUT_VERSION);
        const preview = JSON.parse(await timed("preview --diff", () => pulumi("preview", "--diff", "--json"))) as {
            steps: Step[];
            changeSummary: Record<string, number>;
        };
        console.log(`preview after the upgrade: ${JSON.stringify(byKind(preview.steps.filter((s) => s.op !== "same")))}`);
        // Its steps leave out most unchanged resources; its summary counts them.
        console.log(`preview after the upgrade, steps by kind: ${JSON.stringify(preview.changeSummary)}`);
        expectOnlyNewStepsCreated(preview.steps, ["same", "create", "update"]);
    });

    it("pulumi up replaces and deletes nothing; Whaly's passwords, roles and privileges are as they were; 0 failed reads", async () => {
        // With --json, the CLI prints the engine's events, one JSON object a line.
        const events = (await timed("up after the upgrade", () => pulumi("up", "--yes", "--skip-preview", "--json")))
            .split("\n")
            .filter((line) => line.trim())
            .map((line) => JSON.parse(line) as { resourcePreEvent?: { metadata: Step; planning?: boolean } });
        const steps = events.flatMap((e) => (e.resourcePreEvent && !e.resourcePreEvent.planning ? [e.resourcePreEvent.metadata] : []));
        console.log(`up after the upgrade: ${JSON.stringify(byKind(steps.filter((s) => s.op !== "same")))}`);
        console.log(`up after the upgrade, steps by kind: ${JSON.stringify(counts(byKind(steps)))}`);
        expectOnlyNewStepsCreated(steps, ["same", "create"]);

        const out = await outputs();
        expect(out).toMatchObject({ user: before.out.user, password: before.out.password, altUser: before.out.altUser });
        expect(out.altPassword).toBe(before.out.altPassword);
        for (const [user, password] of [
            [before.out.user, before.out.password],
            [before.out.altUser, before.out.altPassword],
        ])
            expect(await as(server, DATABASE, user, password, (s) => s.canSelect("sales.orders"))).toBe(true);
        // Roles, passwords (their SCRAM verifiers), memberships and every privilege; a role made again would have a new OID.
        expect(await fullCatalogSnapshot(server, DATABASE)).toEqual(before.catalog);
        expect(await whalyOids()).toEqual(before.oids);

        const totals: ReaderTotals[] = await Promise.all(readers.map((r) => r.stop()));
        readers = [];
        const reads = totals.reduce((n, t) => n + t.queries.open + t.queries.reconnecting, 0);
        console.log(
            `readers through the upgrade: ${JSON.stringify(totals.map((t) => t.queries))}, ${reads} reads, failures: ${JSON.stringify(totals.flatMap((t) => t.failures))}`,
        );
        expect(totals.flatMap((t) => t.failures)).toEqual([]);
        expect(reads).toBeGreaterThan(20);
    });

    it("pulumi preview --expect-no-changes passes", async () => {
        await timed("preview --expect-no-changes", () => pulumi("preview", "--expect-no-changes"));
    });

    it("pulumi destroy leaves nothing that mentions Whaly's roles", async () => {
        await timed("destroy", () => pulumi("destroy", "--yes", "--skip-preview"));
        for (const role of ["whaly_bi", "whaly_alt", "whaly_alt_a", "whaly_alt_b"])
            expect(await traces(server, DATABASE, role)).toEqual([]);
    });
});

/** The guide's case over a role made by hand, adopted (`adoptRole`): the user's program. */
const ADOPTING_PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import { WhalyPostgresAccess } from "whaly-postgres";

const config = new pulumi.Config();
const whaly = new WhalyPostgresAccess("whaly", {
    database: "${DATABASE}",
    schemas: ["public", "sales"],
    tableCreators: ["etl"],
    adoptRole: true,
    admin: {
        host: config.require("adminHost"),
        port: config.requireNumber("adminPort"),
        username: config.require("adminUser"),
        password: config.requireSecret("adminPassword"),
    },
});

export const user = whaly.user;
export const password = whaly.password;
`;

/** What a DBA grants Whaly's role by hand once it is the stack's. */
const HAND_GRANT = `\\c ${DATABASE}\nGRANT USAGE ON SCHEMA secret TO whaly_bi;\nGRANT SELECT ON secret.salaries TO whaly_bi;`;

describe(`PostgreSQL ${NEWEST_MAJOR}: a hand-made role adopted with release 0.2.0, upgraded to this checkout`, () => {
    const RELEASE = RELEASES.find((r) => r.version === "0.2.0")!;
    let server: PostgresServer;
    let project: ReleasedProject;
    let cli: ProjectCli;
    let reader: Reader | undefined;
    let before: { out: Record<string, string>; oids: Array<{ rolname: string; oid: number }> };
    const pulumi = (...args: string[]) => cli.run(...args);
    const outputs = async () => JSON.parse(await pulumi("stack", "output", "--json", "--show-secrets")) as Record<string, string>;
    const whalyOids = () =>
        server.query<{ rolname: string; oid: number }>("SELECT rolname, oid::int FROM pg_roles WHERE rolname LIKE 'whaly%' ORDER BY 1");
    const readsSalaries = () => as(server, DATABASE, "whaly_bi", HAND_MADE_PASSWORD, (s) => s.canSelect("secret.salaries"));

    beforeAll(async () => {
        server = await startPostgres(NEWEST_MAJOR);
        await seedWarehouse(server);
        makeByHand(server);
        ({ project, cli } = await releasedStack(RELEASE.commit, ADOPTING_PROGRAM, server));
    });
    afterAll(async () => {
        await reader?.stop();
        project?.dispose();
        cli?.dispose();
        server?.stop();
    });

    it("0.2.0 adopts the role, which keeps its password and loses its extras; a DBA then grants it a table by hand", async () => {
        await pulumi("up", "--yes", "--skip-preview");
        expect(await readsSalaries()).toBe(false);
        before = { out: await outputs(), oids: await whalyOids() };
        psql(server, HAND_GRANT);
        expect(await readsSalaries()).toBe(true);
    });

    it("the preview after the upgrade creates the gate and the take-over step, and its warning names the hand grant the take-over revokes", async () => {
        reader = await startReader(server, DATABASE, "whaly_bi", HAND_MADE_PASSWORD, READ);
        project.upgrade();
        const preview = JSON.parse(await pulumi("preview", "--diff", "--json")) as {
            steps: Step[];
            diagnostics?: Array<{ severity: string; message: string }>;
        };
        expect(preview.steps.filter((s) => !["same", "create", "update"].includes(s.op)).map((s) => `${s.op} ${s.urn}`)).toEqual([]);
        expect(byKind(preview.steps).create).toEqual(["whaly/checks", "whaly/take-over"]);
        const warnings = (preview.diagnostics ?? []).filter((d) => d.severity === "warning").map((d) => d.message);
        expect(warnings.filter((w) => w.includes("differs from the plan"))).toEqual([
            expect.stringContaining("- SELECT on table secret.salaries (granted by postgres)"),
        ]);
    });

    it("pulumi up takes the role over as the preview said, replacing nothing; the role keeps its OID and password; 0 failed reads", async () => {
        await pulumi("up", "--yes", "--skip-preview");
        expect(await readsSalaries()).toBe(false);
        expect(await whalyOids()).toEqual(before.oids);
        expect(await outputs()).toEqual(before.out);
        const { queries, failures } = await reader!.stop();
        reader = undefined;
        expect(failures).toEqual([]);
        expect(queries.open).toBeGreaterThan(5);
    });

    it("a later up takes nothing over again: a hand grant made after the upgrade stays, and the stack is stable", async () => {
        psql(server, HAND_GRANT);
        await pulumi("up", "--yes", "--skip-preview");
        expect(await readsSalaries()).toBe(true);
        await pulumi("preview", "--expect-no-changes");
        await pulumi("destroy", "--yes", "--skip-preview");
        expect(await traces(server, DATABASE, "whaly_bi")).toEqual([]);
    });
});
