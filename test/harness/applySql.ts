import { AccessStatements } from "../../components/plan/sql";
import { PostgresServer } from "../../scripts/lib/postgresServer";

/** Runs rendered statements as the admin, in one transaction inside `database` (the cluster-wide ones run from any database). */
export async function applyStatements(server: PostgresServer, database: string, statements: AccessStatements): Promise<void> {
    await server.query(["BEGIN", ...statements.cluster, ...statements.inDatabase, "COMMIT"].join(";\n"), { database });
}
