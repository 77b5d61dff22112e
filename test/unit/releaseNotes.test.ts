import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { changelogSection } from "../../scripts/releaseNotes";

const CHANGELOG = `# Changelog

## [Unreleased]

## [0.2.0] - 2027-01-10

### Fixed

- Something.

## [0.1.0] - 2026-11-25

### Added

- The first release.

[0.2.0]: https://example.test/v0.2.0
`;

describe("release notes", () => {
    it("are the version's changelog section, without its heading and up to the next one", () => {
        expect(changelogSection(CHANGELOG, "0.2.0")).toBe("### Fixed\n\n- Something.");
        expect(changelogSection(CHANGELOG, "0.1.0")).toBe("### Added\n\n- The first release.");
    });

    it("refuse a version the changelog does not describe", () => {
        expect(() => changelogSection(CHANGELOG, "0.3.0")).toThrow('CHANGELOG.md has no section "## [0.3.0]"');
        expect(() => changelogSection(CHANGELOG, "0.1")).toThrow("no section");
    });

    it("refuse, from the command line, a tag that is not package.json's version", () => {
        const run = (tag: string) => {
            try {
                return {
                    code: 0,
                    out: execFileSync("npx", ["ts-node", "scripts/releaseNotes.ts", tag], {
                        cwd: path.resolve(__dirname, "../.."),
                        encoding: "utf8",
                        stdio: "pipe",
                    }),
                };
            } catch (e) {
                return { code: (e as { status: number }).status, out: String((e as { stderr: string }).stderr) };
            }
        };
        const version = JSON.parse(fs.readFileSync(path.resolve(__dirname, "../../package.json"), "utf8")).version;
        expect(run(`v${version}`)).toMatchObject({ code: 0, out: expect.stringContaining("### Added") });
        expect(run("v9.9.9")).toMatchObject({ code: 1, out: expect.stringContaining(`is not v${version}, package.json's version`) });
    });
});
