#!/usr/bin/env node
/**
 * `whaly-postgres audit [CONNECTION] [--role NAME] [--sslrootcert FILE] [--verbose] [--json]`:
 * what a role can really do, read from the catalog through an admin connection. CONNECTION is a
 * libpq connection string (a postgresql:// URI or key=value pairs); what it leaves out comes from
 * the PG* environment variables and ~/.pgpass, as psql takes them.
 * Exit codes: 0 read-only, 1 it can write or holds an attribute beyond LOGIN, 2 it could not be
 * audited (connection, unknown role, bad arguments).
 */
import { auditRole, auditSettings, AuditConnection, formatAudit } from "./components/audit";

const USAGE = "usage: whaly-postgres audit [postgresql://USER@HOST:PORT/DATABASE] [--role NAME] [--sslrootcert FILE] [--verbose] [--json]";

export interface Io {
    out: (text: string) => void;
    err: (text: string) => void;
    env: NodeJS.ProcessEnv;
}

/** Where the audit connects, for messages: user@host:port/database, never the password. */
function target(connection: AuditConnection, env: NodeJS.ProcessEnv): string {
    try {
        const s = auditSettings(connection, env);
        return `${s.user}@${s.host}:${s.port}/${s.database}`;
    } catch {
        return "(unreadable connection string)";
    }
}

/** Runs the command; returns the exit code. */
export async function main(argv: string[], io: Io): Promise<number> {
    const [command, ...rest] = argv;
    if (command !== "audit") {
        io.err(`${USAGE}\n`);
        return 2;
    }
    let role = "whaly_bi";
    const connection: AuditConnection = {};
    let json = false;
    let verbose = false;
    for (let i = 0; i < rest.length; i++) {
        const arg = rest[i];
        if (arg === "--json") json = true;
        else if (arg === "--verbose") verbose = true;
        else if (arg === "--role" && rest[i + 1] !== undefined) role = rest[++i];
        else if (arg === "--sslrootcert" && rest[i + 1] !== undefined) connection.sslRootCert = rest[++i];
        else if (!arg.startsWith("--") && connection.connectionString === undefined) connection.connectionString = arg;
        else {
            io.err(`whaly-postgres audit: unknown argument ${JSON.stringify(arg)}\n${USAGE}\n`);
            return 2;
        }
    }
    try {
        const report = await auditRole(connection, role, io.env);
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
