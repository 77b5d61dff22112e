/**
 * Two stacks granting on one database at once: each with its own component and role, over the
 * same schemas and table creators, so that their grants change the same ACLs (the database's, each
 * schema's, each table's and sequence's, and each creator's default privileges) at the same moment.
 * PostgreSQL refuses such a change with "tuple concurrently updated" (upstream
 * terraform-provider-postgresql #178), which the component's children retry. Each round runs
 * `up` on both stacks at once, then `destroy --run-program` on both at once (the hooks that retry
 * are the program's: a destroy without it has none; WHALY_TWO_STACKS_ROUNDS rounds,
 * 20 by default): no operation fails, both roles log in with exactly their grants after `up`, and
 * nothing of either is left after `destroy`.
 */
import { EngineEvent } from "@pulumi/pulumi/automation";
import { NEWEST_MAJOR, PostgresServer, startPostgres } from "../../scripts/lib/postgresServer";
import { privilegesOf, traces } from "../harness/catalog";
import { as } from "../harness/sessions";
import { newTestStack, TestStack } from "../harness/stack";
import { DATABASE, expectedPrivileges, seedWarehouse } from "../harness/warehouse";
import { accessProgram } from "./support/program";

const ROUNDS = Number(process.env.WHALY_TWO_STACKS_ROUNDS ?? 20);

jest.setTimeout(600_000);

const ROLES = ["whaly_bi", "whaly_bi_staging"];
const CREATORS = ["etl", "dbt"];
/** Schemas beside the warehouse's, each with two tables and their serial sequences. */
const MARTS = ["marketing", "finance", "ops", "product"];

/** What each role holds after `up`, written out by hand. */
function expectedGrants(): string[] {
    const marts = MARTS.flatMap((mart) => [
        `schema ${mart} USAGE`,
        `table ${mart}.facts SELECT`,
        `table ${mart}.dims SELECT`,
        `sequence ${mart}.facts_id_seq SELECT`,
        `sequence ${mart}.dims_id_seq SELECT`,
        ...CREATORS.flatMap((creator) => [`default ${creator} ${mart} table SELECT`, `default ${creator} ${mart} sequence SELECT`]),
    ]);
    return [...expectedPrivileges(["public", "sales"], CREATORS), ...marts].sort();
}

/** What PostgreSQL says when another session changes the same privileges at that moment. */
const CONCURRENT = /tuple concurrently updated|deadlock detected|could not serialize access/;
/** How the provider signs what it reports. */
const PROVIDER = /provider=postgresql@/;
/** The engine's warning when an onError hook has a failed step run again. */
const RETRY = /^retrying \w+ due to on-error hook request/;

/** What one operation did, from its engine events. */
interface Tally {
    /** Resource steps that changed something (create, update, delete, replace). */
    steps: number;
    failedSteps: number;
    /** Steps run again at an onError hook's request. */
    retries: number;
    /** Failed attempts at a step that PostgreSQL refused as a concurrent change, by what it said (each one retried, or failing its step). */
    concurrent: Record<string, number>;
    /** The error diagnostics, to say why when the operation failed. */
    errors: string[];
}

function tallyOf(events: EngineEvent[]): Tally {
    const tally: Tally = { steps: 0, failedSteps: 0, retries: 0, concurrent: {}, errors: [] };
    for (const event of events) {
        const op = event.resOutputsEvent?.metadata.op;
        if (op && op !== "same") tally.steps++;
        if (event.resOpFailedEvent) tally.failedSteps++;
        const diagnostic = event.diagnosticEvent;
        if (!diagnostic) continue;
        if (diagnostic.severity === "warning" && RETRY.test(diagnostic.message)) tally.retries++;
        if (diagnostic.severity !== "error") continue;
        tally.errors.push(`${diagnostic.urn ?? ""}: ${diagnostic.message.trim()}`);
        // The provider reports each failed attempt once; a step that fails for good is reported again by the engine.
        const concurrent = PROVIDER.test(diagnostic.message) && CONCURRENT.exec(diagnostic.message)?.[0];
        if (concurrent) tally.concurrent[concurrent] = (tally.concurrent[concurrent] ?? 0) + 1;
    }
    return tally;
}

