/**
 * The component from other Pulumi languages: examples/yaml, examples/go and examples/python consume
 * the package in provider/ (`pulumi package add`), and the CLI deploys them against a real server:
 * up, a login with the output password, preview --expect-no-changes, destroy; from Python also a
 * password rotation. Needs pulumi-language-yaml, pulumi-language-go, Go and pulumi-language-python
 * (npm test leaves this file out, saying so, where they are missing), and for Python, python3 and
 * PyPI, from which `pulumi package add` installs the Python SDK into the project's venv. Last, the
 * package as a git URL brings it, a copy of the repository with no node_modules, installed with
 * NODE_ENV=production: the runtime's dependencies only, and the YAML example deploys.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { NEWEST_MAJOR, PostgresServer, startPostgres } from "../../scripts/lib/postgresServer";
import { privilegesOf, traces } from "../harness/catalog";
import { ProjectCli, projectCli } from "../harness/projectCli";
import { as } from "../harness/sessions";
import { DATABASE, expectedPrivileges, seedWarehouse } from "../harness/warehouse";

jest.setTimeout(600_000);

const ROOT = path.resolve(__dirname, "../..");

/** A stack `dev` of an example, its config pointing at `server` (the examples' config keys). */
async function initStack(cli: ProjectCli, server: PostgresServer): Promise<void> {
    await cli.run("stack", "init", "dev");
    await cli.run("config", "set", "adminHost", server.host);
    await cli.run("config", "set", "adminPort", String(server.port));
    await cli.run("config", "set", "adminSslMode", "disable");
    await cli.run("config", "set", "--secret", "adminPassword", server.adminPassword);
}

