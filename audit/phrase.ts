/**
 * The audit's prose keeps the catalog's names apart from its own words, so that the text report
 * can show each name as PostgreSQL would (quoted where needed), `--json` can give it raw, and two
 * holdings compare by what they name rather than by how their words happen to read.
 */

/** A part of a phrase: the audit's own words, a name from the catalog, or text PostgreSQL formatted (raw, and as shown). */
export type Part = string | { name: string } | { raw: string; shown: string };

/** Prose with names in it. */
export type Phrase = readonly Part[];

/** A name from the catalog (a schema's, a role's, a relation's, ...). */
export const name = (text: string): Part => ({ name: text });

/** `schema.name`, each quoted on its own. */
export const qualified = (schema: string, relation: string): Phrase => [name(schema), ".", name(relation)];

/** Joins phrases with `separator` (the audit's own words). */
export function joined(phrases: readonly Phrase[], separator: string): Phrase {
    return phrases.flatMap((p, i) => (i === 0 ? [...p] : [separator, ...p]));
}

/** A phrase from the audit's words and the parts (or phrases) between them: `phrase\`USAGE on schema ${name(s)}\``. */
export function phrase(words: TemplateStringsArray, ...parts: Array<Part | Phrase>): Phrase {
    const out: Part[] = [];
    words.forEach((word, i) => {
        if (word) out.push(word);
        if (i < parts.length) {
            const part = parts[i];
            out.push(...(Array.isArray(part) ? (part as Phrase) : [part as Part]));
        }
    });
    return out;
}

/** The phrase with its names as they are: what `--json` gives. */
export function raw(p: Phrase): string {
    return p.map((part) => (typeof part === "string" ? part : "name" in part ? part.name : part.raw)).join("");
}

/** The phrase with its names quoted as PostgreSQL's quote_ident would, `reserved` the keywords that need quotes. */
export function shown(p: Phrase, reserved: ReadonlySet<string>): string {
    // A backslash in a name, or in text PostgreSQL formatted from names, doubled: `a\nb` (a backslash,
    // then n) must not read as a line break escaped.
    const doubled = (text: string) => text.replace(/\\/g, "\\\\");
    return p
        .map((part) => (typeof part === "string" ? part : "name" in part ? doubled(quoteIdent(part.name, reserved)) : doubled(part.shown)))
        .join("");
}

/** What a phrase names, word for word and name for name: equal for the same holding, never for two holdings whose text reads alike. */
export function keyOf(p: Phrase): string {
    return JSON.stringify(p);
}

/**
 * A name as PostgreSQL's quote_ident writes it: as it is when it is a plain lower-case identifier
 * and not one of the `reserved` keywords, else in double quotes, `"` doubled.
 */
export function quoteIdent(text: string, reserved: ReadonlySet<string>): string {
    return /^[a-z_][a-z0-9_]*$/.test(text) && !reserved.has(text) ? text : `"${text.replace(/"/g, '""')}"`;
}

/**
 * Characters that could start a line, move the cursor, drive a terminal or show nothing: the
 * controls (C0, C1, DEL), the format characters (bidirectional controls, zero-width ones, the
 * soft hyphen, tags), the line and paragraph separators, and the Hangul fillers, which print blank.
 */
const HIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\u115f\u1160\u3164\uffa0]/gu;
const SHORT: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** `text` with each of those written as an escape: `\n`, `\r`, `\t`, `\x1b` (below U+0100), `\u200b`, `\u{e0001}` (beyond U+FFFF). */
export function escapeControls(text: string): string {
    return text.replace(HIDDEN, (c) => {
        const code = c.codePointAt(0)!;
        const hex = code.toString(16);
        return SHORT[c] ?? (code < 0x100 ? `\\x${hex.padStart(2, "0")}` : code > 0xffff ? `\\u{${hex}}` : `\\u${hex.padStart(4, "0")}`);
    });
}
