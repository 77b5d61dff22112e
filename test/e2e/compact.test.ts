/**
 * The compact mode (defaultPrivilegesScope: "database"): one default-privileges resource per
 * creator and object type. Switching a live stack between the modes, in both directions, while
 * a creator keeps making tables, leaves no table unreadable: the engine creates the new default
 * privileges before it deletes the old ones.
 */
import { NEWEST_MAJOR, PostgresServer, startPostgres } from "../../scripts/lib/postgresServer";
import { DefaultPrivilegesScope } from "../../components/plan/grants";
import { privilegesOf, traces } from "../harness/catalog";
import { as, Session } from "../harness/sessions";
import { newTestStack, TestStack } from "../harness/stack";
import { CREATOR_PASSWORD, DATABASE, seedWarehouse } from "../harness/warehouse";
import { accessProgram, outputValues } from "./support/program";

jest.setTimeout(300_000);

const SCHEMAS = ["public", "sales"];
const CREATORS = ["etl", "dbt"];

describe(`PostgreSQL ${NEWEST_MAJOR}: the compact mode, and switching modes on a live stack`, () => {
    let server: PostgresServer;
    let t: TestStack;
    let password: string;
    let made = 0;

    const program = (scope: DefaultPrivilegesScope) =>
        accessProgram(server, { schemas: SCHEMAS, tableCreators: CREATORS, defaultPrivilegesScope: scope });

    /** Runs `up` while `etl` creates a table in `sales` every few milliseconds; returns the tables made. */
    async function upWhileCreating(): Promise<string[]> {
        const etl = await Session.open(server, DATABASE, "etl", CREATOR_PASSWORD);
        const tables: string[] = [];
        let deploying = true;
        const creating = (async () => {
            while (deploying) {
                const table = `sales.during_${++made}`;
                await etl.query(`CREATE TABLE ${table} (id int)`);
                tables.push(table);
                await new Promise((resolve) => setTimeout(resolve, 5));
            }
        })();
        try {
            await t.stack.up();
        } finally {
            deploying = false;
            await creating;
            await etl.close();
        }
        return tables;
    }

    async function unreadable(tables: string[]): Promise<string[]> {
        return as(server, DATABASE, "whaly_bi", password, async (s) => {
            const refused: string[] = [];
            for (const table of tables) if (!(await s.canSelect(table))) refused.push(table);
            return refused;
        });
    }

    const defaults = async () => (await privilegesOf(server, DATABASE, "whaly_bi")).filter((p) => p.startsWith("default "));

    beforeAll(async () => {
        server = await startPostgres(NEWEST_MAJOR);
        await seedWarehouse(server);
        await server.query("GRANT USAGE, CREATE ON SCHEMA secret TO etl", { database: DATABASE });
        t = await newTestStack("compact", program("schema"));
        await t.stack.up();
        password = (await outputValues(t.stack)).password as string;
    });
    afterAll(() => {
        t?.dispose();
        server?.stop();
    });

    it("switching to the compact mode creates 2 resources per creator, then deletes the per-schema ones, and no table made meanwhile is unreadable", async () => {
        t.setProgram(program("database"));
        const ops = await t.plannedOps();
        const created = CREATORS.flatMap((c) => [`whaly/default-tables/${c}`, `whaly/default-sequences/${c}`]);
        const deleted = CREATORS.flatMap((c) =>
            SCHEMAS.flatMap((s) => [`whaly/default-tables/${c}/${s}`, `whaly/default-sequences/${c}/${s}`]),
        );
        expect(ops).toEqual(new Map([...created.map((n) => [n, "create"] as const), ...deleted.map((n) => [n, "delete"] as const)]));
        const tables = await upWhileCreating();
        expect(tables.length).toBeGreaterThan(10);
        expect(await unreadable(tables)).toEqual([]);
        expect(await defaults()).toEqual(CREATORS.flatMap((c) => [`default ${c} * sequence SELECT`, `default ${c} * table SELECT`]).sort());
        await t.stack.preview({ expectNoChanges: true, refresh: true });
    });

    it("what differs: a creator's table in an unlisted schema gets an ACL entry for the role, and stays unreadable", async () => {
        await server.query("CREATE TABLE secret.etl_later (id int)", { database: DATABASE, user: "etl", password: CREATOR_PASSWORD });
        expect(await privilegesOf(server, DATABASE, "whaly_bi")).toContain("table secret.etl_later SELECT");
        expect(await as(server, DATABASE, "whaly_bi", password, (s) => s.canSelect("secret.etl_later"))).toBe(false);
    });

    it("switching back to per-schema default privileges leaves no table made meanwhile unreadable either", async () => {
        t.setProgram(program("schema"));
        const tables = await upWhileCreating();
        expect(tables.length).toBeGreaterThan(10);
        expect(await unreadable(tables)).toEqual([]);
        expect(await defaults()).toEqual(
            CREATORS.flatMap((c) => SCHEMAS.flatMap((s) => [`default ${c} ${s} sequence SELECT`, `default ${c} ${s} table SELECT`])).sort(),
        );
    });

    it("destroy leaves nothing that mentions the role", async () => {
        await t.stack.destroy();
        expect(await traces(server, DATABASE, "whaly_bi")).toEqual([]);
    });
});