describe.each(["yaml", "go", "python"])(`PostgreSQL ${NEWEST_MAJOR}: examples/%s through the package`, (language) => {
    let server: PostgresServer;
    let dir: string;
    let cli: ProjectCli;

    beforeAll(async () => {
        server = await startPostgres(NEWEST_MAJOR);
        await seedWarehouse(server);
        dir = fs.mkdtempSync(path.join(os.tmpdir(), `whaly-${language}-`));
        // What the repository holds: not an SDK or a venv left by a run in place.
        const generated = new Set(["sdks", "venv"]);
        fs.cpSync(path.join(ROOT, "examples", language), dir, { recursive: true, filter: (f) => !generated.has(path.basename(f)) });
        cli = projectCli(dir);
        // The Python SDK at the CLI's own version, from PyPI: the example's range would take the newest.
        if (language === "python") {
            const cliVersion = (await cli.run("version")).trim().replace(/^v/, "");
            fs.writeFileSync(path.join(dir, "requirements.txt"), `pulumi==${cliVersion}\n`);
        }
    });
    afterAll(() => {
        cli?.dispose();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
        server?.stop();
    });

    it("pulumi package add takes the package from its local path", async () => {
        await cli.run("package", "add", path.join(ROOT, "provider"));
        expect(fs.readFileSync(path.join(dir, "Pulumi.yaml"), "utf8")).toContain(`whaly-postgres: ${path.join(ROOT, "provider")}`);
    });

    if (language === "python")
        it("package add puts the generated SDK in requirements.txt and installs it into the venv", async () => {
            expect(fs.readFileSync(path.join(dir, "requirements.txt"), "utf8").split("\n")).toContain("sdks/whaly-postgres");
            const { stdout } = await promisify(execFile)(path.join(dir, "venv", "bin", "python"), [
                "-c",
                "from importlib.metadata import version; print(version('pulumi_whaly_postgres'))",
            ]);
            expect(stdout.trim()).toBe(JSON.parse(fs.readFileSync(path.join(ROOT, "provider", "package.json"), "utf8")).version);
            const pulumiSdk = await promisify(execFile)(path.join(dir, "venv", "bin", "python"), [
                "-c",
                "from importlib.metadata import version; print(version('pulumi'))",
            ]);
            expect(`v${pulumiSdk.stdout.trim()}`).toBe((await cli.run("version")).trim());
        });

    it("pulumi up gives the guide's access; the output password logs in and reads public only", async () => {
        await initStack(cli, server);
        await cli.run("up", "--yes", "--skip-preview");
        const out = JSON.parse(await cli.run("stack", "output", "--json", "--show-secrets"));
        expect(out).toMatchObject({ host: server.host, port: server.port, database: DATABASE, user: "whaly_bi" });
        await as(server, DATABASE, "whaly_bi", out.password, async (s) => {
            expect(await s.canSelect("public.customers")).toBe(true);
            expect(await s.canSelect("sales.orders")).toBe(false);
        });
        expect(await privilegesOf(server, DATABASE, "whaly_bi")).toEqual(expectedPrivileges(["public"], ["postgres"]));
        // Secrets stay secrets across the language boundary.
        const plain = await cli.run("stack", "output", "--json");
        expect(plain).not.toContain(out.password);
        expect(await cli.run("stack", "export")).not.toContain(out.password);
    });

    if (language === "yaml")
        it("a misspelt arg is refused at preview, naming it", async () => {
            const file = path.join(dir, "Pulumi.yaml");
            const program = fs.readFileSync(file, "utf8");
            fs.writeFileSync(file, program.replace(/^( +)database: analytics$/m, "$1database: analytics\n$1tableCreator: [etl]"));
            const message = await cli.run("preview").then(
                () => "preview succeeded",
                (e: Error) => e.message,
            );
            fs.writeFileSync(file, program);
            expect(message).toContain("tableCreator");
            expect(message).toMatch(/does not exist|not an arg/);
        });

    if (language === "yaml")
        it("a database and a schema declared in the same program: the preview defers the checks to up, saying so; up, with its preview, grants them; the next preview checks", async () => {
            const file = path.join(dir, "Pulumi.yaml");
            const program = fs.readFileSync(file, "utf8");
            const admin =
                "host: ${adminHost}\n            port: ${adminPort}\n            username: postgres\n            password: ${adminPassword}";
            const declared = [
                "    pg:",
                "        type: pulumi:providers:postgresql",
                "        properties:",
                `            ${admin.replace(/\n {12}/g, "\n            ")}`,
                "            sslmode: ${adminSslMode}",
                "            database: postgres",
                "    freshdb:",
                "        type: postgresql:Database",
                "        properties: { name: freshdb }",
                '        options: { provider: "${pg}" }',
                "    fresh:",
                "        type: postgresql:Schema",
                '        properties: { name: fresh, database: "${freshdb.name}" }',
                '        options: { provider: "${pg}" }',
                "    whaly-fresh:",
                "        type: whaly-postgres:index:WhalyPostgresAccess",
                "        properties:",
                "            database: ${freshdb.name}",
                "            roleName: whaly_fresh",
                "            schemas: [fresh]",
                "            admin:",
                `                ${admin.replace(/\n {12}/g, "\n                ")}`,
                "                sslMode: ${adminSslMode}",
                '        options: { dependsOn: [ "${fresh}" ] }',
            ].join("\n");
            // Indented as the file is: `package add` writes it back in its own style.
            const unit = /^resources:\n( +)/m.exec(program)![1];
            const reindented = declared.replace(/^(?: {4})+/gm, (indent) => unit.repeat(indent.length / 4));
            fs.writeFileSync(file, program.replace(/^resources:\n/m, `resources:\n${reindented}\n`));
            try {
                const preview = await cli.run("preview");
                expect(preview).toContain("The server checks run at up, once");
                expect(preview).toContain("postgresql:index/schema:Schema fresh");
                await cli.run("up", "--yes");
                expect(await privilegesOf(server, "freshdb", "whaly_fresh")).toEqual(
                    expect.arrayContaining(["database freshdb CONNECT", "schema fresh USAGE"]),
                );
                // Once they exist, the preview checks the server again.
                expect(await cli.run("preview", "--expect-no-changes")).not.toContain("The server checks run at up");
            } finally {
                fs.writeFileSync(file, program);
            }
            await cli.run("up", "--yes", "--skip-preview");
            expect(await traces(server, DATABASE, "whaly_fresh")).toEqual([]);
        });

    if (language === "python")
        it("bumping passwordVersion rotates the password: the new one logs in, the old one is refused", async () => {
            const passwordNow = async (): Promise<string> =>
                JSON.parse(await cli.run("stack", "output", "--json", "--show-secrets")).password;
            const old = await passwordNow();
            await cli.run("config", "set", "passwordVersion", "2");
            await cli.run("up", "--yes", "--skip-preview");
            const rotated = await passwordNow();
            expect(rotated).not.toBe(old);
            expect(await as(server, DATABASE, "whaly_bi", rotated, (s) => s.canSelect("public.customers"))).toBe(true);
            await expect(as(server, DATABASE, "whaly_bi", old, async () => undefined)).rejects.toThrow(/password authentication failed/);
            expect(await cli.run("stack", "export")).not.toContain(rotated);
        });

    it("pulumi preview --expect-no-changes passes, and destroy leaves nothing that mentions the role", async () => {
        await cli.run("preview", "--expect-no-changes");
        await cli.run("destroy", "--yes", "--skip-preview");
        expect(await traces(server, DATABASE, "whaly_bi")).toEqual([]);
    });
});

