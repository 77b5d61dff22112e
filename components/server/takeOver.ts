/**
 * Runs, at `up`, the statements an adoption calls for (plan/adoption.ts), in a step of its own that
 * every child of the component follows, with the connection the checks used: first what the plan holds and the role lacks, in
 * one transaction, then the removals, in another. Two, because a concurrent session may look up one
 * catalog (a schema's ACL) before a commit and another (the role's memberships) after it: had the
 * grants and the removals one commit, such a session could see neither the old way to read nor the
 * new one. A statement runs as the role it names (SET ROLE): a grantor revoking its grant, an owner
 * granting on its object; the rest as the admin.
 */
import { Adoption, TakeOverStatement } from "../plan/adoption";
import { ConnectionError, connect, ResolvedSettings, SettingNames } from "../connect/libpq";
import { quoteIdentifier } from "../plan/sql";
import { retryDelayMs } from "./retry";

/** Where the take-over connects: the checks' connection to the component's database. */
export interface TakeOverConnection {
    settings: ResolvedSettings;
    names: SettingNames;
}

/** A take-over that failed: the statement, and how many transactions were committed before it. */
export class TakeOverError extends Error {
    constructor(
        message: string,
        readonly committed: number,
    ) {
        super(message);
    }
}

/**
 * Runs each non-empty batch of `batches` in order, each in one transaction; a batch PostgreSQL
 * refuses for a concurrent change (another stack granting at that moment) runs again, as the
 * children's steps do (retry.ts). Throws a TakeOverError, that batch rolled back, when a statement fails.
 */
export async function takeOver(connection: TakeOverConnection, batches: TakeOverStatement[][]): Promise<void> {
    const todo = batches.filter((batch) => batch.length > 0);
    if (todo.length === 0) return;
    const session = await connect(connection.settings, connection.names);
    let current: string | undefined;
    let running = "";
    let committed = 0;
    const run = async (sql: string) => {
        running = sql;
        await session.query(sql);
    };
    try {
        for (const batch of todo)
            for (const errors: string[] = []; ;) {
                try {
                    await run("BEGIN");
                    for (const statement of batch) {
                        if (statement.as !== current) {
                            await run(statement.as === undefined ? "RESET ROLE" : `SET ROLE ${quoteIdentifier(statement.as)}`);
                            current = statement.as;
                        }
                        await run(statement.sql);
                    }
                    await run("COMMIT");
                    committed++;
                    break;
                } catch (e) {
                    const delay = retryDelayMs([(e as Error).message, ...errors]);
                    if (delay === undefined) throw e;
                    errors.unshift((e as Error).message);
                    // The rollback undoes the batch's SET ROLE too: start it again as the admin.
                    await session.query("ROLLBACK");
                    await session.query("RESET ROLE");
                    current = undefined;
                    await new Promise((resolve) => setTimeout(resolve, delay));
                }
            }
    } catch (e) {
        await session.query("ROLLBACK").catch(() => undefined);
        const message = e instanceof ConnectionError ? e.message : (e as Error).message;
        throw new TakeOverError(`${running}${current === undefined ? "" : ` (as ${current})`} failed: ${message}`, committed);
    } finally {
        await session.end();
    }
}

/**
 * The take-over of an adoption, as the step that runs it calls it, before the role is imported:
 * a role that does not exist yet is created bare (NOLOGIN; the import then reads it and the
 * role's own step gives it what the plan says); one that exists is made to match the plan, the
 * grants first, then the removals, throwing an error that says which of them took effect when
 * one fails (the step then fails, and no child that depends on it runs).
 */
export async function runTakeOver(
    roleName: string,
    exists: boolean,
    adoption: Adoption | undefined,
    connection: TakeOverConnection | undefined,
): Promise<void> {
    if (!connection) throw new Error(`adoptRole: the take-over of role ${roleName} cannot run: the server checks did not connect`);
    if (!exists) {
        await takeOver(connection, [[{ sql: `CREATE ROLE ${quoteIdentifier(roleName)} NOLOGIN` }]]).catch((e: Error) => {
            throw new Error(`adoptRole: role ${roleName} does not exist, and creating it to adopt it failed: ${e.message}`);
        });
        return;
    }
    if (!adoption || adoption.grants.length + adoption.removals.length === 0) return;
    try {
        await takeOver(connection, [adoption.grants, adoption.removals]);
    } catch (e) {
        const done =
            e instanceof TakeOverError && e.committed > 0 && adoption.grants.length > 0
                ? "granted what the plan holds and the role lacked, and removed nothing"
                : "changed nothing";
        throw new Error(`adoptRole: the take-over of role ${roleName} ${done}: ${(e as Error).message}`);
    }
}
