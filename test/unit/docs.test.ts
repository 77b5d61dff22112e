/**
 * The README and the docs stay true to each other and to the API: every relative link resolves
 * (a file that exists, a heading that exists), and every arg of the TypeScript API has its row in
 * the README's table of args.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { membersOf } from "../harness/apiMembers";

const ROOT = path.resolve(__dirname, "../..");
const PAGES = [
    "README.md",
    "CHANGELOG.md",
    ...fs
        .readdirSync(path.join(ROOT, "docs"))
        .filter((f) => f.endsWith(".md"))
        .map((f) => `docs/${f}`),
];

/** Words that promise what the package does: where the docs use one, they link the test that proves it. */
const GUARANTEES = /never printed|never shown|nothing (was |is )?changed|no failed read|0 failed reads?|every mode|never appears?\b/i;

/** The text outside code blocks. */
const prose = (markdown: string) => markdown.replace(/^```[\s\S]*?^```/gm, "");

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
const anchor = (heading: string) =>
    heading
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\- _]/gu, "")
        .replace(/ /g, "-");

function anchorsOf(file: string): string[] {
    return [...prose(fs.readFileSync(file, "utf8")).matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchor(m[1]));
}

describe("the README and the docs", () => {
    it.each(PAGES)("%s: every relative link leads to a file and heading that exist", (page) => {
        const text = prose(fs.readFileSync(path.join(ROOT, page), "utf8"));
        const links = [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]).filter((t) => !/^(https?:|mailto:)/.test(t));
        const broken = links.filter((link) => {
            const [file, hash] = link.split("#");
            const target = file ? path.resolve(path.dirname(path.join(ROOT, page)), file) : path.join(ROOT, page);
            if (!fs.existsSync(target)) return true;
            return hash !== undefined && target.endsWith(".md") && !anchorsOf(target).includes(hash);
        });
        expect(broken).toEqual([]);
        if (page === "README.md") expect(links.length).toBeGreaterThan(10);
    });

    it.each(PAGES.filter((page) => page !== "CHANGELOG.md"))("%s: each guarantee names the test that proves it", (page) => {
        const text = prose(fs.readFileSync(path.join(ROOT, page), "utf8"));
        // A paragraph, or a table row, is where a promise and its proof sit together.
        const paragraphs = text
            .split(/\n\s*\n|\n(?=\||- )/)
            // A heading promises what the paragraph after it proves.
            .reduce<string[]>(
                (all, p) =>
                    /^#+ [^\n]*$/.test(all[all.length - 1] ?? "") ? [...all.slice(0, -1), `${all[all.length - 1]}\n${p}`] : [...all, p],
                [],
            );
        const proven = (paragraph: string) =>
            [...paragraph.matchAll(/\]\(([^)\s#]+\.test\.ts|[^)\s#]+\/harness\/[^)\s#]+\.ts)(#[^)]*)?\)/g)].some((m) =>
                fs.existsSync(path.resolve(path.dirname(path.join(ROOT, page)), m[1])),
            );
        const unproven = paragraphs.filter((paragraph) => GUARANTEES.test(paragraph) && !proven(paragraph));
        expect(unproven.map((paragraph) => paragraph.trim())).toEqual([]);
    });

    it("the README has a row for every arg of the TypeScript API, admin's included", () => {
        const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
        const rows = [...readme.matchAll(/^\| `([\w.]+)` \|/gm)].map((m) => m[1]);
        const args = [
            ...membersOf("contract/args.ts", "WhalyPostgresAccessArgs"),
            ...membersOf("contract/args.ts", "WhalyPostgresAdminArgs").map((a) => `admin.${a}`),
        ];
        expect(args.length).toBeGreaterThan(20);
        expect(args.filter((arg) => !rows.includes(arg))).toEqual([]);
    });

    it.each([
        ["README.md", "examples/guide/index.ts"],
        ["docs/languages.md", "examples/yaml/Pulumi.yaml"],
        ["docs/languages.md", "examples/go/main.go"],
    ])("%s shows %s as it is", (page, example) => {
        const blocks = [...fs.readFileSync(path.join(ROOT, page), "utf8").matchAll(/^```\w*\n([\s\S]*?)^```/gm)].map((m) => m[1]);
        expect(blocks).toContain(fs.readFileSync(path.join(ROOT, example), "utf8"));
    });

    it("the README stays short: what a newcomer needs, the rest in docs/", () => {
        expect(fs.readFileSync(path.join(ROOT, "README.md"), "utf8").split("\n").length).toBeLessThan(250);
    });
});
