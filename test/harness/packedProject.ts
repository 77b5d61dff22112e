/**
 * A user's project as `npm install` makes it: this checkout packed with `npm pack` (which runs
 * the `prepare` build, as installing from a git URL does), installed into a throwaway directory
 * beside the pinned Pulumi packages, with one of `examples/` copied in as the program.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../..");
const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));

/** What a user installs beside the package: its peers, and TypeScript for the Pulumi program. */
const BESIDE = ["@pulumi/pulumi", "@pulumi/postgresql", "@pulumi/random", "typescript", "ts-node", "@types/node"] as const;

/** Versions of what is installed beside the package, by name; the pins of `devDependencies` for the rest. */
export type BesideVersions = Partial<Record<(typeof BESIDE)[number], string>>;

function npm(args: string[], cwd: string): string {
    return execFileSync("npm", [...args, "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"], {
        cwd,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
    });
}

export interface PackedProject {
    dir: string;
    /** Paths inside the package tarball, e.g. `package/bin/index.js`. */
    packedFiles: string[];
    dispose(): void;
}

/**
 * Packs this checkout and installs it into a new project holding a copy of `examples/<example>`,
 * beside `versions` (e.g. `{ "@pulumi/pulumi": "3.245.0" }`); npm refuses one outside the package's peer ranges.
 */
export function packedProject(example: string, versions: BesideVersions = {}): PackedProject {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `whaly-project-${example}-`));
    const [packed] = JSON.parse(npm(["pack", "--json", "--pack-destination", dir], ROOT));
    const tarball = path.join(dir, packed.filename);
    fs.cpSync(path.join(ROOT, "examples", example), dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: `whaly-${example}`, private: true, main: "index.ts" }));
    fs.writeFileSync(
        path.join(dir, "tsconfig.json"),
        JSON.stringify({
            compilerOptions: { strict: true, target: "ES2022", module: "commonjs", moduleResolution: "node", esModuleInterop: true },
        }),
    );
    npm(["install", tarball, ...BESIDE.map((name) => `${name}@${versions[name] ?? manifest.devDependencies[name]}`)], dir);
    return {
        dir,
        packedFiles: packed.files.map((f: { path: string }) => `package/${f.path}`),
        dispose: () => fs.rmSync(dir, { recursive: true, force: true }),
    };
}

/** A project on an earlier release of the package, ready to be upgraded. */
export interface ReleasedProject extends PackedProject {
    /** Installs this checkout's tarball in place of the release, as `npm install` of the new version does. */
    upgrade(): void;
}

/**
 * {@link packedProject}, then the package as it was at git commit `commit` (a release) installed in
 * place of this checkout's: that commit's tree taken out with `git archive` into a temporary
 * directory, built by its own `prepare` with this checkout's dependencies, and packed. The commit
 * must be in this checkout's history.
 */
export function releasedProject(commit: string, example: string): ReleasedProject {
    const project = packedProject(example);
    const tree = fs.mkdtempSync(path.join(os.tmpdir(), "whaly-release-"));
    const release = path.join(project.dir, "release");
    try {
        const archive = path.join(tree, "release.tar");
        try {
            execFileSync("git", ["-C", ROOT, "archive", "--format=tar", "-o", archive, commit], { stdio: ["ignore", "pipe", "pipe"] });
        } catch (e) {
            const stderr = String((e as { stderr?: Buffer }).stderr ?? "").trim();
            throw new Error(
                `git archive of release commit ${commit} failed (${stderr}): it must be in this checkout's history (in a shallow clone, \`git fetch --unshallow\`)`,
            );
        }
        execFileSync("tar", ["-x", "-f", archive, "-C", tree], { stdio: ["ignore", "pipe", "pipe"] });
        fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(tree, "node_modules"));
        fs.mkdirSync(release);
        const [packed] = JSON.parse(npm(["pack", "--json", "--pack-destination", release], tree));
        npm(["install", path.join(release, packed.filename)], project.dir);
    } catch (e) {
        project.dispose();
        throw e;
    } finally {
        fs.rmSync(tree, { recursive: true, force: true });
    }
    const current = path.join(project.dir, `${manifest.name}-${manifest.version}.tgz`);
    return { ...project, upgrade: () => void npm(["install", current], project.dir) };
}

/** What `tsc --noEmit` reports in `dir`: empty when it compiles. */
export function typeErrors(dir: string): string {
    try {
        execFileSync(path.join(dir, "node_modules", ".bin", "tsc"), ["--noEmit", "-p", "."], { cwd: dir, encoding: "utf8", stdio: "pipe" });
        return "";
    } catch (e) {
        return String((e as { stdout?: string }).stdout);
    }
}
