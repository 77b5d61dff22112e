import * as fs from "node:fs";
import * as net from "node:net";
import * as pulumi from "@pulumi/pulumi";
import {
    ADMIN_ARG_NAMES,
    ARG_NAMES,
    DEFAULTS,
    SSH_TUNNEL_ARG_NAMES,
    WhalyPostgresAccessArgs,
    WhalyPostgresAdminArgs,
    WhalyPostgresSshTunnelArgs,
} from "./args";
import { CONTROL_CHARACTER, isCidr, WHALY_IP_RANGES } from "../outputs/network";
import { defaultLoginUsers, Rotation } from "../plan/logins";
import { DefaultPrivilegesScope } from "../plan/grants";
import { isPlainHost, isPlainUser, NotShown, tunnelProblems } from "../outputs/sshTunnel";

/**
 * The args with every default applied and every rule checked; `database`, `admin` and
 * `sshTunnel` may still hold Outputs, checked by {@link resolvedArgProblems} once they resolve.
 */
export interface ValidatedArgs {
    database: pulumi.Input<string>;
    schemas: string[];
    tableCreators: string[];
    defaultPrivilegesScope: DefaultPrivilegesScope;
    readAllData: boolean;
    /** The creators' schemas made from now on are readable (defaultPrivilegesScope is then "database"). */
    futureSchemas: boolean;
    /** Table creators come from the catalog (tableCreators is then empty here). */
    discoverTableCreators: boolean;
    strictTableCreators: boolean;
    roleName: string;
    /** Take over an existing role named roleName (plan/adoption.ts). */
    adoptRole: boolean;
    password: pulumi.Input<string> | undefined;
    passwordLength: number;
    passwordVersion: number;
    rotation: Rotation;
    /** The two users of the alternating rotation (their default names in single mode, where they are not used). */
    loginUsers: [string, string];
    host: pulumi.Input<string>;
    /** Whaly's port: the arg, or the admin's port (an Output when that one is) when `host` defaults to the admin's. */
    port: pulumi.Input<number>;
    sslMode: string;
    connectionLimit: number;
    statementTimeoutMs: number;
    idleInTransactionSessionTimeoutMs: number;
    ipRanges: string[];
    admin: WhalyPostgresAdminArgs | undefined;
    sshTunnel: ValidatedSshTunnel | undefined;
}

/** The tunnel with its defaults applied. */
export type ValidatedSshTunnel = Required<Omit<WhalyPostgresSshTunnelArgs, "bastionAddress">> &
    Pick<WhalyPostgresSshTunnelArgs, "bastionAddress">;

/** What the plan, the SQL and the preflight need: the validated args with the database name known. */
export type ResolvedArgs = Omit<ValidatedArgs, "database"> & { database: string };

/** One rule broken by one arg. */
export interface ArgProblem {
    /** Path of the arg, e.g. `schemas[2]`. */
    field: string;
    /** The offending value. */
    value: unknown;
    /** What is wrong and how to fix it. */
    message: string;
}

/** Thrown at construction, before any resource is registered, listing every broken rule. */
export class WhalyPostgresArgsError extends Error {
    /** The problems, each value as errors show it (see {@link displayed}): never a secret. */
    readonly problems: ArgProblem[];

    constructor(componentName: string, problems: ArgProblem[]) {
        super(`Invalid args for WhalyPostgresAccess "${componentName}":\n` + formatProblems(problems));
        this.name = "WhalyPostgresArgsError";
        this.problems = problems.map((p) => ({ ...p, value: displayed(p.field, p.value) }));
    }
}

const MAX_IDENTIFIER_BYTES = 63;
const LIBPQ_SSL_MODES = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"];
const MAX_INT32 = 2_147_483_647;

/**
 * Applies defaults and checks every rule, throwing one {@link WhalyPostgresArgsError} that lists
 * all problems. Pure: no resource is registered and nothing is sent to a server.
 */
