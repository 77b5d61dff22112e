#!/usr/bin/env node
/**
 * `whaly-postgres audit [CONNECTION] [--role NAME] [--verbose] [--json]`: what a role can really
 * do, read from the catalog through an admin connection (a postgresql:// URI, or the PGHOST,
 * PGPORT, PGUSER, PGPASSWORD, PGDATABASE and PGSSLMODE environment variables).
 * Exit codes: 0 read-only, 1 it can write or holds an attribute beyond LOGIN, 2 it could not be
 * audited (connection, unknown role, bad arguments).
 */
import { auditRole, formatAudit } from "./components/audit";

const USAGE = "usage: whaly-postgres audit [postgresql://USER@HOST:PORT/DATABASE] [--role NAME] [--verbose] [--json]";

export interface Io {
    out: (text: string) => void;
    err: (text: string) => void;
    env: NodeJS.ProcessEnv;
}

/** Where the audit connects, for messages: user@host:port/database, never the password. */
function target(connection: string | undefined, env: NodeJS.ProcessEnv): string {
    if (connection) {
        try {
            const url = new URL(connection);
            return `${decodeURIComponent(url.username) || "(default user)"}@${url.hostname}:${url.port || 5432}${url.pathname || "/"}`;
        } catch {
            return "(unreadable connection string)";
        }
    }
    return `${env.PGUSER ?? "(default user)"}@${env.PGHOST ?? "localhost"}:${env.PGPORT ?? 5432}/${env.PGDATABASE ?? env.PGUSER ?? ""}`;
}

/** Runs the command; returns the exit code. */
export async function main(argv: string[], io: Io): Promise<number> {
    const [command, ...rest] = argv;
    if (command !== "audit") {
        io.err(`${USAGE}\n`);
        return 2;
    }
    let role = "whaly_bi";
    let connection: string | undefined;
    let json = false;
    let verbose = false;
    for (let i = 0; i < rest.length; i++) {
        const arg = rest[i];
        if (arg === "--json") json = true;
        else if (arg === "--verbose") verbose = true;
        else if (arg === "--role" && rest[i + 1] !== undefined) role = rest[++i];
        else if (!arg.startsWith("--") && connection === undefined) connection = arg;
        else {
            io.err(`whaly-postgres audit: unknown argument ${JSON.stringify(arg)}\n${USAGE}\n`);
            return 2;
        }
    }
    try {
        // Without a connection string, pg reads the PG* environment variables itself.
        const report = await auditRole(connection ? { connectionString: connection } : {}, role);
        io.out(json ? `${JSON.stringify(report, null, 2)}\n` : formatAudit(report, verbose));
        return report.readOnly ? 0 : 1;
    } catch (e) {
        const message = (e as Error).message || String(e);
        io.err(`whaly-postgres audit: cannot audit role ${role} through ${target(connection, io.env)}: ${message}\n`);
        return 2;
    }
}

if (require.main === module) {
    main(process.argv.slice(2), { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t), env: process.env }).then(
        (code) => (process.exitCode = code),
    );
}
