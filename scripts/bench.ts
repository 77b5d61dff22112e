/**
 * `npm run bench`: wall times of the component through the real CLI and plugins on a real
 * PostgreSQL 18, against two baselines measured in the same run: the floor (the guide's
 * statements for the same schemas and creators, applied by `pg` in one transaction) and the same
 * resources written by hand with the raw provider. Runs are interleaved; medians and min-max are
 * written to docs/bench/results.json, drawn in docs/bench/chart.svg and tabled in
 * docs/bench/table.md (which the README copies). The fleet case gives Whaly the same database on
 * several servers, each reached through a delaying proxy that stands for the distance to a cloud
 * database a region away.
 *
 * Usage: npm run bench [-- --runs N] [--previews K] [--case NAME --out DIR]
 * (default 3 runs, 1 no-change preview per run, every case, docs/bench)
 *
 * `--paired-previews N` measures only the no-change preview, in pairs: each variant of a case is
 * deployed at once on servers of its own, then the variants' previews alternate N rounds, each
 * round starting with the next variant, so that what the machine does meanwhile, and the order,
 * weigh on each alike; a ratio is the median, over the rounds, of a variant's preview ÷ raw's in
 * the same round. Each preview's CPU time is split between this process, which runs the program,
 * and the CLI with its plugins (written to paired-previews.json).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as postgresql from "@pulumi/postgresql";
import * as random from "@pulumi/random";
import { LocalWorkspace, PulumiFn, Stack } from "@pulumi/pulumi/automation";
import { planAccess } from "../components/plan/grants";
import { renderAccessStatements } from "../components/plan/sql";
import { WhalyPostgresAccess } from "../index";
import { renderChart } from "./bench/chart";
import { renderTable } from "./bench/table";
import { NEWEST_MAJOR, PostgresServer, startPostgres } from "./lib/postgresServer";
import { installedPulumi } from "./lib/pulumiCli";
import { startTcpProxy, TcpProxy } from "./lib/tcpProxy";

const option = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const OUT_DIR = path.resolve(option("--out") ?? path.join(__dirname, "..", "docs", "bench"));
/** The option `name`, a whole number of at least 1, else `fallback`; anything else is refused. */
function count(name: string, fallback: number): number {
    const value = option(name);
    if (value === undefined) return fallback;
    if (!/^[1-9][0-9]*$/.test(value)) throw new Error(`${name} ${value}: give a whole number of at least 1`);
    return Number(value);
}
const RUNS = count("--runs", 3);
/**
 * No-change previews per run, back to back on the same deployed stack, each a sample: a preview is
 * short and spreads widely from one to the next.
 */
const PREVIEWS = count("--previews", 1);
const PAIRED_PREVIEWS = process.argv.includes("--paired-previews") ? count("--paired-previews", 15) : undefined;

interface Case {
    name: string;
    schemas: number;
    creators: number;
    /** Tables and sequences per schema. */
    tables: number;
    sequences: number;
    variants: Variant[];
    /** Servers holding the same database, each given its own component (or raw resources). Default 1. */
    servers?: number;
    /** Milliseconds a delaying proxy adds to every round trip to each server. Default 0. */
    roundTripMs?: number;
}
type Variant = "component" | "compact" | "raw" | "raw, in a component" | "component, checkpoints skipped" | "component, database an Output";
type Operation = "up" | "preview" | "preview --refresh" | "destroy" | "SQL";

const FLEET = "4 servers x 4 schemas, 20 ms away";
const ALL_CASES: Case[] = [
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
    {
        name: FLEET,
        schemas: 4,
        creators: 1,
        tables: 1,
        sequences: 1,
        servers: 4,
        roundTripMs: 20,
        variants: ["component", "component, database an Output", "raw, in a component", "raw"],
    },
];
const CASES = ALL_CASES.filter((c) => option("--case") === undefined || c.name === option("--case"));

interface Sample {
    case: string;
    variant: Variant | "floor";
    operation: Operation;
    seconds: number;
}

const schemaNames = (c: Case) => Array.from({ length: c.schemas }, (_, i) => `s${i}`);
const creatorNames = (c: Case) => Array.from({ length: c.creators }, (_, i) => `creator${i}`);
const databaseOf = (c: Case) => `bench_${c.schemas}x${c.creators}_${c.tables}`;

/** Where a program connects to one server (directly, or through a delaying proxy). */
interface Target {
    host: string;
    port: number;
    adminUser: string;
    adminPassword: string;
}

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

function admin(target: Target, database: string) {
    return {
        host: target.host,
        port: target.port,
        username: target.adminUser,
        password: target.adminPassword,
        sslMode: "disable",
        database,
    };
}

/** The resource names' suffix for the `i`th of `targets` (none with one server). */
const suffix = (targets: Target[], i: number) => (targets.length > 1 ? `-${i}` : "");

/**
 * The component's resources written by hand with the provider, for each target: the baseline of
 * its own overhead. With `inComponent`, each target's are under a component resource that does
 * nothing else, to tell what being a component costs from what the component does.
 */
