/**
 * `npm run bench`: wall times of the component through the real CLI and plugins on a real
 * PostgreSQL 18, against two baselines measured in the same run: the floor (the guide's
 * statements for the same schemas and creators, applied by `pg` in one transaction) and the same
 * resources written by hand with the raw provider. Runs are interleaved; medians and min-max are
 * written to docs/bench/results.json, drawn in docs/bench/chart.svg and tabled in
 * docs/bench/table.md (which the README copies).
 *
 * Usage: npm run bench [-- --runs N]   (default 3)
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as postgresql from "@pulumi/postgresql";
import * as random from "@pulumi/random";
import { LocalWorkspace, PulumiFn, Stack } from "@pulumi/pulumi/automation";
import { planAccess } from "../components/plan";
import { renderAccessStatements } from "../components/sql";
import { WhalyPostgresAccess } from "../index";
import { renderChart } from "./bench/chart";
import { renderTable } from "./bench/table";
import { NEWEST_MAJOR, PostgresServer, startPostgres } from "./lib/postgresServer";
import { installedPulumi } from "./lib/pulumiCli";

const OUT_DIR = path.resolve(__dirname, "..", "docs", "bench");
const RUNS = Number(process.argv[process.argv.indexOf("--runs") + 1] || 3) || 3;

interface Case {
    name: string;
    schemas: number;
    creators: number;
    /** Tables and sequences per schema. */
    tables: number;
    sequences: number;
    variants: Variant[];
}
type Variant = "component" | "compact" | "raw" | "component, checkpoints skipped";
type Operation = "up" | "preview" | "preview --refresh" | "destroy" | "SQL";

const CASES: Case[] = [
    { name: "1 x 1", schemas: 1, creators: 1, tables: 1, sequences: 1, variants: ["component", "compact", "raw"] },
    { name: "10 x 3", schemas: 10, creators: 3, tables: 1, sequences: 1, variants: ["component", "compact", "raw"] },
    {
        name: "50 x 5",
        schemas: 50,
        creators: 5,
        tables: 1,
        sequences: 1,
        variants: ["component", "compact", "raw", "component, checkpoints skipped"],
    },
    { name: "1 x 1, 5,000 tables", schemas: 1, creators: 1, tables: 5000, sequences: 1000, variants: ["component"] },
];

interface Sample {
    case: string;
    variant: Variant | "floor";
    operation: Operation;
    seconds: number;
}

const schemaNames = (c: Case) => Array.from({ length: c.schemas }, (_, i) => `s${i}`);
const creatorNames = (c: Case) => Array.from({ length: c.creators }, (_, i) => `creator${i}`);
const databaseOf = (c: Case) => `bench_${c.schemas}x${c.creators}_${c.tables}`;

async function seed(server: PostgresServer, c: Case): Promise<void> {
    const database = databaseOf(c);
    await server.query(`CREATE DATABASE ${database}`);
    const statements = schemaNames(c).flatMap((s) => [
        `CREATE SCHEMA ${s}`,
        `GRANT USAGE, CREATE ON SCHEMA ${s} TO ${creatorNames(c).join(", ")}`,
        ...Array.from({ length: c.tables }, (_, i) => `CREATE TABLE ${s}.t${i} (id int)`),
        ...Array.from({ length: c.sequences }, (_, i) => `CREATE SEQUENCE ${s}.q${i}`),
    ]);
    await server.query(statements.join(";\n"), { database });
}

function admin(server: PostgresServer, database: string) {
    return {
        host: server.host,
        port: server.port,
        username: server.adminUser,
        password: server.adminPassword,
        sslMode: "disable",
        database,
    };
}

