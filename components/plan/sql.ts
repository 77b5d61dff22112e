/**
 * The SQL a deployment amounts to, for review and for running by hand where Pulumi cannot reach:
 * the statements the provider runs for each resource the component declares, in order, with
 * every identifier quoted as the provider quotes it (always in double quotes), as a psql script
 * that `psql -v ON_ERROR_STOP=1 -f access.sql` runs from any database. Pure.
 */
import { WhalyPostgresAccessArgs } from "../contract/args";
import { planLogins } from "./logins";
import { AccessPlan, planAccess } from "./grants";
import { CONTROL_CHARACTER } from "../outputs/network";
import { ResolvedArgs, validateArgs, WhalyPostgresArgsError } from "../contract/validate";

/** How the password appears in the rendered SQL when none is given. */
export const ELIDED_PASSWORD = "<password elided>";

/** `"name"`, as lib/pq's QuoteIdentifier writes it. */
export const quoteIdentifier = (name: string): string => `"${name.replace(/"/g, '""')}"`;
const quoteLiteral = (text: string): string => `'${text.replace(/'/g, "''")}'`;

/** The statements of a deployment (no trailing semicolons), by where they run. */
export interface AccessStatements {
    /** Cluster-wide, runnable from any database: the role, its settings and memberships, CONNECT on the database. */
    cluster: string[];
    /** Inside the database Whaly reads: USAGE, SELECT and default privileges. */
    inDatabase: string[];
}

/**
 * Renders `args` (checked as the component checks them) as a psql script: the cluster-wide
 * statements, `\connect` to the database, then the statements inside it. `password` is what each
 * PASSWORD clause holds (the component gives SCRAM verifiers); by default it is elided.
 */
export function renderAccessSql(args: WhalyPostgresAccessArgs, options: { password?: string } = {}): string {
    const v = resolvedForSql(args);
    return psqlScript(v.database, renderAccessStatements(args, options));
}

/** The statements of {@link renderAccessSql}, for running them through a driver rather than psql. */
export function renderAccessStatements(args: WhalyPostgresAccessArgs, options: { password?: string } = {}): AccessStatements {
    const v = resolvedForSql(args);
    const withPassword = planLogins(v.roleName, v.rotation, v.passwordVersion, v.loginUsers).logins.filter(
        (l) => l.passwordVersion !== undefined,
    );
    // One password for two users would make the rotation rotate nothing.
    if (options.password !== undefined && withPassword.length > 1)
        throw new WhalyPostgresArgsError("renderAccessSql", [
            {
                field: "password",
                value: options.password,
                message:
                    `with rotation "alternating" at passwordVersion ${v.passwordVersion}, both users log in, each with its own password: ` +
                    `render without one and put each user's password in place of ${ELIDED_PASSWORD}`,
            },
        ]);
    return accessStatements(v, planAccess(v.schemas, v.tableCreators, v), options.password);
}

function resolvedForSql(args: WhalyPostgresAccessArgs): ResolvedArgs {
    // Where Whaly connects does not change the SQL: `host` is not asked for here.
    const v = validateArgs("renderAccessSql", { ...args, host: args.host ?? args.admin?.host ?? "localhost" }, false);
    if (typeof v.database !== "string")
        throw new WhalyPostgresArgsError("renderAccessSql", [
            {
                field: "database",
                value: "(an Output)",
                message: "must be a plain string here: render the SQL inside an apply, or read the component's accessSql output",
            },
        ]);
    return { ...v, database: v.database };
}