export function validateArgs(componentName: string, given: WhalyPostgresAccessArgs, hasProvider: boolean): ValidatedArgs {
    const problems: ArgProblem[] = [];
    const problem = (field: string, value: unknown, message: string) => problems.push({ field, value, message });

    if (given === undefined || given === null || typeof given !== "object") {
        throw new WhalyPostgresArgsError(componentName, [
            { field: "args", value: given, message: "must be an object with at least `database`" },
        ]);
    }
    checkKnownNames(problem, "", given as unknown as Record<string, unknown>, ARG_NAMES);
    const args = withoutOutputsWherePlain(problem, given);
    const admin = args.admin;
    if (admin && typeof admin === "object")
        checkKnownNames(problem, "admin.", admin as unknown as Record<string, unknown>, ADMIN_ARG_NAMES);
    if (admin && hasProvider) {
        problem(
            "admin",
            new NotShown("{...}"),
            "conflicts with the postgresql provider passed in opts: pass admin credentials or a provider, not both",
        );
    }

    // Outputs are checked once they resolve (resolvedArgProblems), before anything is declared.
    if (!isOutput(args.database)) checkIdentifier(problem, "database", args.database, "database", false);

    const roleName = args.roleName ?? DEFAULTS.roleName;
    checkIdentifier(problem, "roleName", roleName, "role", true);

    const readAllData = args.readAllData ?? false;
    if (typeof readAllData !== "boolean") problem("readAllData", readAllData, "must be true or false");
    const adoptRole = args.adoptRole ?? false;
    if (typeof adoptRole !== "boolean") problem("adoptRole", adoptRole, "must be true or false");
    const { discoverTableCreators, strictTableCreators } = checkCreatorDiscovery(problem, args);
    const { schemas, tableCreators } =
        readAllData === true
            ? checkReadAllData(problem, args)
            : discoverTableCreators
              ? { schemas: checkListedSchemas(problem, { ...args, tableCreators: ["(discovered)"] }, roleName).schemas, tableCreators: [] }
              : checkListedSchemas(problem, args, roleName);

    if (args.password !== undefined && args.passwordLength !== undefined)
        problem(
            "passwordLength",
            args.passwordLength,
            "conflicts with `password`: a length only applies to a generated password, so drop one of them",
        );
    if (args.password !== undefined && args.passwordVersion !== undefined)
        problem("passwordVersion", args.passwordVersion, "conflicts with `password`: to rotate your own password, pass the new one");
    checkPassword(problem, args.password);
    const passwordLength = args.passwordLength ?? DEFAULTS.passwordLength;
    checkInteger(problem, "passwordLength", passwordLength, 16, 128, "use a length from 16 to 128, or omit it for 32");
    const passwordVersion = args.passwordVersion ?? DEFAULTS.passwordVersion;
    checkInteger(problem, "passwordVersion", passwordVersion, 1, MAX_INT32, "use a whole number from 1 up, and increase it to rotate");
    const { rotation, loginUsers } = checkRotation(problem, args, roleName, tableCreators);

    const host = args.host ?? admin?.host;
    if (host === undefined)
        problem(
            "host",
            undefined,
            "is required when the component is given a provider instead of `admin`: the address Whaly connects to (the primary or a read replica)",
        );
    else if (args.host === undefined && isSocketDirectory(host))
        problem(
            "host",
            undefined,
            "is required when admin.host is a Unix socket's directory, which Whaly cannot reach: give the server's address",
        );
    else checkHost(problem, "host", host);
    // Whaly reaches the admin's server when `host` is left to default: then it shares its port too,
    // as the admin's connection resolves it (admin.port, an Output once known, else PGPORT).
    const port = args.port ?? (args.host === undefined && admin ? adminPort(admin.port) : DEFAULTS.port);
    if (args.port !== undefined) checkInteger(problem, "port", port, 1, 65535, "use a TCP port from 1 to 65535, or omit it for 5432");
    const sslMode = args.sslMode ?? DEFAULTS.sslMode;
    checkOneOf(problem, "sslMode", sslMode, LIBPQ_SSL_MODES);

    const connectionLimit = args.connectionLimit ?? DEFAULTS.connectionLimit;
    checkInteger(problem, "connectionLimit", connectionLimit, -1, MAX_INT32, "use -1 for unlimited or a positive number of connections");
    if (connectionLimit === 0)
        problem(
            "connectionLimit",
            0,
            "would let Whaly open no connection at all: use -1 for unlimited or a positive number of connections",
        );
    const statementTimeoutMs = args.statementTimeoutMs ?? DEFAULTS.statementTimeoutMs;
    checkInteger(problem, "statementTimeoutMs", statementTimeoutMs, 0, MAX_INT32, "use milliseconds, 0 for no timeout");
    const idleInTransactionSessionTimeoutMs = args.idleInTransactionSessionTimeoutMs ?? DEFAULTS.idleInTransactionSessionTimeoutMs;
    checkInteger(
        problem,
        "idleInTransactionSessionTimeoutMs",
        idleInTransactionSessionTimeoutMs,
        0,
        MAX_INT32,
        "use milliseconds, 0 for no timeout",
    );

    const futureSchemas = checkFutureSchemas(problem, args);
    const defaultPrivilegesScope = args.defaultPrivilegesScope ?? (futureSchemas ? "database" : DEFAULTS.defaultPrivilegesScope);
    checkOneOf(problem, "defaultPrivilegesScope", defaultPrivilegesScope, ["schema", "database"]);

    const ipRanges = args.ipRanges ?? [...WHALY_IP_RANGES];
    checkIpRanges(problem, ipRanges);

    if (admin) checkAdmin(problem, admin);
    const sshTunnel = checkSshTunnel(problem, args.sshTunnel, host);

    if (problems.length > 0) throw new WhalyPostgresArgsError(componentName, problems);
    return {
        database: args.database,
        schemas,
        tableCreators,
        defaultPrivilegesScope: defaultPrivilegesScope as DefaultPrivilegesScope,
        readAllData: readAllData === true,
        futureSchemas,
        discoverTableCreators,
        strictTableCreators,
        roleName,
        adoptRole: adoptRole === true,
        password: args.password,
        passwordLength,
        passwordVersion,
        rotation,
        loginUsers,
        host: host as pulumi.Input<string>,
        port,
        sslMode,
        connectionLimit,
        statementTimeoutMs,
        idleInTransactionSessionTimeoutMs,
        ipRanges,
        admin,
        sshTunnel,
    };
}

