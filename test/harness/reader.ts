/**
 * Whaly as the rotation tests see it: a reader that queries without pause, both in one session
 * kept open and in a new session each time (Whaly reconnects), with the credentials it was given,
 * and counts what failed.
 */
import { PostgresServer } from "../../scripts/lib/postgresServer";
import { Session } from "./sessions";

export interface ReaderTotals {
    /** Queries in the session kept open, and in new sessions. */
    queries: { open: number; reconnecting: number };
    /** Each failure, as `open: message` or `reconnecting: message`. */
    failures: string[];
}

export interface Reader {
    stop(): Promise<ReaderTotals>;
}

export async function startReader(server: PostgresServer, database: string, user: string, password: string, sql: string): Promise<Reader> {
    const totals: ReaderTotals = { queries: { open: 0, reconnecting: 0 }, failures: [] };
    const open = await Session.open(server, database, user, password);
    let running = true;
    const loop = async (kind: "open" | "reconnecting") => {
        while (running) {
            totals.queries[kind]++;
            try {
                if (kind === "open") await open.query(sql);
                else {
                    const session = await Session.open(server, database, user, password);
                    await session.query(sql).finally(() => session.close());
                }
            } catch (e) {
                totals.failures.push(`${kind}: ${(e as Error).message}`);
            }
            await new Promise((resolve) => setTimeout(resolve, 10));
        }
    };
    const loops = [loop("open"), loop("reconnecting")];
    return {
        async stop() {
            running = false;
            await Promise.all(loops);
            await open.close().catch(() => undefined);
            return totals;
        },
    };
}

export interface CatalogReaderTotals {
    /** Passes done: the relations listed, then each selected. */
    listings: number;
    /** SELECTs that returned. */
    selects: number;
    /** SELECTs refused for lack of privilege (SQLSTATE 42501), as `relation: message`. */
    permissionErrors: string[];
    /** SELECTs of a relation or schema dropped between the listing and the SELECT (42P01, 3F000): races, not refusals. */
    missing: number;
    /** SELECTs of a view chosen as the victim of a deadlock with its concurrent DROP … CASCADE (40P01), which locks in the other order. */
    deadlocks: number;
    /** Any other failure, as `relation: SQLSTATE message`. */
    otherErrors: string[];
}

/**
 * Whaly browsing a warehouse that changes under it: in one session kept open, over and over, it
 * lists the relations `listSql` finds in the catalog at that moment (one column, `relation`,
 * qualified and quoted) and selects from each, until stopped. `passStartedAfterNow` resolves once
 * a whole pass begun after the call is done.
 */
export async function startCatalogReader(
    server: PostgresServer,
    database: string,
    user: string,
    password: string,
    listSql: string,
): Promise<{ passStartedAfterNow(): Promise<void>; stop(): Promise<CatalogReaderTotals> }> {
    const totals: CatalogReaderTotals = { listings: 0, selects: 0, permissionErrors: [], missing: 0, deadlocks: 0, otherErrors: [] };
    const session = await Session.open(server, database, user, password);
    let running = true;
    const loop = (async () => {
        while (running) {
            const relations = (await session.query<{ relation: string }>(listSql)).map((r) => r.relation);
            for (const relation of relations) {
                try {
                    await session.query(`SELECT * FROM ${relation} LIMIT 1`);
                    totals.selects++;
                } catch (e) {
                    const code = (e as { code?: string }).code;
                    if (code === "42501") totals.permissionErrors.push(`${relation}: ${(e as Error).message}`);
                    else if (code === "42P01" || code === "3F000") totals.missing++;
                    else if (code === "40P01") totals.deadlocks++;
                    else totals.otherErrors.push(`${relation}: ${code} ${(e as Error).message}`);
                }
            }
            totals.listings++;
            await new Promise((resolve) => setTimeout(resolve, 5));
        }
    })();
    return {
        async passStartedAfterNow() {
            // The pass under way ends first; the one after it began after the call.
            const target = totals.listings + 2;
            while (running && totals.listings < target) await new Promise((resolve) => setTimeout(resolve, 5));
        },
        async stop() {
            running = false;
            await loop;
            await session.close();
            return totals;
        },
    };
}
