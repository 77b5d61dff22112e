/**
 * The real dbt (dbt-core with dbt-postgres, from the repository's `.venv`: scripts/pythonEnv.sh)
 * on the project in test/fixtures/dbt: copied to a temporary directory, where dbt writes its
 * target/ and logs/, and run as a child process with the profiles.yml of that copy, its
 * connection from the environment, and nothing sent anywhere.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PostgresServer } from "../../scripts/lib/postgresServer";

const ROOT = path.join(__dirname, "..", "..");
const DBT = path.join(ROOT, ".venv", "bin", "dbt");
const FIXTURE = path.join(ROOT, "test", "fixtures", "dbt");

/** Who dbt connects as: on the prod target a service role; on dev a developer acting as `role` (profiles.yml's `role`). */
export interface DbtLogins {
    prod: { user: string; password: string };
    dev: { user: string; password: string; role: string };
}

/** What one dbt command did, from its run_results.json. */
export interface DbtRun {
    /** As typed, e.g. `dbt run --full-refresh --target dev`. */
    command: string;
    /** Nodes run: models, seeds, snapshots and tests. */
    nodes: number;
    seconds: number;
}

export interface DbtProject {
    /** Runs `dbt <args> --target <target>`; throws with the end of dbt's output when it fails. */
    dbt(args: string[], target: "prod" | "dev"): Promise<DbtRun>;
    /** Removes the copy. */
    dispose(): void;
}

/**
 * A copy of the fixture project, connected to `database` on `server` as `logins`. `incrementalStrategy`
 * is fct_orders' strategy: `merge` needs PostgreSQL 15.
 */
export function dbtProject(
    server: PostgresServer,
    database: string,
    logins: DbtLogins,
    incrementalStrategy: "merge" | "delete+insert",
): DbtProject {
    if (!fs.existsSync(DBT)) throw new Error(`${DBT} is missing: \`bash scripts/pythonEnv.sh\` makes the .venv that holds it`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "whaly-dbt-"));
    fs.cpSync(FIXTURE, dir, { recursive: true });
    const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        LANG: "C.UTF-8",
        DBT_PROFILES_DIR: dir,
        DBT_SEND_ANONYMOUS_USAGE_STATS: "false",
        DBT_VERSION_CHECK: "false",
        DBT_USE_COLORS: "false",
        DBT_HOST: server.host,
        DBT_PORT: String(server.port),
        DBT_DBNAME: database,
        DBT_USER: logins.prod.user,
        DBT_ENV_SECRET_PASSWORD: logins.prod.password,
        DBT_DEV_USER: logins.dev.user,
        DBT_ENV_SECRET_DEV_PASSWORD: logins.dev.password,
        DBT_DEV_ROLE: logins.dev.role,
        DBT_INCREMENTAL_STRATEGY: incrementalStrategy,
    };
    return {
        async dbt(args, target) {
            const command = `dbt ${[...args, "--target", target].join(" ")}`;
            // A target path per target: each keeps its own saved manifest, so neither makes the other parse the project anew.
            const targetPath = `target-${target}`;
            const resultsFile = path.join(dir, targetPath, "run_results.json");
            fs.rmSync(resultsFile, { force: true });
            const started = Date.now();
            const output = await new Promise<string>((resolve, reject) => {
                const child = spawn(DBT, [...args, "--target", target, "--target-path", targetPath, "--project-dir", dir], {
                    cwd: dir,
                    env,
                    stdio: ["ignore", "pipe", "pipe"],
                });
                let out = "";
                child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
                child.stderr.on("data", (chunk: Buffer) => (out += chunk.toString()));
                child.on("error", reject);
                child.on("close", (code) =>
                    code === 0
                        ? resolve(out)
                        : reject(new Error(`${command} failed (exit ${code}):\n${out.split("\n").slice(-40).join("\n")}`)),
                );
            });
            const results = JSON.parse(fs.readFileSync(resultsFile, "utf8")) as { results: unknown[] };
            if (results.results.length === 0) throw new Error(`${command} ran nothing:\n${output}`);
            return { command, nodes: results.results.length, seconds: (Date.now() - started) / 1000 };
        },
        dispose() {
            fs.rmSync(dir, { recursive: true, force: true });
        },
    };
}