type Report = (field: string, value: unknown, message: string) => void;

/**
 * The admin's port as its connection resolves it: `admin.port` once known, else PGPORT, else
 * 5432 (a PGPORT that is no port is refused by the server checks, which resolve it alike).
 */
function adminPort(port: pulumi.Input<number> | undefined, env: NodeJS.ProcessEnv = process.env): pulumi.Input<number> {
    const fromEnvironment = () => {
        const value = Number(env.PGPORT);
        return env.PGPORT && Number.isInteger(value) && value >= 1 && value <= 65535 ? value : DEFAULTS.port;
    };
    if (port === undefined) return fromEnvironment();
    return typeof port === "number" ? port : pulumi.output(port).apply((p) => p ?? fromEnvironment());
}

/**
 * The rules of the args that may be Outputs (`database`, everything under `admin` and
 * `sshTunnel`), for their resolved values: the component checks them this way before it
 * declares anything. (`host`, which the server does not need, is checked beside them: whalyHostProblems in server/checks.ts.)
 */
export function resolvedArgProblems(resolved: {
    database: unknown;
    password?: unknown;
    admin?: Record<string, unknown>;
    sshTunnel?: Record<string, unknown>;
}): ArgProblem[] {
    const problems: ArgProblem[] = [];
    const problem = (field: string, value: unknown, message: string) => problems.push({ field, value, message });
    checkIdentifier(problem, "database", resolved.database, "database", false);
    checkPassword(problem, resolved.password);
    if (resolved.admin) checkAdmin(problem, resolved.admin as unknown as WhalyPostgresAdminArgs);
    if (resolved.sshTunnel) problems.push(...tunnelProblems(resolved.sshTunnel, undefined));
    return problems;
}

const isOutput = (value: unknown) => pulumi.Output.isInstance(value) || value instanceof Promise;

/** The args that may be Outputs: the others name children or decide which there are, so the program must know them. */
const INPUT_ARGS = new Set(["database", "password", "host", "admin", "sshTunnel"]);

/**
 * `args` without the Outputs given where an arg must be plain (a secret from config, a resource's
 * output: from YAML, Go or Python the types do not stop them), each refused as such rather than
 * by the arg's own rule, whose fix would be wrong for a value that may be right.
 */
