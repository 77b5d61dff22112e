/**
 * Runs, at `up`, the statements an adoption calls for (plan/adoption.ts), before the component declares
 * any child, with the connection the checks used: first what the plan holds and the role lacks, in
 * one transaction, then the removals, in another. Two, because a concurrent session may look up one
 * catalog (a schema's ACL) before a commit and another (the role's memberships) after it: had the
 * grants and the removals one commit, such a session could see neither the old way to read nor the
 * new one. A statement runs as the role it names (SET ROLE): a grantor revoking its grant, an owner
 * granting on its object; the rest as the admin.
 */
import * as pulumi from "@pulumi/pulumi";
import { Adoption, TakeOverStatement } from "../plan/adoption";
import { valueOf } from "./dependencies";
import { ConnectionError, connect, ResolvedSettings, SettingNames } from "../connect/libpq";
import { quoteIdentifier } from "../plan/sql";

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

/** Runs each non-empty batch of `batches` in order, each in one transaction; throws a TakeOverError, that batch rolled back, when a statement fails. */
export async function takeOver(connection: TakeOverConnection, batches: TakeOverStatement[][]): Promise<void> {
    const todo = batches.filter((batch) => batch.length > 0);
    if (todo.length === 0) return;
    const session = await connect(connection.settings, connection.names);
    let current: string | undefined;
    let running = "";
    let committed = 0;
    try {
        for (const batch of todo) {
            running = "BEGIN";
            await session.query(running);
            for (const statement of batch) {
                if (statement.as !== current) {
                    running = statement.as === undefined ? "RESET ROLE" : `SET ROLE ${quoteIdentifier(statement.as)}`;
                    await session.query(running);
                    current = statement.as;
                }
                running = statement.sql;
                await session.query(running);
            }
            running = "COMMIT";
            await session.query(running);
            committed++;
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
 * At `up`, runs the take-over of an adoption the verdict carries, once the children of the
 * component before it on this database exist (its turn: PostgreSQL refuses concurrent changes to
 * one object's privileges); an error is logged through the engine (failing the deployment) and
 * nothing is declared. At preview, does nothing.
 */
export async function takeOverAtUp(
    component: pulumi.Resource,
    roleName: string,
    adoption: Adoption | undefined,
    connection: TakeOverConnection | undefined,
    after: pulumi.CustomResource[],
): Promise<boolean> {
    if (pulumi.runtime.isDryRun() || !adoption || !connection || adoption.grants.length + adoption.removals.length === 0) return true;
    // At up, a resource's ID is known once the engine created it.
    await Promise.all(after.map((resource) => valueOf(resource.id)));
    try {
        await takeOver(connection, [adoption.grants, adoption.removals]);
        return true;
    } catch (e) {
        const done =
            e instanceof TakeOverError && e.committed > 0 && adoption.grants.length > 0
                ? "granted what the plan holds and the role lacked, and removed nothing"
                : "changed nothing";
        pulumi.log.error(`adoptRole: the take-over of role ${roleName} ${done}: ${(e as Error).message}`, component);
        return false;
    }
}
