/** The benchmark's table, in Markdown, for the README: median (min-max) seconds per case, variant and operation. */

/** One (case, variant, operation) of the benchmark, over its runs. */
export interface Result {
    case: string;
    variant: string;
    operation: string;
    median: number;
    min: number;
    max: number;
    resources?: number;
}

const OPERATIONS = ["up", "preview", "preview --refresh", "destroy"];

function cell(r: Result | undefined): string {
    if (!r) return "";
    if (r.max < 0.1) return `${Math.round(r.median * 1000)} ms (${Math.round(r.min * 1000)}–${Math.round(r.max * 1000)})`;
    const f = (x: number) => (x < 10 ? x.toFixed(2) : x.toFixed(1));
    return `${f(r.median)} (${f(r.min)}–${f(r.max)})`;
}

export function renderTable(results: Result[]): string {
    const rows = [
        "| case | variant | PostgreSQL resources | up | no-change preview | preview --refresh | destroy |",
        "|---|---|---|---|---|---|---|",
    ];
    for (const c of [...new Set(results.map((r) => r.case))]) {
        for (const variant of [...new Set(results.filter((r) => r.case === c).map((r) => r.variant))]) {
            const of = (operation: string) => results.find((r) => r.case === c && r.variant === variant && r.operation === operation);
            if (variant === "floor") {
                rows.push(`| ${c} | floor: the same SQL in one transaction | | ${cell(of("SQL"))} | | | |`);
                continue;
            }
            const resources = results.find((r) => r.case === c && r.variant === variant)?.resources ?? "";
            rows.push(`| ${c} | ${variant} | ${resources} | ${OPERATIONS.map((o) => cell(of(o))).join(" | ")} |`);
        }
    }
    return `${rows.join("\n")}\n`;
}