function withoutOutputsWherePlain(problem: Report, args: WhalyPostgresAccessArgs): WhalyPostgresAccessArgs {
    const plain: Record<string, unknown> = { ...args };
    const refuse = (field: string, value: unknown) =>
        problem(
            field,
            value,
            "is an Output (a secret, or another resource's output): this arg decides the component's children, so give its value itself",
        );
    for (const field of ARG_NAMES) {
        const value = plain[field];
        if (INPUT_ARGS.has(field)) continue;
        const items: unknown[] = Array.isArray(value) ? value : [];
        const outputs = items.flatMap((item, i) => (isOutput(item) ? [i] : []));
        for (const i of outputs) refuse(`${field}[${i}]`, items[i]);
        if (isOutput(value)) refuse(field, value);
        if (isOutput(value) || outputs.length > 0) delete plain[field];
    }
    return plain as unknown as WhalyPostgresAccessArgs;
}

/** The role's password, where known: from every language but TypeScript it comes as a secret, checked once resolved. */
function checkPassword(problem: Report, password: unknown): void {
    if (typeof password === "string" && password.length === 0)
        problem("password", password, "is empty: pass a password, or omit it to generate one");
}

/** The admin's fields that are known now (Outputs are checked once resolved). */
function checkAdmin(problem: Report, admin: WhalyPostgresAdminArgs): void {
    const known = (value: unknown) => value !== undefined && !isOutput(value);
    checkHost(problem, "admin.host", admin.host);
    if (!isOutput(admin.username)) checkIdentifier(problem, "admin.username", admin.username, "role", false);
    if (known(admin.port)) checkInteger(problem, "admin.port", admin.port, 1, 65535, "use a TCP port from 1 to 65535, or omit it for 5432");
    if (known(admin.sslMode)) checkOneOf(problem, "admin.sslMode", admin.sslMode, LIBPQ_SSL_MODES);
    if (known(admin.sslRootCert)) checkRootCert(problem, "admin.sslRootCert", admin.sslRootCert);
    if (known(admin.superuser) && typeof admin.superuser !== "boolean")
        problem("admin.superuser", admin.superuser, "must be true or false");
}

/** The tunnel's defaults and the rules of its known fields (the others are checked once resolved). */
function checkSshTunnel(problem: Report, tunnel: unknown, host: unknown): ValidatedSshTunnel | undefined {
    if (tunnel === undefined) return undefined;
    if (tunnel === null || typeof tunnel !== "object" || isOutput(tunnel)) {
        problem("sshTunnel", tunnel, "must be an object with publicKey and bastionHost (fields may be Outputs, not the object)");
        return undefined;
    }
    checkKnownNames(problem, "sshTunnel.", tunnel as Record<string, unknown>, SSH_TUNNEL_ARG_NAMES);
    const given = tunnel as WhalyPostgresSshTunnelArgs;
    const validated = {
        ...given,
        bastionPort: given.bastionPort ?? DEFAULTS.bastionPort,
        bastionUser: given.bastionUser ?? DEFAULTS.bastionUser,
    };
    for (const p of tunnelProblems(validated, host, isOutput)) problem(p.field, p.value, p.message);
    return validated;
}

/** Why the admin's CA cannot be PEM text (admin.sslRootCert, or PGSSLROOTCERT in its stead), with the fix. */
export const PEM_TEXT_REFUSAL =
    "is PEM text, and the provider this component makes reads its CA from a file, whose path the stack's state keeps for every later refresh and destroy: " +
    "give the path of the CA bundle as every runner has it (committed beside the program, or installed), or system";

/** A CA bundle: PEM text, `system`, or a file this program can read (the provider, on the same machine, reads it too). */
function checkRootCert(problem: Report, field: string, value: unknown): void {
    if (typeof value !== "string" || value.trim() === "")
        return problem(field, value, "must be the path of a PEM file, or system for the system's trust store");
    if (value === "system") return;
    // The provider reads files only, and keeps the path in the stack's state: refresh and destroy,
    // wherever they run, need it there.
    if (value.includes("-----BEGIN")) return problem(field, value, PEM_TEXT_REFUSAL);
    try {
        fs.accessSync(value, fs.constants.R_OK);
    } catch (e) {
        problem(field, value, `cannot be read (${(e as NodeJS.ErrnoException).code}): give the path of the server's CA bundle (PEM)`);
    }
}