function rawProgram(targets: Target[], c: Case, inComponent = false): PulumiFn {
    return async () =>
        targets.forEach((target, i) => {
            const parent = inComponent ? new pulumi.ComponentResource("bench:index:Raw", `raw${suffix(targets, i)}`) : undefined;
            rawResources(target, c, suffix(targets, i), parent);
        });
}

function rawResources(target: Target, c: Case, suffix: string, parent?: pulumi.Resource): void {
    const { host, port, username, password: adminPassword, database } = admin(target, databaseOf(c));
    const provider = new postgresql.Provider(
        `admin${suffix}`,
        {
            host,
            port,
            username,
            password: adminPassword,
            database,
            sslmode: "disable",
        },
        { parent },
    );
    const password = new random.RandomPassword(`password${suffix}`, { length: 32, special: false }, { parent });
    const role = new postgresql.Role(
        `role${suffix}`,
        {
            name: "whaly_bi",
            login: true,
            password: password.result,
            connectionLimit: 10,
            statementTimeout: 600_000,
            idleInTransactionSessionTimeout: 60_000,
        },
        { provider, parent },
    );
    const a = { database };
    const plan = planAccess(schemaNames(c), creatorNames(c));
    for (const g of plan.grants)
        new postgresql.Grant(
            `${g.name}${suffix}`,
            {
                database: a.database,
                role: role.name,
                objectType: g.objectType,
                schema: g.schema,
                objects: g.objectType === "table" || g.objectType === "sequence" ? [] : undefined,
                privileges: g.privileges,
            },
            { provider, parent },
        );
    for (const d of plan.defaultPrivileges)
        new postgresql.DefaultPrivileges(
            `${d.name}${suffix}`,
            {
                database: a.database,
                role: role.name,
                owner: d.owner,
                schema: d.schema,
                objectType: d.objectType,
                privileges: d.privileges,
            },
            { provider, parent, deleteBeforeReplace: true },
        );
}

