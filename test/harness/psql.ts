import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PostgresServer } from "../../scripts/lib/postgresServer";

/** Runs `script` with the real psql, connected to `database` (default `postgres`) as the admin, stopping at the first error. */
export function psql(server: PostgresServer, script: string, database = "postgres"): void {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "whaly-psql-")), "script.sql");
    fs.writeFileSync(file, script);
    try {
        execFileSync(
            "psql",
            [
                "-X",
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                server.host,
                "-p",
                String(server.port),
                "-U",
                server.adminUser,
                "-d",
                database,
                "-f",
                file,
            ],
            {
                env: { ...process.env, PGPASSWORD: server.adminPassword, PGSSLMODE: "disable" },
                stdio: ["ignore", "pipe", "pipe"],
            },
        );
    } finally {
        fs.rmSync(path.dirname(file), { recursive: true, force: true });
    }
}