/** An arg the component does not know is refused, naming the closest one it knows (a typo would otherwise fall back to a default). */
function checkKnownNames(problem: Report, prefix: string, given: Record<string, unknown>, known: readonly string[]): void {
    for (const name of Object.keys(given)) {
        if (known.includes(name) || given[name] === undefined) continue;
        const closest = [...known].sort((a, b) => editDistance(name, a) - editDistance(name, b))[0];
        problem(
            `${prefix}${name}`,
            describeValue(given[name]),
            `is not an arg of WhalyPostgresAccess${prefix ? `'s ${prefix.slice(0, -1)}` : ""}: did you mean ${prefix}${closest}? (known: ${known.join(", ")})`,
        );
    }
}

/** Levenshtein distance, case-insensitive: how many edits turn `a` into `b`. */
export function editDistance(a: string, b: string): number {
    const [x, y] = [a.toLowerCase(), b.toLowerCase()];
    let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
    for (let i = 1; i <= x.length; i++) {
        const current = [i];
        for (let j = 1; j <= y.length; j++)
            current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1));
        previous = current;
    }
    return previous[y.length];
}

/** The listed-schema mode: schemas (default public) and the roles that create tables in them. */
function checkListedSchemas(
    problem: Report,
    args: WhalyPostgresAccessArgs,
    roleName: string,
): { schemas: string[]; tableCreators: string[] } {
    const schemas = args.schemas ?? [...DEFAULTS.schemas];
    checkNameList(problem, "schemas", schemas, "schema", 'omit schemas for ["public"], or list the schemas Whaly reads');

    let tableCreators = args.tableCreators;
    if (tableCreators === undefined) {
        if (typeof args.admin?.username === "string") tableCreators = [args.admin.username];
        else if (args.admin?.username !== undefined)
            problem(
                "tableCreators",
                undefined,
                "is required when admin.username is an Output: the creators name the component's children, so list them as plain strings (the admin's name among them if it creates tables)",
            );
        else
            problem(
                "tableCreators",
                undefined,
                "is required when the component is given a provider instead of `admin`: list the roles that create tables in these schemas (their owners, as `\\dt` shows)",
            );
    }
    if (tableCreators !== undefined) {
        checkNameList(
            problem,
            "tableCreators",
            tableCreators,
            "role",
            "list at least one role that creates tables, so future tables stay readable",
        );
        tableCreators.forEach((creator, i) => {
            if (creator === roleName)
                problem(
                    `tableCreators[${i}]`,
                    creator,
                    "is the BI role itself (roleName), which must only read: remove it from tableCreators",
                );
        });
    }
    return { schemas, tableCreators: tableCreators ?? [] };
}

/** The rotation mode, and in the alternating one its two users: names of their own, apart from the group and the creators. */
function checkRotation(
    problem: Report,
    args: WhalyPostgresAccessArgs,
    roleName: string,
    tableCreators: string[],
): { rotation: Rotation; loginUsers: [string, string] } {
    const rotation = (args.rotation ?? DEFAULTS.rotation) as Rotation;
    checkOneOf(problem, "rotation", rotation, ["single", "alternating"]);
    const defaults = defaultLoginUsers(roleName);
    if (rotation !== "alternating") {
        if (args.loginUsers !== undefined)
            problem("loginUsers", args.loginUsers, 'only serves rotation "alternating": set rotation: "alternating", or drop loginUsers');
        return { rotation, loginUsers: defaults };
    }
    if (args.password !== undefined)
        problem("password", args.password, 'conflicts with rotation "alternating", which generates both users\' passwords: drop password');
    const users = args.loginUsers ?? defaults;
    const field = args.loginUsers === undefined ? "roleName" : "loginUsers";
    if (!Array.isArray(users) || users.length !== 2) {
        problem("loginUsers", users, 'must list exactly two user names, e.g. ["whaly_a", "whaly_b"]');
        return { rotation, loginUsers: defaults };
    }
    if (args.loginUsers !== undefined) checkNameList(problem, "loginUsers", users, "role", "list two user names");
    users.forEach((user, i) => {
        const at = args.loginUsers === undefined ? field : `loginUsers[${i}]`;
        if (args.loginUsers === undefined && Buffer.byteLength(user, "utf8") > MAX_IDENTIFIER_BYTES)
            problem(
                at,
                roleName,
                `is too long for the users' default names (<roleName>_a and _b hold at most ${MAX_IDENTIFIER_BYTES} bytes): shorten it, or give loginUsers`,
            );
        if (user === roleName) problem(at, user, "is the group role's name (roleName): give the users names of their own");
        if (tableCreators.includes(user))
            problem(at, user, "is a table creator: the users must only read, so give them names of their own");
    });
    return { rotation, loginUsers: [users[0], users[1]] };
}

