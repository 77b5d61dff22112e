/**
 * Runs, at `up`, the statements an adoption calls for (adoption.ts), before the component declares
 * any child: in one transaction, so that a failure changes nothing, with the connection the checks
 * used. A privilege is revoked as the role that granted it (SET ROLE), the rest as the admin.
 */
import * as pulumi from "@pulumi/pulumi";
import { Adoption, TakeOverStatement } from "./adoption";
import { valueOf } from "./dependencies";
import { ConnectionError, connect, ResolvedSettings, SettingNames } from "./libpq";
import { quoteIdentifier } from "./sql";

/** Where the take-over connects: the checks' connection to the component's database. */
export interface TakeOverConnection {
    settings: ResolvedSettings;
    names: SettingNames;
}

/** Runs `statements` in order, in one transaction; throws (the transaction rolled back) when one fails. */
export async function takeOver(connection: TakeOverConnection, statements: TakeOverStatement[]): Promise<void> {
    if (statements.length === 0) return;
    const session = await connect(connection.settings, connection.names);
    let current: string | undefined;
    let running = "BEGIN";
    try {
        await session.query(running);
        for (const statement of statements) {
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
    } catch (e) {
        await session.query("ROLLBACK").catch(() => undefined);
        const message = e instanceof ConnectionError ? e.message : (e as Error).message;
        throw new Error(`${running}${current === undefined ? "" : ` (as ${current})`} failed: ${message}`);
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
    if (pulumi.runtime.isDryRun() || !adoption || !connection || adoption.statements.length === 0) return true;
    // At up, a resource's ID is known once the engine created it.
    await Promise.all(after.map((resource) => valueOf(resource.id)));
    try {
        await takeOver(connection, adoption.statements);
        return true;
    } catch (e) {
        pulumi.log.error(`adoptRole: the take-over of role ${roleName} changed nothing: ${(e as Error).message}`, component);
        return false;
    }
}
