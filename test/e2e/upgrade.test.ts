/**
 * Upgrading from each release (0.1.0, 0.2.0) replaces nothing. A project directory deploys Whaly's access with the
 * released package through the `pulumi` CLI (two components: the guide's single role, and an
 * alternating one), readers log in as Whaly's users and read without pause, and the package is
 * swapped for this checkout's tarball. `pulumi preview` then `pulumi up` replace and delete
 * nothing; the only new resources are the components' `<name>/checks` gates. The roles (same
 * OIDs), their passwords and privileges are as they were, the readers saw no failure, and the
 * stack is then stable and destroyed cleanly.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { NEWEST_MAJOR, PostgresServer, startPostgres } from "../../scripts/lib/postgresServer";
import { fullCatalogSnapshot, traces } from "../harness/catalog";
import { releasedProject, ReleasedProject } from "../harness/packedProject";
import { projectCli, ProjectCli } from "../harness/projectCli";
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
 * What the upgrade may do: create the gates the new version adds, and otherwise the steps of
 * `allowed`. A step of another kind fails with its URN.
 */
function expectOnlyGatesCreated(steps: Step[], allowed: string[]): void {
    expect(steps.filter((s) => !allowed.includes(s.op)).map((s) => `${s.op} ${s.urn}`)).toEqual([]);
    expect(byKind(steps).create).toEqual(["whaly-alt/checks", "whaly/checks"]);
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
        project = await timed(`project with ${RELEASE.version} installed`, () => releasedProject(RELEASE.commit, "guide"));
        fs.writeFileSync(path.join(project.dir, "index.ts"), PROGRAM);
        // The test server speaks no TLS; the program leaves admin.sslMode to PGSSLMODE, as the guide does.
        cli = projectCli(project.dir, { PGSSLMODE: "disable" });
        await pulumi("stack", "init", "dev");
        const config = { adminHost: server.host, adminPort: String(server.port), adminUser: server.adminUser };
        for (const [key, value] of Object.entries(config)) await pulumi("config", "set", key, value);
        await pulumi("config", "set", "--secret", "adminPassword", server.adminPassword);
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

    it("with this checkout's package installed instead, preview --diff shows no replace and no delete; it creates only the gates", async () => {
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
        expectOnlyGatesCreated(preview.steps, ["same", "create", "update"]);
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
        expectOnlyGatesCreated(steps, ["same", "create"]);

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
