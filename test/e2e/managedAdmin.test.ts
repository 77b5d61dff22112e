/**
 * A non-superuser admin, as on RDS, Cloud SQL or Azure: LOGIN CREATEROLE, owner of the database
 * and its schemas, provider `superuser: false`. One table creator (`loader`) was created by the
 * admin, the other (`etl`) by someone else. The provider grants itself membership in each creator
 * to declare default privileges for it; PostgreSQL 16 made that need ADMIN OPTION on the role,
 * which CREATEROLE gives only over the roles the admin created, and the preflight says so.
 */
import { PostgresServer, startPostgres } from "../../scripts/lib/postgresServer";
import { catalogSnapshot, privilegesOf, traces } from "../harness/catalog";
import { as } from "../harness/sessions";
import { newTestStack, TestStack } from "../harness/stack";
import { CREATOR_PASSWORD, DATABASE } from "../harness/warehouse";
import { accessProgram, outputValues } from "./support/program";

jest.setTimeout(300_000);

const ADMIN = "adm";
const ADMIN_PASSWORD = "adm-Password-123";
const CREATORS = [ADMIN, "loader", "etl"];

/** The managed-service layout: the admin owns the database and schema `sales`, `etl` comes from elsewhere. */
async function seedManaged(server: PostgresServer): Promise<void> {
    await server.query(
        `CREATE ROLE ${ADMIN} LOGIN CREATEROLE PASSWORD '${ADMIN_PASSWORD}'; CREATE ROLE etl LOGIN PASSWORD '${CREATOR_PASSWORD}'`,
    );
    await server.query(`CREATE DATABASE ${DATABASE} OWNER ${ADMIN}`);
    await server.query(`CREATE ROLE loader LOGIN PASSWORD '${CREATOR_PASSWORD}'`, { user: ADMIN, password: ADMIN_PASSWORD });
    await server.query(
        `CREATE SCHEMA sales;
         GRANT USAGE, CREATE ON SCHEMA sales TO loader, etl;
         CREATE TABLE sales.orders (id serial PRIMARY KEY);`,
        { database: DATABASE, user: ADMIN, password: ADMIN_PASSWORD },
    );
}

function managedProgram(server: PostgresServer, passwordVersion = 1) {
    return accessProgram(server, {
        passwordVersion,
        schemas: ["sales"],
        tableCreators: CREATORS,
        admin: { host: server.host, port: server.port, username: ADMIN, password: ADMIN_PASSWORD, sslMode: "disable", superuser: false },
    });
}

const EXPECTED = [
    `database ${DATABASE} CONNECT`,
    "schema sales USAGE",
    "table sales.orders SELECT",
    "sequence sales.orders_id_seq SELECT",
    ...CREATORS.flatMap((c) => [`default ${c} sales table SELECT`, `default ${c} sales sequence SELECT`]),
].sort();

describe.each([15, 18] as const)("PostgreSQL %i: a non-superuser CREATEROLE admin", (major) => {
    let server: PostgresServer;
    let t: TestStack;
    beforeAll(async () => {
        server = await startPostgres(major);
        await seedManaged(server);
        t = await newTestStack(`managed-pg${major}`, managedProgram(server));
    });
    afterAll(() => {
        t?.dispose();
        server?.stop();
    });

    if (major < 16) {
        it("up succeeds for every creator, including one the admin did not create", async () => {
            await t.stack.up();
        });
    } else {
        it("preview and up fail at preflight on the creator the admin did not create, with the GRANT to run, and change nothing", async () => {
            const before = await catalogSnapshot(server, DATABASE);
            await expect(t.stack.preview()).rejects.toThrow('- tableCreators[2] "etl": the admin adm may not grant role etl to itself');
            await expect(t.stack.up()).rejects.toThrow('run GRANT "etl" TO "adm" WITH ADMIN OPTION');
            expect(await catalogSnapshot(server, DATABASE)).toEqual(before);
        });

        it("after GRANT etl TO adm WITH ADMIN OPTION (the README's fix), the next up completes", async () => {
            await server.query(`GRANT etl TO ${ADMIN} WITH ADMIN OPTION`);
            await t.stack.up();
        });
    }

    it("the role reads, holds exactly the expected privileges, and reads what each creator makes later", async () => {
        const password = (await outputValues(t.stack)).password as string;
        expect(await privilegesOf(server, DATABASE, "whaly_bi")).toEqual(EXPECTED);
        for (const creator of ["loader", "etl"])
            await server.query(`CREATE TABLE sales.${creator}_later (id int)`, {
                database: DATABASE,
                user: creator,
                password: CREATOR_PASSWORD,
            });
        await as(server, DATABASE, "whaly_bi", password, async (s) => {
            expect(await s.canSelect("sales.orders")).toBe(true);
            expect(await s.canSelect("sales.loader_later")).toBe(true);
            expect(await s.canSelect("sales.etl_later")).toBe(true);
            expect(await s.canInsert("sales.orders")).toBe(false);
        });
        await t.stack.preview({ expectNoChanges: true });
    });

    it("a password changed by hand is invisible to a non-superuser's refresh; bumping passwordVersion restores access", async () => {
        await server.query("ALTER ROLE whaly_bi PASSWORD 'changed-by-hand'");
        await t.stack.preview({ expectNoChanges: true, refresh: true });
        t.setProgram(managedProgram(server, 2));
        await t.stack.up();
        const password = (await outputValues(t.stack)).password as string;
        expect(await as(server, DATABASE, "whaly_bi", password, (s) => s.canSelect("sales.orders"))).toBe(true);
    });

    it("destroy as the non-superuser admin leaves nothing that mentions the role", async () => {
        await t.stack.destroy();
        expect(await traces(server, DATABASE, "whaly_bi")).toEqual([]);
    });
});