/** discoverTableCreators and strictTableCreators read the catalog, and exclude what would make them meaningless. */
function checkCreatorDiscovery(
    problem: Report,
    args: WhalyPostgresAccessArgs,
): { discoverTableCreators: boolean; strictTableCreators: boolean } {
    const flags = { discoverTableCreators: args.discoverTableCreators ?? false, strictTableCreators: args.strictTableCreators ?? false };
    for (const [field, value] of Object.entries(flags)) {
        if (typeof value !== "boolean") {
            problem(field, value, "must be true or false");
            continue;
        }
        if (value && args.readAllData === true)
            problem(field, value, "means nothing with readAllData, which reads every schema whoever creates the tables: drop it");
    }
    if (flags.discoverTableCreators === true && args.tableCreators !== undefined)
        problem("tableCreators", args.tableCreators, "conflicts with discoverTableCreators, which finds them: drop one of the two");
    if (flags.discoverTableCreators === true && flags.strictTableCreators === true)
        problem(
            "strictTableCreators",
            true,
            "has nothing to check with discoverTableCreators, which covers every creator it finds: drop one of the two",
        );
    return { discoverTableCreators: flags.discoverTableCreators === true, strictTableCreators: flags.strictTableCreators === true };
}

/**
 * futureSchemas rests on database-wide default privileges: per-schema ones go with their schema
 * (its pg_default_acl rows are dropped with it), and pg_read_all_data already reads every schema.
 */
function checkFutureSchemas(problem: Report, args: WhalyPostgresAccessArgs): boolean {
    const value = args.futureSchemas ?? false;
    if (typeof value !== "boolean") {
        problem("futureSchemas", value, "must be true or false");
        return false;
    }
    if (value && args.readAllData === true)
        problem(
            "futureSchemas",
            true,
            "is redundant with readAllData, which already reads every schema, present and future, whoever creates it: drop futureSchemas",
        );
    if (value && args.defaultPrivilegesScope === "schema")
        problem(
            "defaultPrivilegesScope",
            "schema",
            'conflicts with futureSchemas: default privileges IN SCHEMA go with their schema when a creator drops it (DROP SCHEMA … CASCADE, as dbt clean-ups and CI runs do), and a new schema has none; drop defaultPrivilegesScope, or set it to "database"',
        );
    return value;
}

/** The all-data mode grants on every schema through pg_read_all_data: listing schemas or creators would mean nothing. */
function checkReadAllData(problem: Report, args: WhalyPostgresAccessArgs): { schemas: string[]; tableCreators: string[] } {
    const fix = "readAllData already covers every schema and every future table: remove it, or set readAllData to false to list schemas";
    if (args.schemas !== undefined) problem("schemas", args.schemas, `cannot be combined with readAllData: ${fix}`);
    if (args.tableCreators !== undefined) problem("tableCreators", args.tableCreators, `cannot be combined with readAllData: ${fix}`);
    if (args.defaultPrivilegesScope !== undefined)
        problem("defaultPrivilegesScope", args.defaultPrivilegesScope, `cannot be combined with readAllData: ${fix}`);
    return { schemas: [], tableCreators: [] };
}

/**
 * Names are literal: they are quoted in every statement, so `Sales` and `sales` differ.
 * Double quotes are refused so that SQL-style quoting (`"Sales"`) is not taken for part of a name.
 */
