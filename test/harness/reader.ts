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
