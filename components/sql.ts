/**
 * The SQL a deployment amounts to, for review and for running by hand where Pulumi cannot reach:
 * the statements the provider runs for each resource the component declares, in order, with
 * every identifier quoted as the provider quotes it (always in double quotes). Pure.
 */
import { WhalyPostgresAccessArgs } from "./args";
import { AccessPlan, planAccess } from "./plan";
import { ResolvedArgs, validateArgs, WhalyPostgresArgsError } from "./validate";

/** How the password appears in the rendered SQL when none is given. */
export const ELIDED_PASSWORD = "<password elided>";

/** `"name"`, as lib/pq's QuoteIdentifier writes it. */
export const quoteIdentifier = (name: string): string => `"${name.replace(/"/g, '""')}"`;
const quoteLiteral = (text: string): string => `'${text.replace(/'/g, "''")}'`;

/**
 * Renders `args` (checked as the component checks them) as SQL statements, without the trailing
 * semicolon. `password` is what the role's PASSWORD clause holds (the component gives the
 * SCRAM verifier); by default it is elided.
 */
export function renderAccessSql(args: WhalyPostgresAccessArgs, options: { password?: string } = {}): string[] {
    // Where Whaly connects does not change the SQL: `host` is not asked for here.
    const v = validateArgs("renderAccessSql", { ...args, host: args.host ?? args.admin?.host ?? "localhost" }, false);
    if (typeof v.database !== "string")
        throw new WhalyPostgresArgsError("renderAccessSql", [
            {
                field: "database",
                value: "(an Output)",
                message: "must be a plain string here: render the SQL inside an apply, or read the accessSql output",
            },
        ]);
    const resolved = { ...v, database: v.database };
    return accessStatements(resolved, planAccess(v.schemas, v.tableCreators, v.defaultPrivilegesScope, v.readAllData), options.password);
}

/** The statements for validated args and their plan (what the component's `accessSql` output shows). */
export function accessStatements(v: ResolvedArgs, plan: AccessPlan, password: string = ELIDED_PASSWORD): string[] {
    const role = quoteIdentifier(v.roleName);
    const statements = [
        `CREATE ROLE ${role} WITH ENCRYPTED PASSWORD ${quoteLiteral(password)} VALID UNTIL 'infinity' CONNECTION LIMIT ${v.connectionLimit} ` +
            "NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT LOGIN NOBYPASSRLS NOREPLICATION",
    ];
    for (const member of plan.memberOf) statements.push(`GRANT ${quoteIdentifier(member)} TO ${role}`);
    // The provider sets a timeout only when it is not 0 (the role's default).
    if (v.statementTimeoutMs !== 0) statements.push(`ALTER ROLE ${role} SET statement_timeout TO ${v.statementTimeoutMs}`);
    if (v.idleInTransactionSessionTimeoutMs !== 0)
        statements.push(`ALTER ROLE ${role} SET idle_in_transaction_session_timeout TO ${v.idleInTransactionSessionTimeoutMs}`);
    for (const g of plan.grants) {
        const privileges = g.privileges.join(",");
        const target =
            g.objectType === "database"
                ? `DATABASE ${quoteIdentifier(v.database)}`
                : g.objectType === "schema"
                  ? `SCHEMA ${quoteIdentifier(g.schema!)}`
                  : `ALL ${g.objectType.toUpperCase()}S IN SCHEMA ${quoteIdentifier(g.schema!)}`;
        statements.push(`GRANT ${privileges} ON ${target} TO ${role}`);
    }
    for (const d of plan.defaultPrivileges) {
        const inSchema = d.schema === undefined ? "" : ` IN SCHEMA ${quoteIdentifier(d.schema)}`;
        statements.push(
            `ALTER DEFAULT PRIVILEGES FOR ROLE ${quoteIdentifier(d.owner)}${inSchema} GRANT ${d.privileges.join(",")} ON ${d.objectType.toUpperCase()}S TO ${role}`,
        );
    }
    return statements;
}
