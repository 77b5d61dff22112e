#!/usr/bin/env node
/**
 * `whaly-postgres audit [CONNECTION] [--role NAME] [--sslrootcert FILE] [--verbose] [--json]`:
 * what a role can really do, read from the catalog through an admin connection. CONNECTION is a
 * libpq connection string (a postgresql:// URI or key=value pairs); what it leaves out comes from
 * the PG* environment variables and ~/.pgpass, as psql takes them.
 * Exit codes: 0 read-only, 1 it can do more than read (docs/audit.md says what counts), 2 it could
 * not be audited (connection, unknown role, bad arguments). No message repeats a password, or
 * anything the user typed that could be one.
 */
import { auditRole, auditSettings, AuditConnection, formatAudit } from "./audit";
import { SSL_MODES } from "../components/connect/libpq";

const USAGE = "usage: whaly-postgres audit [postgresql://USER@HOST:PORT/DATABASE] [--role NAME] [--sslrootcert FILE] [--verbose] [--json]";

export interface Io {
    out: (text: string) => void;
    err: (text: string) => void;
    env: NodeJS.ProcessEnv;
}

/**
 * An argument as a message may name it: its shape, and an option's name when it is plainly one
 * (`--bogus`, `--password` of `--password=…`); never what it says, which may be a password or a
 * second connection string with one in it.
 */
function shapeOf(arg: string): string {
    if (!arg.startsWith("-")) return "a second connection string";
    const option = /^--[a-z]+(-[a-z]+)*(?==|$)/.exec(arg)?.[0];
    return option && option.length <= 24 ? option : "an option";
}

/**
 * Replaces, in a message, whatever the user gave that could be a password: the password wherever
 * it came from, and every word of the connection string and of the PG* variables but the names of
 * settings and where the audit connects (user, host, port, database, sslmode, certificate files).
 */
function scrubbed(message: string, connection: AuditConnection, env: NodeJS.ProcessEnv): string {
    const given = [connection.connectionString ?? "", ...Object.entries(env).flatMap(([k, v]) => (k.startsWith("PG") && v ? [v] : []))];
    const words = (text: string) =>
        text.split(/[\s=&?@:/,;'"\\]+/).flatMap((w) => {
            try {
                return [w, decodeURIComponent(w)];
            } catch {
                return [w];
            }
        });
    const safe = new Set(given.flatMap((text) => [...text.matchAll(/([A-Za-z_]+)\s*=/g)].map((m) => m[1])));
    const hidden = new Set<string>();
    try {
        const s = auditSettings(connection, env);
        const named = [s.host, s.user, s.database, s.sslRootCert, s.sslCert, s.sslKey];
        if (Number.isInteger(s.port)) named.push(String(s.port));
        if ((SSL_MODES as readonly string[]).includes(s.sslMode)) named.push(s.sslMode);
        for (const word of named.flatMap(words)) safe.add(word);
        if (s.password) hidden.add(s.password);
    } catch {
        // Unreadable: nothing in it is named on purpose.
    }
    for (const word of given.flatMap(words)) if (word.length >= 3 && !safe.has(word)) hidden.add(word);
    let text = message;
    for (const word of [...hidden].sort((a, b) => b.length - a.length)) {
        const escaped = word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
        text = text.replace(new RegExp(`(?<![A-Za-z0-9])${escaped}(?![A-Za-z0-9])`, "g"), "(hidden)");
    }
    return text;
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
    const refuse = (problem: string) => {
        io.err(`whaly-postgres audit: ${problem}\n${USAGE}\n`);
        return 2;
    };
    for (let i = 0; i < rest.length; i++) {
        const arg = rest[i];
        // Positions as the user counts them: `audit` is argument 0.
        const position = i + 1;
        if (arg === "--json") json = true;
        else if (arg === "--verbose") verbose = true;
        else if (arg === "--role" || arg === "--sslrootcert") {
            const value = rest[++i];
            if (value === undefined) return refuse(`${arg} needs a value (argument ${position})`);
            if (arg === "--sslrootcert") connection.sslRootCert = value;
            // A role's name is printed in messages: a connection string given here by mistake must not be.
            else if (/:\/\/|=/.test(value))
                return refuse(`--role: give the role's name, not a connection string (argument ${position + 1})`);
            else role = value;
        } else if (!arg.startsWith("-") && connection.connectionString === undefined) connection.connectionString = arg;
        else return refuse(`unknown argument ${position} (${shapeOf(arg)})`);
    }
    try {
        const report = await auditRole(connection, role, io.env);
        io.out(json ? `${JSON.stringify(report, null, 2)}\n` : formatAudit(report, verbose));
        return report.readOnly ? 0 : 1;
    } catch (e) {
        const message = (e as Error).message || String(e);
        // The command's own name is not scrubbed: it must not read "whaly-(hidden)" when a word typed is "postgres".
        const why = scrubbed(`cannot audit role ${role} through ${target(connection, io.env)}: ${message}`, connection, io.env);
        io.err(`whaly-postgres audit: ${why}\n`);
        return 2;
    }
}

if (require.main === module) {
    main(process.argv.slice(2), { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t), env: process.env }).then(
        (code) => (process.exitCode = code),
    );
}
