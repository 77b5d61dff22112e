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
    return p.map((part) => (typeof part === "string" ? part : "name" in part ? quoteIdent(part.name, reserved) : part.shown)).join("");
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
 * Characters that could start a line, move the cursor or drive a terminal: the C0 and C1 controls,
 * DEL, the Unicode line and paragraph separators and the bidirectional controls.
 */
// eslint-disable-next-line no-control-regex -- control characters are what it finds
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const SHORT: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** `text` with every control character written as an escape: `\n`, `\r`, `\t`, `\x1b` (below U+0100), `\u2028` (above). */
export function escapeControls(text: string): string {
    return text.replace(CONTROL, (c) => {
        const code = c.charCodeAt(0);
        return SHORT[c] ?? (code < 0x100 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`);
    });
}