function checkIdentifier(report: Report, field: string, value: unknown, kind: string, reservedPrefix: boolean): void {
    if (typeof value !== "string") return report(field, value, `must be a string: the ${kind} name`);
    if (value.length === 0) return report(field, value, `is empty: give the ${kind} name`);
    if (value.includes("\0")) return report(field, value, "contains a NUL byte, which PostgreSQL names cannot hold: remove it");
    if (CONTROL_CHARACTER.test(value))
        return report(
            field,
            value,
            "contains a control character (a line break, a tab…): pg_hba.conf and psql's \\connect read a name on one line, so remove it",
        );
    if (value.includes('"'))
        return report(
            field,
            value,
            'contains a double quote: names are literal and quoted for you, so write the name without them (Sales, not "Sales")',
        );
    if (value.trim() !== value) return report(field, value, "has leading or trailing white space: names are literal, so remove it");
    const bytes = Buffer.byteLength(value, "utf8");
    if (bytes > MAX_IDENTIFIER_BYTES)
        return report(field, value, `is ${bytes} bytes long: PostgreSQL names hold at most ${MAX_IDENTIFIER_BYTES} bytes, so shorten it`);
    if (reservedPrefix && value.startsWith("pg_"))
        return report(field, value, `is reserved: PostgreSQL refuses ${kind} names starting with pg_, so rename it`);
    if (value.startsWith("/") && IN_PG_HBA.has(field.replace(/\[\d+\]$/, "")))
        return report(
            field,
            value,
            "starts with /: pg_hba.conf (pgHbaLines) reads such a name as a regular expression on PostgreSQL 16 and later, quoted or not, so rename it",
        );
}

/** The args whose names pgHbaLines writes: the database and the roles that log in. */
const IN_PG_HBA = new Set(["database", "roleName", "loginUsers"]);

function checkNameList(report: Report, field: string, value: unknown, kind: string, emptyFix: string): void {
    if (!Array.isArray(value)) return report(field, value, `must be a list of ${kind} names`);
    if (value.length === 0) return report(field, value, `is empty: ${emptyFix}`);
    const seen = new Map<unknown, number>();
    value.forEach((item, i) => {
        checkIdentifier(report, `${field}[${i}]`, item, kind, true);
        const first = seen.get(item);
        if (first !== undefined) report(`${field}[${i}]`, item, `duplicates ${field}[${first}]: list each ${kind} once`);
        else seen.set(item, i);
    });
}

function checkInteger(report: Report, field: string, value: unknown, min: number, max: number, fix: string): void {
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max)
        report(field, value, `is not a whole number from ${min} to ${max}: ${fix}`);
}

function checkOneOf(report: Report, field: string, value: unknown, allowed: string[]): void {
    if (typeof value !== "string" || !allowed.includes(value))
        report(field, value, `is not one of ${allowed.join(", ")}: pick one of them`);
}

function checkHost(report: Report, field: string, value: unknown): void {
    if (pulumi.Output.isInstance(value) || value instanceof Promise) return; // checked once resolved (hostArgProblems)
    for (const p of hostArgProblems(field, value)) report(p.field, p.value, p.message);
}

/** The problem of a host arg's value, known or resolved: a host name, an IP address, or (admin.host) a Unix socket's directory. */
export function hostArgProblems(field: string, value: unknown): ArgProblem[] {
    if (isPlainHost(value) || (field === "admin.host" && isSocketDirectory(value))) return [];
    return [{ field, value, message: "is not a host name or IP address: give the address of the server, e.g. db.example.com" }];
}

function checkIpRanges(report: Report, ranges: unknown): void {
    if (!Array.isArray(ranges)) return report("ipRanges", ranges, "must be a list of CIDR ranges such as 34.76.0.0/14");
    if (ranges.length === 0)
        return report("ipRanges", ranges, "is empty: omit it to use Whaly's published ranges, or list the ranges Whaly connects from");
    const seen = new Set<unknown>();
    ranges.forEach((range, i) => {
        if (!isCidr(range))
            report(
                `ipRanges[${i}]`,
                range,
                "is not a CIDR range: write an address and a prefix length, e.g. 34.76.0.0/14 or 2001:db8::/32",
            );
        else if (seen.has(range)) report(`ipRanges[${i}]`, range, "is listed twice: list each range once");
        seen.add(range);
    });
}

/** One line per problem: `- field value: what is wrong and the fix`, the value as {@link displayed} shows it. */
export function formatProblems(problems: ArgProblem[]): string {
    return problems.map((p) => `- ${p.field} ${show(displayed(p.field, p.value))}: ${p.message}`).join("\n");
}

