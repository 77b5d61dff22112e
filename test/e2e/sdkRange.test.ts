/**
 * The versions of the Pulumi packages the package declares it works with (its peerDependencies),
 * held to that claim. @pulumi/pulumi at the floor of its range and at the newest on the npm
 * registry: examples/guide packed and installed in a project directory beside that version, run
 * by the `pulumi` CLI against a real PostgreSQL. @pulumi/postgresql and @pulumi/random at their
 * floors by compiling: each selects its own provider plugin, and the end-to-end suite runs the
 * pinned plugins. Each floor is tight: with @pulumi/pulumi's release before its floor the retry
 * hook of every PostgreSQL child never reaches the engine (its mergeOptions, which every provider
 * resource calls, dropped `onError` hooks), and the component's sources do not compile against
 * the releases before the other two floors.
 */
import { execFile, execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { NEWEST_MAJOR, PostgresServer, startPostgres } from "../../scripts/lib/postgresServer";
import { PackedProject, packedProject, typeErrors } from "../harness/packedProject";
import { ProjectCli, projectCli } from "../harness/projectCli";
import { as } from "../harness/sessions";
import { DATABASE, seedWarehouse } from "../harness/warehouse";

jest.setTimeout(900_000);

const ROOT = path.resolve(__dirname, "../..");
const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));

const PEERS = ["@pulumi/pulumi", "@pulumi/postgresql", "@pulumi/random"] as const;
type Peer = (typeof PEERS)[number];

/** The lowest version the package's range for `peer` admits. */
function floorOf(peer: Peer): string {
    const range: string = manifest.peerDependencies[peer];
    const floor = /^\^(\d+\.\d+\.\d+)$/.exec(range)?.[1];
    if (!floor) throw new Error(`peerDependencies["${peer}"] is "${range}": these tests read the floor of a "^X.Y.Z" range`);
    return floor;
}

const FLOORS = Object.fromEntries(PEERS.map((peer) => [peer, floorOf(peer)])) as Record<Peer, string>;

function npmView(...args: string[]): unknown {
    return JSON.parse(execFileSync("npm", ["view", ...args, "--json"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }));
}

const numbers = (version: string) => version.split(".").map(Number);
const older = (a: string, b: string) => {
    const [x, y] = [numbers(a), numbers(b)];
    const i = x.findIndex((n, j) => n !== y[j]);
    return i >= 0 && x[i] < y[i];
};

/** The newest release (no pre-release) of `peer` on the registry older than `version`. */
function releaseBefore(peer: Peer, version: string): string {
    const releases = (npmView(peer, "versions") as string[]).filter((v) => /^\d+\.\d+\.\d+$/.test(v) && older(v, version));
    return releases.reduce((newest, v) => (older(newest, v) ? v : newest));
}

/** The version of `name` installed in `dir`'s node_modules. */
function installedVersion(dir: string, name: string): string {
    return JSON.parse(fs.readFileSync(path.join(dir, "node_modules", name, "package.json"), "utf8")).version;
}

function npmInstall(dir: string, packages: string[]): void {
    execFileSync("npm", ["install", ...packages, "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"], {
        cwd: dir,
        stdio: ["ignore", "pipe", "pipe"],
    });
}

/**
 * Run with the project's own SDK: the means the package takes from @pulumi/pulumi's internals
 * (its runtime/dependsOn module, Output's isKnown and allResources), through the package's
 * compiled module, on mocked resources at preview: `existing` has an ID, the `pending` ones not yet.
 */
