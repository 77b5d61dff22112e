/**
 * The changelog's section for a release, for its GitHub release notes; fails when the tag does not
 * match package.json's version or the changelog has no section for it.
 * Usage: ts-node scripts/releaseNotes.ts vX.Y.Z
 */
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..");

/** The body of `## [version]` in a Keep a Changelog file, without its heading. */
export function changelogSection(changelog: string, version: string): string {
    const heading = new RegExp(`^## \\[${version.replace(/\./g, "\\.")}\\][^\\n]*\\n`, "m");
    const start = heading.exec(changelog);
    if (!start) throw new Error(`CHANGELOG.md has no section "## [${version}]": add it before tagging v${version}`);
    const rest = changelog.slice(start.index + start[0].length);
    const end = rest.search(/^## \[|^\[[^\]]+\]: /m);
    return (end === -1 ? rest : rest.slice(0, end)).trim();
}

if (require.main === module) {
    const tag = process.argv[2] ?? "";
    const version = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).version;
    if (tag !== `v${version}`) {
        console.error(`release: the tag ${JSON.stringify(tag)} is not v${version}, package.json's version: bump one of them`);
        process.exit(1);
    }
    try {
        console.log(changelogSection(fs.readFileSync(path.join(ROOT, "CHANGELOG.md"), "utf8"), version));
    } catch (e) {
        console.error(`release: ${(e as Error).message}`);
        process.exit(1);
    }
}
