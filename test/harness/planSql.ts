/**
 * The SQL each planned resource corresponds to (the README's table), for checking the plan's
 * privilege model on real servers without Pulumi, and as the floor of the benchmark: the same
 * privileges applied as plain SQL.
 */
import { AccessPlan } from "../../components/plan";

export const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

const GRANT_TARGET: Record<string, (schema: string, database: string) => string> = {
    database: (_schema, database) => `DATABASE ${ident(database)}`,
    schema: (schema) => `SCHEMA ${ident(schema)}`,
    table: (schema) => `ALL TABLES IN SCHEMA ${ident(schema)}`,
    sequence: (schema) => `ALL SEQUENCES IN SCHEMA ${ident(schema)}`,
};

/** Statements creating the role and granting what `plan` declares, in the order the engine may run them. */
export function planSql(plan: AccessPlan, role: string, database: string, password: string): string[] {
    const r = ident(role);
    return [
        `CREATE ROLE ${r} LOGIN PASSWORD ${literal(password)} CONNECTION LIMIT 10 NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS`,
        `ALTER ROLE ${r} SET statement_timeout = 600000`,
        `ALTER ROLE ${r} SET idle_in_transaction_session_timeout = 60000`,
        ...plan.grants.map((g) => `GRANT ${g.privileges.join(", ")} ON ${GRANT_TARGET[g.objectType](g.schema ?? "", database)} TO ${r}`),
        ...plan.defaultPrivileges.map(
            (d) =>
                `ALTER DEFAULT PRIVILEGES FOR ROLE ${ident(d.owner)} IN SCHEMA ${ident(d.schema)} GRANT ${d.privileges.join(", ")} ON ${d.objectType === "table" ? "TABLES" : "SEQUENCES"} TO ${r}`,
        ),
    ];
}

/** What deleting the role runs (in the target database): its privileges and default privileges go with it. */
export function dropRoleSql(role: string): string[] {
    const r = ident(role);
    return [`REASSIGN OWNED BY ${r} TO CURRENT_USER`, `DROP OWNED BY ${r}`, `DROP ROLE ${r}`];
}