const INTERNALS_SCRIPT = `
const pulumi = require("@pulumi/pulumi");
pulumi.runtime.setMocks(
    { newResource: (a) => ({ id: a.name.startsWith("pending") ? undefined : a.name + "-id", state: a.inputs }), call: (a) => a.inputs },
    "internals", "preview", true,
);
const deps = require("whaly-postgres/dist/components/server/dependencies");
class Bundle extends pulumi.ComponentResource {
    constructor(name) {
        super("test:index:Bundle", name);
        this.child = new pulumi.CustomResource("test:index:Thing", "pending-child", {}, { parent: this });
        this.registerOutputs({});
    }
}
const existing = new pulumi.CustomResource("test:index:Thing", "existing", {});
const bundle = new Bundle("bundle");
const later = new pulumi.CustomResource("test:index:Thing", "pending-input", {});
(async () => {
    const named = await deps.dependenciesOf(pulumi.output([existing, bundle]));
    console.log(JSON.stringify({
        named: named.map((r) => (r === existing ? "existing" : r === bundle ? "bundle" : "other")),
        existingKnown: await deps.isKnown(existing.id),
        pendingKnown: await deps.isKnown(bundle.child.id),
        throughComponent: await deps.stillToCreate([bundle, existing], []),
        throughInputs: await deps.stillToCreate(undefined, [later.id.apply((id) => "x" + id), existing.id, "plain"]),
        none: await deps.stillToCreate(pulumi.output([existing]), [existing.id]),
    }));
})();
`;

/** examples/guide installed beside @pulumi/pulumi `version`, its stack `dev` configured for `server`. */
async function guideProject(version: string, server: PostgresServer): Promise<{ project: PackedProject; cli: ProjectCli }> {
    const project = packedProject("guide", { "@pulumi/pulumi": version });
    // The test server speaks no TLS; the provider reads PGSSLMODE.
    const cli = projectCli(project.dir, { PGSSLMODE: "disable" });
    await cli.run("stack", "init", "dev");
    await cli.run("config", "set", "adminHost", server.host);
    await cli.run("config", "set", "adminPort", String(server.port));
    await cli.run("config", "set", "--secret", "adminPassword", server.adminPassword);
    return { project, cli };
}

/** The hooks the state records for each resource whose type matches `type`, by name. */
async function hooksInState(cli: ProjectCli, type: RegExp): Promise<Record<string, Record<string, string[]>>> {
    const { deployment } = JSON.parse(await cli.run("stack", "export"));
    const resources: Array<{ urn: string; type: string; resourceHooks?: Record<string, string[]> }> = deployment.resources;
    return Object.fromEntries(resources.filter((r) => type.test(r.type)).map((r) => [r.urn.split("::").pop(), r.resourceHooks ?? {}]));
}

/** The type of every PostgreSQL child (the provider's is `pulumi:providers:postgresql`). */
const POSTGRESQL_CHILD = /^postgresql:index\//;