describe(`PostgreSQL ${NEWEST_MAJOR}: the package from a copy of the repository, installed with NODE_ENV=production`, () => {
    let server: PostgresServer;
    let tmp: string;
    let repo: string;
    let cli: ProjectCli;

    beforeAll(async () => {
        server = await startPostgres(NEWEST_MAJOR);
        await seedWarehouse(server);
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "whaly-package-production-"));
        // What a clone holds (tracked files, and new ones not ignored), as `pulumi package add <git URL>` fetches it.
        repo = path.join(tmp, "repo");
        const { stdout } = await promisify(execFile)("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
            cwd: ROOT,
        });
        for (const file of stdout.split("\0").filter((f) => f !== "" && fs.existsSync(path.join(ROOT, f)))) {
            fs.mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
            fs.copyFileSync(path.join(ROOT, file), path.join(repo, file));
        }
        const dir = path.join(tmp, "yaml");
        fs.mkdirSync(dir);
        fs.copyFileSync(path.join(ROOT, "examples", "yaml", "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
        cli = projectCli(dir, { NODE_ENV: "production" });
    });
    afterAll(() => {
        cli?.dispose();
        if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
        server?.stop();
    });

    it("installs what the plugin runs, and none of the devDependencies (test servers, jest, linters)", async () => {
        await cli.run("package", "add", path.join(repo, "provider"));
        const installed = fs.readdirSync(path.join(repo, "node_modules"));
        expect(installed).toEqual(expect.arrayContaining(["@pulumi", "pg", "ts-node", "typescript"]));
        // The root's prepare built the package with them, as an install from git does.
        expect(fs.existsSync(path.join(repo, "dist", "index.js"))).toBe(true);
        // The devDependencies only the tests and the linters use (the others the plugin needs too).
        const devDependencies = Object.keys(JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).devDependencies);
        const testOnly = devDependencies.filter((name) =>
            /^(postgres-\d+|jest|ts-jest|jest-environment-node|eslint|typescript-eslint|prettier|fast-check)$/.test(name),
        );
        expect(testOnly).toEqual(expect.arrayContaining(["jest", "eslint", "postgres-12", "postgres-18"]));
        expect(installed.filter((name) => testOnly.includes(name))).toEqual([]);
        // The size docs/languages.md gives (about 140 MB, where a full install is about 620).
        const { stdout: kilobytes } = await promisify(execFile)("du", ["-sk", path.join(repo, "node_modules")]);
        expect(Number(kilobytes.split("\t")[0])).toBeLessThan(200 * 1024);
    });

    it("pulumi up gives the guide's access through that plugin, and destroy removes it", async () => {
        await initStack(cli, server);
        await cli.run("up", "--yes", "--skip-preview");
        const out = JSON.parse(await cli.run("stack", "output", "--json", "--show-secrets"));
        expect(await as(server, DATABASE, "whaly_bi", out.password, (s) => s.canSelect("public.customers"))).toBe(true);
        await cli.run("destroy", "--yes", "--skip-preview");
        expect(await traces(server, DATABASE, "whaly_bi")).toEqual([]);
    });
});
