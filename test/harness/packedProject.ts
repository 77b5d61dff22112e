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
const BESIDE = ["@pulumi/pulumi", "@pulumi/postgresql", "@pulumi/random", "typescript", "ts-node", "@types/node"].map(
    (name) => `${name}@${manifest.devDependencies[name]}`,
);

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

/** Packs this checkout and installs it into a new project holding a copy of `examples/<example>`. */
export function packedProject(example: string): PackedProject {
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
    npm(["install", tarball, ...BESIDE], dir);
    return {
        dir,
        packedFiles: packed.files.map((f: { path: string }) => `package/${f.path}`),
        dispose: () => fs.rmSync(dir, { recursive: true, force: true }),
    };
}