describe(`PostgreSQL ${NEWEST_MAJOR}: the Pulumi packages' ranges in peerDependencies`, () => {
    describe("their floors, by compiling", () => {
        it("the packed package installs beside @pulumi/pulumi, @pulumi/postgresql and @pulumi/random at their floors, and its types compile there", () => {
            const project = packedProject("guide", FLOORS);
            try {
                for (const peer of PEERS) expect(installedVersion(project.dir, peer).replace(/^v/, "")).toBe(FLOORS[peer]);
                // Strict, library types checked too: the package's declarations against the floors' own.
                expect(typeErrors(project.dir)).toBe("");
            } finally {
                project.dispose();
            }
        });

        it("the component's sources compile against the three floors, and not against the releases before @pulumi/postgresql's and @pulumi/random's", () => {
            // The sources, not the declarations: those leave out the types the component uses inside.
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "whaly-sources-"));
            try {
                for (const source of ["index.ts", "components", "audit"])
                    fs.cpSync(path.join(ROOT, source), path.join(dir, source), { recursive: true });
                fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "whaly-sources", private: true }));
                fs.writeFileSync(
                    path.join(dir, "tsconfig.json"),
                    JSON.stringify({
                        compilerOptions: {
                            strict: true,
                            target: "ES2022",
                            module: "commonjs",
                            moduleResolution: "node",
                            lib: ["ES2022"],
                            types: ["node"],
                            esModuleInterop: true,
                            // As in the repository: the component's use of the SDKs is checked, not their own declarations.
                            skipLibCheck: true,
                        },
                        include: ["index.ts", "components", "audit"],
                    }),
                );
                const pinned = ["@types/pg", "@types/node", "typescript"].map((name) => `${name}@${manifest.devDependencies[name]}`);
                const dependencies = Object.entries(manifest.dependencies as Record<string, string>).map(
                    ([name, range]) => `${name}@${range}`,
                );
                const atFloor = (peer: Peer) => `${peer}@${FLOORS[peer]}`;
                npmInstall(dir, [...PEERS.map(atFloor), ...dependencies, ...pinned]);
                expect(typeErrors(dir)).toBe("");

                // The release before each floor lacks what the sources use (the compiler names it).
                for (const peer of ["@pulumi/postgresql", "@pulumi/random"] as const) {
                    const below = releaseBefore(peer, FLOORS[peer]);
                    npmInstall(dir, [`${peer}@${below}`]);
                    expect({ peer, below, errors: typeErrors(dir) }).toEqual({ peer, below, errors: expect.stringMatching(/error TS\d+/) });
                    npmInstall(dir, [atFloor(peer)]);
                }
                expect(typeErrors(dir)).toBe("");
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    });

    describe.each([
        ["at the floor of its range", () => FLOORS["@pulumi/pulumi"]],
        ["at the newest on the npm registry", () => npmView("@pulumi/pulumi", "version") as string],
    ])("examples/guide through the pulumi CLI, with @pulumi/pulumi %s", (_, resolveVersion) => {
        let version: string;
        let server: PostgresServer;
        let project: PackedProject;
        let cli: ProjectCli;
        const pulumi = (...args: string[]) => cli.run(...args);

        beforeAll(async () => {
            version = resolveVersion();
            server = await startPostgres(NEWEST_MAJOR);
            ({ project, cli } = await guideProject(version, server));
        });
        afterAll(() => {
            project?.dispose();
            cli?.dispose();
            server?.stop();
        });

        it("the project holds that version, in one copy, which the package and both providers load", () => {
            expect(installedVersion(project.dir, "@pulumi/pulumi")).toBe(version);
            for (const dependent of ["whaly-postgres", "@pulumi/postgresql", "@pulumi/random"])
                expect(fs.existsSync(path.join(project.dir, "node_modules", dependent, "node_modules", "@pulumi", "pulumi"))).toBe(false);
        });

        it("the SDK internals the package relies on name what a dependency leads to, and what is still to be created", async () => {
            const { stdout } = await promisify(execFile)("node", ["-e", INTERNALS_SCRIPT], { cwd: project.dir, encoding: "utf8" });
            expect(JSON.parse(stdout)).toEqual({
                named: ["existing", "bundle"],
                existingKnown: true,
                pendingKnown: false,
                throughComponent: [expect.stringMatching(/test:index:Thing pending-child$/)],
                throughInputs: ["test:index:Thing pending-input"],
                none: [],
            });
        });

        it("a preview whose server checks fail (no database yet) stops at the first child's hook, which runs at preview", async () => {
            const failure = await pulumi("preview").then(
                (out) => `preview passed:\n${out}`,
                (e: Error) => e.message,
            );
            expect(failure).toContain(`database ${DATABASE} does not exist`);
            // The engine's words: a child's checks hook ran in the preview, and failed it.
            expect(failure).toContain(
                'before hook "whaly-postgres/whaly/checks" failed: the server checks of WhalyPostgresAccess whaly failed',
            );
            expect(await server.query("SELECT rolname FROM pg_roles WHERE rolname = 'whaly_bi'")).toEqual([]);
        });

        it("pulumi up creates the access once the database exists: Whaly's role reads a table and may not write to it", async () => {
            await seedWarehouse(server);
            await pulumi("up", "--yes");
            const out = JSON.parse(await pulumi("stack", "output", "--json", "--show-secrets"));
            expect(out).toMatchObject({ host: server.host, port: server.port, database: DATABASE, user: "whaly_bi" });
            await as(server, DATABASE, "whaly_bi", out.password, async (s) => {
                expect(await s.query("SELECT name FROM public.customers")).toEqual([{ name: "ada" }]);
                expect(await s.canInsert("public.customers")).toBe(false);
            });
        });

        it("every PostgreSQL child reaches the engine with the retry hook", async () => {
            const hooks = await hooksInState(cli, POSTGRESQL_CHILD);
            expect(Object.keys(hooks)).toEqual(expect.arrayContaining(["whaly/role", "whaly/connect", "whaly/select-tables/public"]));
            const retried = expect.objectContaining({ OnError: ["whaly-postgres/whaly/retry"] });
            expect(hooks).toEqual(Object.fromEntries(Object.keys(hooks).map((child) => [child, retried])));
        });

        it("the state gives every child the component's source position and stack, from the program's line, with no frame inside the package", async () => {
            const { deployment } = JSON.parse(await pulumi("stack", "export"));
            type Declared = { urn: string; type: string; sourcePosition?: string; stackTrace?: unknown };
            const resources: Declared[] = deployment.resources;
            const declared = (r?: Declared) => ({ sourcePosition: r?.sourcePosition, stackTrace: r?.stackTrace });
            const component = resources.find((r) => r.type === "whaly-postgres:index:WhalyPostgresAccess");
            expect(component?.sourcePosition).toMatch(/^project:\/\/\/index\.ts#\d+,\d+$/);
            // But the provider's, which the SDK takes one constructor further, inside @pulumi/postgresql.
            const children = resources.filter((r) => r.urn.includes("WhalyPostgresAccess$") && !r.type.startsWith("pulumi:providers:"));
            expect(children.length).toBeGreaterThan(5);
            for (const child of children) expect([child.urn, declared(child)]).toEqual([child.urn, declared(component)]);
            expect(JSON.stringify(resources)).not.toContain("node_modules/whaly-postgres/");
        });

        it("pulumi preview --expect-no-changes passes", async () => {
            await pulumi("preview", "--expect-no-changes");
        });

        it("pulumi destroy drops the role", async () => {
            await pulumi("destroy", "--yes");
            expect(await server.query("SELECT rolname FROM pg_roles WHERE rolname = 'whaly_bi'")).toEqual([]);
        });
    });

    describe("examples/guide with the release of @pulumi/pulumi before its floor", () => {
        let server: PostgresServer;
        let project: PackedProject | undefined;
        let cli: ProjectCli | undefined;
        afterAll(() => {
            project?.dispose();
            cli?.dispose();
            server?.stop();
        });

        it("deploys, but without the retry hook on any PostgreSQL child: the floor is where the hook reaches the engine", async () => {
            server = await startPostgres(NEWEST_MAJOR);
            await seedWarehouse(server);
            const below = releaseBefore("@pulumi/pulumi", FLOORS["@pulumi/pulumi"]);
            ({ project, cli } = await guideProject(FLOORS["@pulumi/pulumi"], server));
            // Forced: npm refuses a version outside the package's peer range.
            npmInstall(project.dir, [`@pulumi/pulumi@${below}`, "--force"]);
            expect(installedVersion(project.dir, "@pulumi/pulumi")).toBe(below);
            await cli.run("up", "--yes", "--skip-preview");
            // The checks hooks arrive: hooks reach the engine from this release, the retry hook alone is dropped.
            expect(await hooksInState(cli, /^random:/)).toMatchObject({
                "whaly/password": { BeforeCreate: ["whaly-postgres/whaly/checks"] },
            });
            const hooks = await hooksInState(cli, POSTGRESQL_CHILD);
            expect(Object.keys(hooks)).toEqual(expect.arrayContaining(["whaly/role", "whaly/connect", "whaly/select-tables/public"]));
            expect(Object.entries(hooks).filter(([, bound]) => bound.OnError)).toEqual([]);
            await cli.run("destroy", "--yes", "--skip-preview");
        });
    });
});
