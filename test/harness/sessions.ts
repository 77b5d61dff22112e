/**
 * Logging in as a role and trying things. A check answers false only when PostgreSQL refuses
 * for lack of privilege; any other failure (server down, wrong password) is thrown.
 */
import { Client, DatabaseError } from "pg";
import { PostgresServer } from "../../scripts/lib/postgresServer";

const INSUFFICIENT_PRIVILEGE = "42501";

export class Session {
    private constructor(private readonly client: Client) {}

    static async open(server: PostgresServer, database: string, user: string, password: string): Promise<Session> {
        const client = new Client({ host: server.host, port: server.port, database, user, password, connectionTimeoutMillis: 10_000 });
        await client.connect();
        return new Session(client);
    }

    async query<T = Record<string, unknown>>(sql: string): Promise<T[]> {
        return (await this.client.query(sql)).rows;
    }

    /** Runs `sql` in a transaction that is always rolled back; true if it was allowed. */
    async can(sql: string): Promise<boolean> {
        await this.client.query("BEGIN");
        try {
            await this.client.query(sql);
            return true;
        } catch (e) {
            if (e instanceof DatabaseError && e.code === INSUFFICIENT_PRIVILEGE) return false;
            throw e;
        } finally {
            await this.client.query("ROLLBACK");
        }
    }

    canSelect(relation: string) {
        return this.can(`SELECT * FROM ${relation} LIMIT 1`);
    }
    canInsert(table: string) {
        return this.can(`INSERT INTO ${table} DEFAULT VALUES`);
    }
    canUpdate(table: string) {
        return this.can(`UPDATE ${table} SET id = id`);
    }
    canDelete(table: string) {
        return this.can(`DELETE FROM ${table}`);
    }
    canTruncate(table: string) {
        return this.can(`TRUNCATE ${table}`);
    }
    canCreateTable(schema: string) {
        return this.can(`CREATE TABLE ${schema}.whaly_probe (id int)`);
    }
    canCreateSchema() {
        return this.can("CREATE SCHEMA whaly_probe");
    }
    canNextval(sequence: string) {
        return this.can(`SELECT nextval('${sequence}')`);
    }

    close(): Promise<void> {
        return this.client.end();
    }
}

/** Opens a session, runs `body`, closes it. */
export async function as<T>(
    server: PostgresServer,
    database: string,
    user: string,
    password: string,
    body: (s: Session) => Promise<T>,
): Promise<T> {
    const session = await Session.open(server, database, user, password);
    try {
        return await body(session);
    } finally {
        await session.close();
    }
}