function componentProgram(targets: Target[], c: Case, variant: Variant): PulumiFn {
    return async () => {
        targets.forEach((target, i) => {
            const { database, ...connection } = admin(target, databaseOf(c));
            new WhalyPostgresAccess(`whaly${suffix(targets, i)}`, {
                database: variant === "component, database an Output" ? pulumi.output(database) : database,
                schemas: schemaNames(c),
                tableCreators: creatorNames(c),
                defaultPrivilegesScope: variant === "compact" ? "database" : "schema",
                admin: connection,
            });
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

/**
 * CPU milliseconds so far of this process (the inline program, the SDK) and of the processes it
 * has waited for (each CLI run, with the plugins the CLI waited for).
 */
function cpuMs(): { self: number; children: number } {
    // Linux only. After the command name (which may hold ") "): state, then fields 4 to 17; utime,
    // stime, cutime and cstime are the 14th to 17th, in ticks of 1/100 s (USER_HZ).
    const stat = fs.readFileSync("/proc/self/stat", "utf8");
    const [utime, stime, cutime, cstime] = stat
        .slice(stat.lastIndexOf(")") + 2)
        .split(" ")
        .slice(11, 15)
        .map(Number);
    return { self: (utime + stime) * 10, children: (cutime + cstime) * 10 };
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
    targets: Target[],
    c: Case,
    variant: Variant,
    run: number,
): Promise<{ samples: Sample[]; resources: number; stateBytes: number }> {
    const program = variant.startsWith("raw") ? rawProgram(targets, c, variant !== "raw") : componentProgram(targets, c, variant);
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
            for (let i = 0; i < PREVIEWS; i++) await sample("preview", () => stack.preview({ expectNoChanges: true }));
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
    return { median, min: sorted[0], max: sorted[sorted.length - 1], samples: sorted.length };
}

/** The servers of a case with several (seeded, each behind its delaying proxy), or the one shared server. */
async function targetsOf(c: Case, shared: PostgresServer, started: Array<PostgresServer | TcpProxy>): Promise<Target[]> {
    return (c.servers ?? 1) === 1 ? [shared] : ownTargets(c, started);
}

/** Servers of the case's own, as many as it has, seeded, each behind its delaying proxy. */
async function ownTargets(c: Case, started: Array<PostgresServer | TcpProxy>): Promise<Target[]> {
    const targets: Target[] = [];
    for (let i = 0; i < (c.servers ?? 1); i++) {
        const server = await startPostgres(NEWEST_MAJOR);
        started.push(server);
        await server.query(
            creatorNames(c)
                .map((r) => `CREATE ROLE ${r}`)
                .join(";\n"),
        );
        await seed(server, c);
        const proxy = await startTcpProxy(server, { delayMs: (c.roundTripMs ?? 0) / 2 });
        started.push(proxy);
        targets.push({ ...server, host: proxy.host, port: proxy.port });
    }
    return targets;
}

/** `--paired-previews`: every variant of `c` deployed side by side, then their no-change previews in alternation. */
async function pairedPreviews(c: Case, rounds: number) {
    const started: Array<PostgresServer | TcpProxy> = [];
    const variants = c.variants.filter((v) => v !== "component, checkpoints skipped");
    const stacks: Array<{ stack: Stack; dispose: () => void }> = [];
    const seconds: Record<string, number[]> = Object.fromEntries(variants.map((v) => [v, []]));
    const cpu = {
        program: Object.fromEntries(variants.map((v) => [v, [] as number[]])),
        cli: Object.fromEntries(variants.map((v) => [v, [] as number[]])),
    };
    try {
        for (const variant of variants) {
            const targets = await ownTargets(c, started);
            const program = variant.startsWith("raw") ? rawProgram(targets, c, variant !== "raw") : componentProgram(targets, c, variant);
            stacks.push(await newStack(`paired${stacks.length}`, program, {}));
            await stacks[stacks.length - 1].stack.up();
        }
        for (let round = 1; round <= rounds; round++) {
            for (let k = 0; k < variants.length; k++) {
                const i = (round - 1 + k) % variants.length;
                const before = cpuMs();
                seconds[variants[i]].push(await timed(() => stacks[i].stack.preview({ expectNoChanges: true })));
                const after = cpuMs();
                cpu.program[variants[i]].push(after.self - before.self);
                cpu.cli[variants[i]].push(after.children - before.children);
            }
            console.log(`round ${round}/${rounds}  ${variants.map((v) => `${v} ${seconds[v][round - 1].toFixed(2)} s`).join("  ")}`);
        }
        for (const { stack } of stacks) await stack.destroy();
    } finally {
        for (const { dispose } of stacks) dispose();
        for (const other of started) await ("close" in other ? other.close() : other.stop());
    }
    return {
        case: c.name,
        rounds,
        previews: Object.fromEntries(variants.map((v) => [v, stats(seconds[v])])),
        cpuMilliseconds: {
            program: Object.fromEntries(variants.map((v) => [v, stats(cpu.program[v])])),
            cliAndPlugins: Object.fromEntries(variants.map((v) => [v, stats(cpu.cli[v])])),
        },
        ratios: Object.fromEntries(
            variants
                .filter((v) => v !== "raw")
                .map((v) => [`${v} preview / raw preview`, stats(seconds[v].map((s, round) => s / seconds.raw[round])).median]),
        ),
    };
}

async function main(): Promise<void> {
    const started = Date.now();
    if (CASES.length === 0) throw new Error(`no case is named ${JSON.stringify(option("--case"))}`);
    if (PAIRED_PREVIEWS !== undefined) {
        const report = [];
        for (const c of CASES.filter((x) => x.variants.includes("raw"))) report.push(await pairedPreviews(c, PAIRED_PREVIEWS));
        fs.mkdirSync(OUT_DIR, { recursive: true });
        fs.writeFileSync(path.join(OUT_DIR, "paired-previews.json"), `${JSON.stringify(report, null, 2)}\n`);
        console.log(JSON.stringify(report, null, 2));
        return;
    }
    const server = await startPostgres(NEWEST_MAJOR);
    const others: Array<PostgresServer | TcpProxy> = [];
    const samples: Sample[] = [];
    const sizes: Record<string, { resources: number; stateBytes: number }> = {};
    try {
        const roles = [...new Set(CASES.flatMap(creatorNames))];
        await server.query(roles.map((r) => `CREATE ROLE ${r}`).join(";\n"));
        const targets = new Map<Case, Target[]>();
        for (const c of CASES) {
            if ((c.servers ?? 1) === 1) await seed(server, c);
            targets.set(c, await targetsOf(c, server, others));
        }
        for (let run = 1; run <= RUNS; run++) {
            for (const c of CASES) {
                // The floor is one server's SQL: a case of several servers has none.
                if ((c.servers ?? 1) === 1)
                    samples.push({ case: c.name, variant: "floor", operation: "SQL", seconds: await floor(server, c) });
                for (const variant of c.variants) {
                    const result = await measure(targets.get(c)!, c, variant, run);
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
        for (const other of others) await ("close" in other ? other.close() : other.stop());
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
    const allRatios: Record<string, number> = {
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
        [`${FLEET} component, database an Output up / raw up`]:
            median(FLEET, "component, database an Output", "up") / median(FLEET, "raw", "up"),
        [`${FLEET} raw, in a component preview / raw preview`]:
            median(FLEET, "raw, in a component", "preview") / median(FLEET, "raw", "preview"),
        "50 x 5 component up / checkpoints skipped":
            median("50 x 5", "component", "up") / median("50 x 5", "component, checkpoints skipped", "up"),
        "5,000 tables preview --refresh / 1 x 1 preview --refresh":
            median("1 x 1, 5,000 tables", "component", "preview --refresh") / median("1 x 1", "component", "preview --refresh"),
    };
    // With --case, or a case without a floor, some ratios have nothing to divide.
    const ratios = Object.fromEntries(Object.entries(allRatios).filter(([, ratio]) => Number.isFinite(ratio)));
    const report = {
        date: new Date().toISOString().slice(0, 10),
        machine: { cores: os.cpus().length, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, postgres: NEWEST_MAJOR },
        runs: RUNS,
        previewsPerRun: PREVIEWS,
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