/** The component's resources written by hand with the provider: the baseline of its own overhead. */
function rawProgram(server: PostgresServer, c: Case): PulumiFn {
    return async () => {
        const { host, port, username, password: adminPassword, database } = admin(server, databaseOf(c));
        const provider = new postgresql.Provider("admin", { host, port, username, password: adminPassword, database, sslmode: "disable" });
        const password = new random.RandomPassword("password", { length: 32, special: false });
        const role = new postgresql.Role(
            "role",
            {
                name: "whaly_bi",
                login: true,
                password: password.result,
                connectionLimit: 10,
                statementTimeout: 600_000,
                idleInTransactionSessionTimeout: 60_000,
            },
            { provider },
        );
        const a = { database };
        const plan = planAccess(schemaNames(c), creatorNames(c));
        for (const g of plan.grants)
            new postgresql.Grant(
                g.name,
                {
                    database: a.database,
                    role: role.name,
                    objectType: g.objectType,
                    schema: g.schema,
                    objects: g.objectType === "table" || g.objectType === "sequence" ? [] : undefined,
                    privileges: g.privileges,
                },
                { provider },
            );
        for (const d of plan.defaultPrivileges)
            new postgresql.DefaultPrivileges(
                d.name,
                {
                    database: a.database,
                    role: role.name,
                    owner: d.owner,
                    schema: d.schema,
                    objectType: d.objectType,
                    privileges: d.privileges,
                },
                { provider, deleteBeforeReplace: true },
            );
    };
}

function componentProgram(server: PostgresServer, c: Case, compact: boolean): PulumiFn {
    return async () => {
        const { database, ...connection } = admin(server, databaseOf(c));
        new WhalyPostgresAccess("whaly", {
            database,
            schemas: schemaNames(c),
            tableCreators: creatorNames(c),
            defaultPrivilegesScope: compact ? "database" : "schema",
            admin: connection,
        });
    };
}

async function newStack(name: string, program: PulumiFn, env: Record<string, string>): Promise<{ stack: Stack; dispose: () => void }> {
    const backend = fs.mkdtempSync(path.join(os.tmpdir(), "whaly-bench-"));
    const stack = await LocalWorkspace.createOrSelectStack(
        { projectName: "whaly-bench", stackName: name, program },
        {
            projectSettings: { name: "whaly-bench", runtime: "nodejs", backend: { url: `file://${backend}` } },
            ...(await installedPulumi({ PULUMI_CONFIG_PASSPHRASE: "bench", ...env })),
        },
    );
    return { stack, dispose: () => fs.rmSync(backend, { recursive: true, force: true }) };
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
    const start = process.hrtime.bigint();
    await fn();
    return Number(process.hrtime.bigint() - start) / 1e9;
}

/** The floor: the same privileges as SQL in one transaction, then removed again (not timed). */
async function floor(server: PostgresServer, c: Case): Promise<number> {
    const { cluster, inDatabase } = renderAccessStatements(
        { database: databaseOf(c), schemas: schemaNames(c), tableCreators: creatorNames(c) },
        { password: "floor-password-0123456789" },
    );
    const seconds = await timed(() =>
        server.query(["BEGIN", ...cluster, ...inDatabase, "COMMIT"].join(";\n"), { database: databaseOf(c) }),
    );
    await server.query("DROP OWNED BY whaly_bi; DROP ROLE whaly_bi", { database: databaseOf(c) });
    return seconds;
}

async function measure(
    server: PostgresServer,
    c: Case,
    variant: Variant,
    run: number,
): Promise<{ samples: Sample[]; resources: number; stateBytes: number }> {
    const program = variant === "raw" ? rawProgram(server, c) : componentProgram(server, c, variant === "compact");
    const env: Record<string, string> = variant === "component, checkpoints skipped" ? { PULUMI_SKIP_CHECKPOINTS: "true" } : {};
    const { stack, dispose } = await newStack(`run${run}`, program, env);
    const samples: Sample[] = [];
    const sample = async (operation: Operation, fn: () => Promise<unknown>) =>
        samples.push({ case: c.name, variant, operation, seconds: await timed(fn) });
    try {
        await sample("up", () => stack.up());
        const state = (await stack.exportStack()).deployment;
        const resources = (state.resources ?? []).filter((r: { type: string }) => r.type.startsWith("postgresql:index/")).length;
        const stateBytes = JSON.stringify(state).length;
        if (variant !== "component, checkpoints skipped") {
            await sample("preview", () => stack.preview({ expectNoChanges: true }));
            await sample("preview --refresh", () => stack.preview({ refresh: true }));
        }
        await sample("destroy", () => stack.destroy());
        return { samples, resources, stateBytes };
    } finally {
        dispose();
    }
}

