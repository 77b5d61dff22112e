/**
 * The package as users install it: packed from this checkout (the `prepare` build runs, as it
 * does for `npm install <git url>`), installed into a throwaway project beside the pinned Pulumi
 * packages, and compiled together with the examples.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { changelogSection } from "../../scripts/releaseNotes";
import { PackedProject, packedProject, typeErrors } from "../harness/packedProject";

jest.setTimeout(300_000);

describe("npm install of the packed package", () => {
    let project: PackedProject;
    beforeAll(() => {
        project = packedProject("larger-stack");
        fs.copyFileSync(path.resolve(__dirname, "../../examples/guide/index.ts"), path.join(project.dir, "guide.ts"));
    });
    afterAll(() => project?.dispose());

    it("ships the compiled JavaScript and its type declarations, the README, the changelog and the licence, and no sources or tests", () => {
        expect(project.packedFiles).toEqual(
            expect.arrayContaining([
                "package/dist/index.js",
                "package/dist/index.d.ts",
                "package/package.json",
                "package/README.md",
                "package/CHANGELOG.md",
                "package/LICENSE",
            ]),
        );
        expect(
            project.packedFiles.filter((f) => !/^package\/(dist\/.*\.(js|d\.ts)|package\.json|README\.md|CHANGELOG\.md|LICENSE)$/.test(f)),
        ).toEqual([]);
    });

    it("carries the Apache License 2.0 that package.json names, word for word", () => {
        const installed = path.join(project.dir, "node_modules", "whaly-postgres");
        const licence = fs.readFileSync(path.join(installed, "LICENSE"), "utf8");
        expect(JSON.parse(fs.readFileSync(path.join(installed, "package.json"), "utf8")).license).toBe("Apache-2.0");
        expect(licence).toMatch(
            /^\s*Apache License\s+Version 2\.0, January 2004\s+http:\/\/www\.apache\.org\/licenses\/\s+TERMS AND CONDITIONS/,
        );
        expect(licence).toContain("END OF TERMS AND CONDITIONS");
        // The SHA-256 of https://www.apache.org/licenses/LICENSE-2.0.txt, the text registries recognise.
        expect(createHash("sha256").update(licence).digest("hex")).toBe("cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30");
    });

    it("carries the metadata a registry shows: repository, homepage, issues, keywords, and a changelog section for its version", () => {
        const manifest = JSON.parse(fs.readFileSync(path.join(project.dir, "node_modules", "whaly-postgres", "package.json"), "utf8"));
        expect(manifest).toMatchObject({
            repository: { type: "git", url: expect.stringMatching(/^git\+https:\/\/github\.com\/.+\.git$/) },
            homepage: expect.stringMatching(/^https:\/\//),
            bugs: { url: expect.stringMatching(/\/issues$/) },
            keywords: expect.arrayContaining(["pulumi", "postgresql", "whaly"]),
        });
        const changelog = fs.readFileSync(path.join(project.dir, "node_modules", "whaly-postgres", "CHANGELOG.md"), "utf8");
        expect(changelogSection(changelog, manifest.version)).toContain("### Added");
    });

    it("loads in Node.js with the component and the helpers exported", () => {
        const exported = execFileSync(
            "node",
            [
                "-p",
                "const w = require('whaly-postgres'); JSON.stringify([typeof w.WhalyPostgresAccess, typeof w.renderPgHbaLines, w.WHALY_IP_RANGES.length])",
            ],
            { cwd: project.dir, encoding: "utf8" },
        );
        expect(JSON.parse(exported)).toEqual(["function", "function", 36]);
    });

    it("installs the whaly-postgres command, which answers a closed port with one line and exit 2", () => {
        const run = spawnSync(
            path.join(project.dir, "node_modules", ".bin", "whaly-postgres"),
            ["audit", "postgresql://u:hidden-pw@127.0.0.1:1/db?sslmode=disable"],
            {
                encoding: "utf8",
            },
        );
        expect(run.status).toBe(2);
        expect(run.stderr).toMatch(/^whaly-postgres audit: cannot audit role whaly_bi through u@127\.0\.0\.1:1\/db: .*ECONNREFUSED/);
        expect(run.stderr).not.toContain("hidden-pw");
        expect(spawnSync(path.join(project.dir, "node_modules", ".bin", "whaly-postgres"), [], { encoding: "utf8" }).stderr).toContain(
            "usage: whaly-postgres audit",
        );
    });

    it("type-checks both examples against the installed package (strict)", () => {
        expect(typeErrors(project.dir)).toBe("");
        // A type error must fail it: the check is real.
        fs.writeFileSync(
            path.join(project.dir, "broken.ts"),
            'import { WhalyPostgresAccess } from "whaly-postgres";\nnew WhalyPostgresAccess("x", { database: 1 });\n',
        );
        expect(typeErrors(project.dir)).toMatch(/broken\.ts.*'number' is not assignable to type 'Input<string>'/);
    });
});
