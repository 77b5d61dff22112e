/**
 * Statements of the take-over for holdings whose names PostgreSQL writes oddly: EXECUTE on an
 * ordered-set aggregate (its identity arguments read `double precision ORDER BY anyelement`, which
 * REVOKE does not take: the argument types are written instead), and a role setting whose custom
 * name holds a blank (PostgreSQL 12 and 13 take any name: RESET quotes it). Each is taken away by
 * the up, through the real CLI.
 */
import { PostgresServer, startPostgres } from "../../scripts/lib/postgresServer";
import { newTestStack, TestStack } from "../harness/stack";
import { DATABASE, seedWarehouse } from "../harness/warehouse";
import { accessProgram } from "./support/program";

jest.setTimeout(300_000);

const PASSWORD = "hand-made-Password-42";

describe("PostgreSQL 12: adopting a role with holdings the take-over writes wrongly", () => {
    let server: PostgresServer;
    beforeAll(async () => {
        server = await startPostgres(12);
        await seedWarehouse(server);
        await server.query("REVOKE CREATE ON SCHEMA public FROM PUBLIC", { database: DATABASE });
    });
    afterAll(() => server?.stop());

    /** `left` counts what is left of the holding after the up. */
    const cases: Array<{ id: string; sql: string[]; left: string }> = [
        {
            id: "aggregate",
            sql: ["GRANT EXECUTE ON FUNCTION pg_catalog.percentile_disc(double precision, anyelement) TO whaly_bi"],
            left: "SELECT count(*)::int AS n FROM pg_proc p CROSS JOIN aclexplode(p.proacl) a WHERE a.grantee = 'whaly_bi'::regrole",
        },
        {
            id: "setting",
            sql: [`ALTER ROLE whaly_bi SET "review.odd name" = '1'`],
            left: "SELECT count(*)::int AS n FROM pg_db_role_setting s, unnest(s.setconfig) c WHERE s.setrole = 'whaly_bi'::regrole AND c LIKE 'review.%'",
        },
    ];
    for (const c of cases)
        it(`${c.id}: the up takes it away`, async () => {
            for (const sql of [`CREATE ROLE whaly_bi LOGIN PASSWORD '${PASSWORD}'`, ...c.sql])
                await server.query(sql, { database: DATABASE });
            const t: TestStack = await newTestStack(
                `adoption-statements-${c.id}`,
                accessProgram(server, { schemas: ["sales"], adoptRole: true }),
            );
            try {
                let output = "";
                const outcome = await t.stack.up({ onOutput: (line) => (output += line) }).then(
                    () => "succeeded",
                    () => "failed",
                );
                const syntaxError = /adoptRole: the take-over .*syntax error[^\n]*/.exec(output)?.[0];
                const [{ n: left }] = await server.query<{ n: number }>(c.left, { database: DATABASE });
                expect({ outcome, syntaxError, left }).toEqual({ outcome: "succeeded", syntaxError: undefined, left: 0 });
            } finally {
                await t.stack.destroy().catch(() => undefined);
                t.dispose();
                await server.query("DROP OWNED BY whaly_bi; DROP ROLE IF EXISTS whaly_bi", { database: DATABASE }).catch(() => undefined);
            }
        });
});
