/**
 * How the audit's text report shows a name (audit/phrase.ts): quoted as PostgreSQL quotes it,
 * with every character that could start a line, drive a terminal or hide escaped, so that two
 * different names never read alike and no name forges a line.
 */
import { escapeControls, name, shown } from "../../audit/phrase";

describe("the audit's text report", () => {
    it("escapes controls, line separators, bidi controls, and characters that show nothing (zero-width, fillers)", () => {
        const cases: Array<[string, string]> = [
            ["x\ny", "x\\ny"],
            ["a\u0085b", "a\\x85b"],
            ["a\u2028b", "a\\u2028b"],
            ["a\u202eb", "a\\u202eb"],
            ["a\u200bb", "a\\u200bb"],
            ["\ufeffa", "\\ufeffa"],
            ["a\u00adb", "a\\xadb"],
            ["\u3164", "\\u3164"],
            ["\u115f", "\\u115f"],
            ["a\u{e0001}b", "a\\u{e0001}b"],
            ["plain é ü 漢", "plain é ü 漢"],
        ];
        expect(cases.map(([text]) => escapeControls(text))).toEqual(cases.map(([, escaped]) => escaped));
    });

    it("writes a backslash in a name doubled, so a name holding a backslash and an n never reads as one holding a line break", () => {
        const literal = escapeControls(shown([name("a\\nb")], new Set()));
        const newline = escapeControls(shown([name("a\nb")], new Set()));
        expect([literal, newline]).toEqual(['"a\\\\nb"', '"a\\nb"']);
        // In text PostgreSQL formatted (an owned object's description) too.
        expect(shown([{ raw: "table s.a\\nb", shown: 'table s."a\\nb"' }], new Set())).toBe('table s."a\\\\nb"');
    });
});