function show(value: unknown): string {
    if (value === undefined) return "(missing)";
    if (value instanceof NotShown) return value.description;
    try {
        return JSON.stringify(value) ?? String(value);
    } catch {
        return String(value);
    }
}

/** Args whose values are secrets: never shown, whatever they hold. */
const SECRET_FIELDS = new Set(["password", "admin.password"]);

/**
 * Per arg, the values the component writes in plain text anyway (in the resources it declares,
 * its outputs or the catalog): an error may show those. A value that fails them may be anything,
 * a password pasted into the wrong field among others, so it is described, never shown.
 */
const PLAIN_TEXT: Record<string, (value: string) => boolean> = {
    database: isWellFormedName,
    roleName: isWellFormedName,
    schemas: isWellFormedName,
    tableCreators: isWellFormedName,
    loginUsers: isWellFormedName,
    "admin.username": isWellFormedName,
    host: isPlainHost,
    "admin.host": (value) => isPlainHost(value) || isSocketDirectory(value),
    "sshTunnel.bastionHost": isPlainHost,
    "sshTunnel.bastionAddress": (value) => net.isIP(value) !== 0 || isCidr(value),
    "sshTunnel.bastionUser": isPlainUser,
    ipRanges: isCidr,
    sslMode: (value) => LIBPQ_SSL_MODES.includes(value),
    "admin.sslMode": (value) => LIBPQ_SSL_MODES.includes(value),
    rotation: (value) => value === "single" || value === "alternating",
    defaultPrivilegesScope: (value) => value === "schema" || value === "database",
};

/**
 * What an error may show of the value `field` was given: numbers and booleans as they are; for
 * an arg, a string (or a list of them) only where {@link PLAIN_TEXT} says the component writes it
 * in plain text anyway; otherwise a description of its shape. A problem about something else (the
 * server, a connection) carries what the component composed itself, and shows it.
 */
export function displayed(field: string, value: unknown): unknown {
    if (value === undefined || value === null || value instanceof NotShown) return value;
    const arg = field.replace(/\[\d+\]$/, "");
    if (SECRET_FIELDS.has(arg)) return new NotShown("(a secret: not shown)");
    // Nothing to hide in a number, a boolean or an empty string.
    if (typeof value === "number" || typeof value === "boolean" || value === "") return value;
    const plain = PLAIN_TEXT[arg];
    if (!plain) return ARG_FIELDS.has(arg) ? describeValue(value) : value;
    const strings = Array.isArray(value) ? value : [value];
    return strings.every((item) => typeof item === "string" && plain(item)) ? value : describeValue(value);
}

/** Every field path of the args, admin and sshTunnel included. */
const ARG_FIELDS = new Set([
    ...ARG_NAMES,
    ...ADMIN_ARG_NAMES.map((name) => `admin.${name}`),
    ...SSH_TUNNEL_ARG_NAMES.map((name) => `sshTunnel.${name}`),
]);

/** What a value is, in words that never quote it: `(a string of 12 characters: not shown)`. */
export function describeValue(value: unknown): NotShown {
    if (value instanceof NotShown) return value;
    if (typeof value === "string")
        return new NotShown(`(a string of ${value.length} character${value.length === 1 ? "" : "s"}: not shown)`);
    if (Array.isArray(value)) return new NotShown(`(a list of ${value.length} item${value.length === 1 ? "" : "s"}: not shown)`);
    if (pulumi.Output.isInstance(value)) return new NotShown("(an Output: not shown)");
    if (value === null) return new NotShown("(null)");
    return new NotShown(`(${typeof value === "object" ? "an object" : `a ${typeof value}`}: not shown)`);
}

/** A Unix socket's directory, as libpq takes it for a host: an absolute path. */
function isSocketDirectory(value: unknown): boolean {
    return typeof value === "string" && /^\/[^\s\0]*$/.test(value);
}

/** A name PostgreSQL can hold as given: what checkIdentifier accepts, the pg_ prefix aside. */
function isWellFormedName(value: string): boolean {
    return (
        value.length > 0 &&
        !value.includes("\0") &&
        !CONTROL_CHARACTER.test(value) &&
        !value.includes('"') &&
        value.trim() === value &&
        Buffer.byteLength(value, "utf8") <= MAX_IDENTIFIER_BYTES
    );
}