function stats(values: number[]) {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    return { median, min: sorted[0], max: sorted[sorted.length - 1], runs: sorted.length };
}

async function main(): Promise<void> {
    const started = Date.now();
    const server = await startPostgres(NEWEST_MAJOR);
    const samples: Sample[] = [];
    const sizes: Record<string, { resources: number; stateBytes: number }> = {};
    try {
        const roles = [...new Set(CASES.flatMap(creatorNames))];
        await server.query(roles.map((r) => `CREATE ROLE ${r}`).join(";\n"));
        for (const c of CASES) await seed(server, c);
        for (let run = 1; run <= RUNS; run++) {
            for (const c of CASES) {
                samples.push({ case: c.name, variant: "floor", operation: "SQL", seconds: await floor(server, c) });
                for (const variant of c.variants) {
                    const result = await measure(server, c, variant, run);
                    samples.push(...result.samples);
                    sizes[`${c.name}|${variant}`] = { resources: result.resources, stateBytes: result.stateBytes };
                    const up = result.samples.find((s) => s.operation === "up")!.seconds;
                    console.log(
                        `run ${run}/${RUNS}  ${c.name.padEnd(20)} ${variant.padEnd(31)} ${String(result.resources).padStart(4)} resources  up ${up.toFixed(2)} s`,
                    );
                }
            }
        }
    } finally {
        server.stop();
    }

    const groups = new Map<string, Sample[]>();
    for (const s of samples)
        groups.set(`${s.case}|${s.variant}|${s.operation}`, [...(groups.get(`${s.case}|${s.variant}|${s.operation}`) ?? []), s]);
    const results = [...groups.entries()].map(([key, group]) => {
        const [caseName, variant, operation] = key.split("|");
        return { case: caseName, variant, operation, ...sizes[`${caseName}|${variant}`], ...stats(group.map((s) => s.seconds)) };
    });
    const median = (caseName: string, variant: string, operation: string) =>
        results.find((r) => r.case === caseName && r.variant === variant && r.operation === operation)?.median ?? NaN;
    const ratios = {
        "50 x 5 compact up / 1 x 1 component up": median("50 x 5", "compact", "up") / median("1 x 1", "component", "up"),
        "50 x 5 compact preview / 1 x 1 component preview":
            median("50 x 5", "compact", "preview") / median("1 x 1", "component", "preview"),
        ...Object.fromEntries(
            CASES.filter((c) => c.variants.includes("raw")).flatMap((c) => [
                [`${c.name} component up / raw up`, median(c.name, "component", "up") / median(c.name, "raw", "up")],
                [`${c.name} component preview / raw preview`, median(c.name, "component", "preview") / median(c.name, "raw", "preview")],
                [`${c.name} component up / floor`, median(c.name, "component", "up") / median(c.name, "floor", "SQL")],
            ]),
        ),
        "50 x 5 component up / checkpoints skipped":
            median("50 x 5", "component", "up") / median("50 x 5", "component, checkpoints skipped", "up"),
        "5,000 tables preview --refresh / 1 x 1 preview --refresh":
            median("1 x 1, 5,000 tables", "component", "preview --refresh") / median("1 x 1", "component", "preview --refresh"),
    };
    const report = {
        date: new Date().toISOString().slice(0, 10),
        machine: { cores: os.cpus().length, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, postgres: NEWEST_MAJOR },
        runs: RUNS,
        minutes: Math.round((Date.now() - started) / 6000) / 10,
        results,
        ratios,
    };
    fs.mkdirSync(OUT_DIR, { recursive: true });
    fs.writeFileSync(path.join(OUT_DIR, "results.json"), `${JSON.stringify(report, null, 2)}\n`);
    fs.writeFileSync(path.join(OUT_DIR, "chart.svg"), renderChart(results));
    fs.writeFileSync(path.join(OUT_DIR, "table.md"), renderTable(results));
    console.log(JSON.stringify(ratios, null, 2));
    console.log(renderTable(results));
    console.log(`wrote ${path.relative(process.cwd(), OUT_DIR)}/results.json, chart.svg and table.md (${report.minutes} min)`);
}

main().catch((e: Error) => {
    console.error(`bench failed: ${e.message}`);
    process.exitCode = 1;
});