describe(`PostgreSQL ${NEWEST_MAJOR}: two stacks granting on one database at once`, () => {
    let server: PostgresServer;
    const stacks: TestStack[] = [];
    const totals = {
        rounds: 0,
        operations: 0,
        failedOperations: 0,
        steps: 0,
        failedSteps: 0,
        retries: 0,
        concurrent: {} as Record<string, number>,
    };

    /** Runs `operation` on both stacks at once; the errors of those that failed. */
    async function onBoth(operation: "up" | "destroy"): Promise<string[][]> {
        const outcomes = await Promise.all(
            stacks.map(async ({ stack }) => {
                const events: EngineEvent[] = [];
                const onEvent = (event: EngineEvent) => void events.push(event);
                const failed = await (operation === "up" ? stack.up({ onEvent }) : stack.destroy({ onEvent, runProgram: true })).then(
                    () => false,
                    () => true,
                );
                return { failed, tally: tallyOf(events) };
            }),
        );
        for (const { failed, tally } of outcomes) {
            totals.operations++;
            totals.failedOperations += failed ? 1 : 0;
            totals.steps += tally.steps;
            totals.failedSteps += tally.failedSteps;
            totals.retries += tally.retries;
            for (const [said, n] of Object.entries(tally.concurrent)) totals.concurrent[said] = (totals.concurrent[said] ?? 0) + n;
        }
        return outcomes.filter((o) => o.failed).map((o) => [`${operation} failed`, ...o.tally.errors]);
    }

    /** Each role's privileges, and whether it logs in with its stack's password and reads a listed table. */
    function granted() {
        return Promise.all(
            stacks.map(async ({ stack }, i) => {
                const privileges = await privilegesOf(server, DATABASE, ROLES[i]);
                const password = (await stack.outputs()).password?.value as string | undefined;
                const reads = await as(server, DATABASE, ROLES[i], password ?? "", (s) => s.canSelect("finance.facts")).catch(
                    (e: Error) => e.message,
                );
                return { privileges, reads };
            }),
        );
    }

    beforeAll(async () => {
        server = await startPostgres(NEWEST_MAJOR);
        await seedWarehouse(server);
        const grantees = CREATORS.map((c) => `"${c}"`).join(", ");
        await server.query(
            MARTS.map(
                (mart) =>
                    `CREATE SCHEMA ${mart};
                     GRANT USAGE, CREATE ON SCHEMA ${mart} TO ${grantees};
                     CREATE TABLE ${mart}.facts (id serial PRIMARY KEY, amount int);
                     CREATE TABLE ${mart}.dims (id serial PRIMARY KEY, label text);`,
            ).join("\n"),
            { database: DATABASE },
        );
        for (const roleName of ROLES)
            stacks.push(
                await newTestStack(
                    roleName.replace(/_/g, "-"),
                    accessProgram(server, { roleName, schemas: ["public", "sales", ...MARTS], tableCreators: CREATORS }),
                ),
            );
    });
    afterAll(() => {
        console.log(`PostgreSQL ${NEWEST_MAJOR}, two stacks at once: ${JSON.stringify(totals)}`);
        for (const t of stacks) t.dispose();
        server?.stop();
    });

    it.each(Array.from({ length: ROUNDS }, (_, i) => i + 1))(
        "round %i: up on both at once, then destroy on both at once: no operation fails, each role exactly granted, then gone",
        async () => {
            totals.rounds++;
            const upFailures = await onBoth("up");
            const afterUp = await granted();
            const destroyFailures = await onBoth("destroy");
            const left = await Promise.all(ROLES.map((role) => traces(server, DATABASE, role)));
            expect({ failures: [...upFailures, ...destroyFailures], afterUp, left }).toEqual({
                failures: [],
                afterUp: ROLES.map(() => ({ privileges: expectedGrants(), reads: true })),
                left: ROLES.map(() => []),
            });
        },
    );
});