/** The statements for resolved args and their plan, in the order the provider runs them. */
export function accessStatements(v: ResolvedArgs, plan: AccessPlan, password: string = ELIDED_PASSWORD): AccessStatements {
    const role = quoteIdentifier(v.roleName);
    const logins = planLogins(v.roleName, v.rotation, v.passwordVersion, v.loginUsers);
    const cluster: string[] = [];
    /** What the provider runs for a role: CREATE ROLE, its memberships, its settings (a timeout only when it is not 0, the default). */
    const createRole = (name: string, login: boolean, memberOf: string[], guarded: boolean) => {
        const quoted = quoteIdentifier(name);
        const secret = login ? `ENCRYPTED PASSWORD ${quoteLiteral(password)} ` : "";
        cluster.push(
            `CREATE ROLE ${quoted} WITH ${secret}VALID UNTIL 'infinity' CONNECTION LIMIT ${guarded ? v.connectionLimit : -1} ` +
                `NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT ${login ? "LOGIN" : "NOLOGIN"} NOBYPASSRLS NOREPLICATION`,
        );
        for (const member of memberOf) cluster.push(`GRANT ${quoteIdentifier(member)} TO ${quoted}`);
        if (!guarded) return;
        if (v.statementTimeoutMs !== 0) cluster.push(`ALTER ROLE ${quoted} SET statement_timeout TO ${v.statementTimeoutMs}`);
        if (v.idleInTransactionSessionTimeoutMs !== 0)
            cluster.push(`ALTER ROLE ${quoted} SET idle_in_transaction_session_timeout TO ${v.idleInTransactionSessionTimeoutMs}`);
    };
    createRole(v.roleName, logins.granteeLogsIn, plan.memberOf, logins.granteeLogsIn);
    if (!logins.granteeLogsIn)
        for (const login of logins.logins) createRole(login.name, login.passwordVersion !== undefined, [v.roleName], true);
    const inDatabase: string[] = [];
    for (const g of plan.grants) {
        const privileges = g.privileges.join(",");
        if (g.objectType === "database") {
            cluster.push(`GRANT ${privileges} ON DATABASE ${quoteIdentifier(v.database)} TO ${role}`);
            continue;
        }
        const target =
            g.objectType === "schema"
                ? `SCHEMA ${quoteIdentifier(g.schema!)}`
                : `ALL ${g.objectType.toUpperCase()}S IN SCHEMA ${quoteIdentifier(g.schema!)}`;
        inDatabase.push(`GRANT ${privileges} ON ${target} TO ${role}`);
    }
    for (const d of plan.defaultPrivileges) {
        const inSchema = d.schema === undefined ? "" : ` IN SCHEMA ${quoteIdentifier(d.schema)}`;
        inDatabase.push(
            `ALTER DEFAULT PRIVILEGES FOR ROLE ${quoteIdentifier(d.owner)}${inSchema} GRANT ${d.privileges.join(",")} ON ${d.objectType.toUpperCase()}S TO ${role}`,
        );
    }
    return { cluster, inDatabase };
}

/** The statements as a psql script: stop at the first error, cluster-wide statements, `\connect`, the rest. */
export function psqlScript(database: string, statements: AccessStatements): string {
    const lines = [
        "\\set ON_ERROR_STOP on",
        ...statements.cluster.map((s) => `${s};`),
        psqlConnect(database),
        ...statements.inDatabase.map((s) => `${s};`),
    ];
    return `${lines.join("\n")}\n`;
}

/**
 * `\connect` to `database` as psql reads it: the name in double quotes (psql keeps its case and
 * spaces). A name psql would take for a connection string (holding `=`, or a URI) is given as one,
 * `dbname='…'`, inside a single-quoted argument. A name holding a control character is refused.
 */
export function psqlConnect(database: string): string {
    // psql reads a meta-command to the end of its line: a line break would start another one.
    if (CONTROL_CHARACTER.test(database))
        throw new Error(`a database name of ${database.length} characters holds a control character: psql cannot \\connect to it`);
    if (!database.includes("=") && !/^postgres(ql)?:\/\//.test(database)) return `\\connect ${quoteIdentifier(database)}`;
    const conninfo = `dbname='${database.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
    return `\\connect -reuse-previous=on '${conninfo.replace(/\\/g, "\\\\").replace(/'/g, "''")}'`;
}
