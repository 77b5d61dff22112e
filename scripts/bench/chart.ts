/** The benchmark's chart: median `up` and no-change `preview` per case and variant, as an SVG of horizontal bars. */
import { Result } from "./table";

const COLORS: Record<string, string> = {
    floor: "#9aa5b1",
    raw: "#7b8794",
    component: "#2f6fdf",
    compact: "#18a058",
    "component, checkpoints skipped": "#c98a1a",
};

const escape = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;");

export function renderChart(results: Result[]): string {
    const panels = [
        { title: "up (create), seconds", operations: ["up", "SQL"] },
        { title: "no-change preview, seconds", operations: ["preview"] },
    ];
    const cases = [...new Set(results.map((r) => r.case))];
    const variants = Object.keys(COLORS);
    const rowHeight = 14;
    const labelWidth = 200;
    const barWidth = 230;
    const panelWidth = labelWidth + barWidth + 60;
    const rows = cases.flatMap((c) => [
        { kind: "case" as const, c },
        ...variants.filter((v) => results.some((r) => r.case === c && r.variant === v)).map((v) => ({ kind: "bar" as const, c, v })),
    ]);
    const height = 40 + rows.length * rowHeight + 20;
    const parts: string[] = [];
    panels.forEach((panel, p) => {
        const x0 = p * panelWidth;
        const inPanel = results.filter((r) => panel.operations.includes(r.operation));
        const scale = barWidth / Math.max(...inPanel.map((r) => r.max));
        parts.push(`<text x="${x0 + labelWidth}" y="20" font-weight="bold">${escape(panel.title)}</text>`);
        rows.forEach((row, i) => {
            const y = 40 + i * rowHeight;
            if (row.kind === "case") {
                parts.push(`<text x="${x0 + 4}" y="${y + 10}" font-weight="bold">${escape(row.c)}</text>`);
                return;
            }
            const r = inPanel.find((x) => x.case === row.c && x.variant === row.v);
            parts.push(`<text x="${x0 + labelWidth - 6}" y="${y + 10}" text-anchor="end">${escape(row.v)}</text>`);
            if (!r) return;
            const w = Math.max(1, r.median * scale);
            parts.push(
                `<rect x="${x0 + labelWidth}" y="${y + 2}" width="${w.toFixed(1)}" height="${rowHeight - 4}" fill="${COLORS[row.v]}"/>`,
            );
            // min-max whisker
            parts.push(
                `<line x1="${(x0 + labelWidth + r.min * scale).toFixed(1)}" x2="${(x0 + labelWidth + r.max * scale).toFixed(1)}" y1="${y + 7}" y2="${y + 7}" stroke="#222"/>`,
            );
            const label = r.median < 1 ? r.median.toFixed(3) : r.median.toFixed(1);
            parts.push(`<text x="${(x0 + labelWidth + Math.max(w, r.max * scale) + 4).toFixed(1)}" y="${y + 10}">${label}</text>`);
        });
    });
    const width = panels.length * panelWidth;
    return [
        `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
        `<rect width="${width}" height="${height}" fill="white"/>`,
        ...parts,
        `<text x="4" y="${height - 6}" fill="#555">bars: median of the runs; lines: min to max; floor = the same SQL in one transaction</text>`,
        "</svg>",
        "",
    ].join("\n");
}
