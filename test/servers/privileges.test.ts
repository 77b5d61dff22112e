/**
 * The plan's privilege model on every supported major, without Pulumi: the SQL the component
 * renders (renderAccessStatements, what each planned resource runs), applied by the admin in one transaction, then checked by logging in
 * as the BI role and by reading the catalog. The end-to-end suite (test/e2e) checks the same
 * through the real CLI and provider.
 */
import { randomBytes } from "node:crypto";
import { scramVerifier } from "../../components/plan/scram";
import { privilegesOf, roleAttributes, traces } from "../harness/catalog";
import { renderAccessStatements } from "../../components/plan/sql";
import { applyStatements } from "../harness/applySql";
import { dropRoleSql } from "../harness/dropRole";
import { POSTGRES_MAJORS, PostgresServer, startPostgres } from "../../scripts/lib/postgresServer";
import { as } from "../harness/sessions";
import {
    accessReport,
    createLaterObjects,
    CREATOR_PASSWORD,
    DATABASE,
    expectedPrivileges,
    LATER_OBJECTS_ACCESS,
    laterObjectsReadable,
    READ_ONLY_ACCESS,
    seedWarehouse,
} from "../harness/warehouse";

jest.setTimeout(120_000);

const PASSWORD = "bi-Password-0123456789";
// As the component does: the role gets the SCRAM verifier, never the password.
const VERIFIER = scramVerifier(PASSWORD, randomBytes(16));

describe.each(POSTGRES_MAJORS)("PostgreSQL %i: the planned grants", (major) => {
    let server: PostgresServer;

    beforeAll(async () => {
        server = await startPostgres(major);
        await seedWarehouse(server);
        const sql = renderAccessStatements(
            { database: DATABASE, schemas: ["public", "sales"], tableCreators: ["etl", "dbt"] },
            { password: VERIFIER },
        );
        await applyStatements(server, DATABASE, sql);
    });
    afterAll(() => server?.stop());

    it("let the BI role log in with its password only, its SCRAM verifier stored as given", async () => {
        expect(await as(server, DATABASE, "whaly_bi", PASSWORD, (s) => s.query("SELECT current_user AS u"))).toEqual([{ u: "whaly_bi" }]);
        await expect(as(server, DATABASE, "whaly_bi", "wrong-password", async () => undefined)).rejects.toThrow(
            /password authentication failed/,
        );
        expect(await server.query("SELECT rolpassword FROM pg_authid WHERE rolname = 'whaly_bi'")).toEqual([{ rolpassword: VERIFIER }]);
    });

    it("let it read tables, views, materialized views and sequences of the listed schemas, and nothing more", async () => {
        expect(await as(server, DATABASE, "whaly_bi", PASSWORD, accessReport)).toEqual({
            ...READ_ONLY_ACCESS,
            // Before 15, PUBLIC (so every role) may create in schema public: see README, "Limits".
            "create table in public": major < 15,
        });
    });

    it("are exactly the expected privileges in the catalog", async () => {
        expect(await privilegesOf(server, DATABASE, "whaly_bi")).toEqual(expectedPrivileges(["public", "sales"], ["etl", "dbt"]));
    });

    it("give the role no attribute beyond LOGIN, no membership, and the documented limits", async () => {
        expect(await roleAttributes(server, "whaly_bi")).toEqual({
            rolsuper: false,
            rolcreatedb: false,
            rolcreaterole: false,
            rolreplication: false,
            rolbypassrls: false,
            rolcanlogin: true,
            rolconnlimit: 10,
            rolconfig: ["statement_timeout=600000", "idle_in_transaction_session_timeout=60000"],
            member_of: [],
        });
    });

    it("leave row-level security in force for the role", async () => {
        await server.query(
            `CREATE TABLE sales.regions (id int, region text);
             INSERT INTO sales.regions VALUES (1, 'emea'), (2, 'apac');
             ALTER TABLE sales.regions ENABLE ROW LEVEL SECURITY;
             CREATE POLICY emea_only ON sales.regions FOR SELECT USING (region = 'emea');
             GRANT SELECT ON sales.regions TO whaly_bi;`,
            { database: DATABASE },
        );
        expect(
            await as(server, DATABASE, "whaly_bi", PASSWORD, (s) => s.query("SELECT id, region FROM sales.regions ORDER BY id")),
        ).toEqual([{ id: 1, region: "emea" }]);
    });

    it("cover tables and sequences that listed creators make later, and not an unlisted creator's", async () => {
        await createLaterObjects(server, ["etl", "dbt", "intruder"]);
        expect(await as(server, DATABASE, "whaly_bi", PASSWORD, (s) => laterObjectsReadable(s, ["etl", "dbt", "intruder"]))).toEqual(
            LATER_OBJECTS_ACCESS,
        );
    });

    it("leave nothing behind once the role is dropped", async () => {
        await server.query(dropRoleSql("whaly_bi").join(";\n"), { database: DATABASE });
        expect(await traces(server, DATABASE, "whaly_bi")).toEqual([]);
        expect(await traces(server, "postgres", "whaly_bi")).toEqual([]);
    });
});

describe.each(POSTGRES_MAJORS)("PostgreSQL %i: the compact mode's database-wide default privileges", (major) => {
    let server: PostgresServer;

    beforeAll(async () => {
        server = await startPostgres(major);
        await seedWarehouse(server);
        await server.query("GRANT USAGE, CREATE ON SCHEMA secret TO etl", { database: DATABASE });
        const sql = renderAccessStatements(
            { database: DATABASE, schemas: ["public", "sales"], tableCreators: ["etl", "dbt"], defaultPrivilegesScope: "database" },
            { password: VERIFIER },
        );
        await applyStatements(server, DATABASE, sql);
    });
    afterAll(() => server?.stop());

    it("hold one default ACL entry per creator and object type, for every schema", async () => {
        const defaults = (await privilegesOf(server, DATABASE, "whaly_bi")).filter((p) => p.startsWith("default "));
        expect(defaults).toEqual([
            "default dbt * sequence SELECT",
            "default dbt * table SELECT",
            "default etl * sequence SELECT",
            "default etl * table SELECT",
        ]);
    });

    it("make what listed creators create later in listed schemas readable, as the per-schema mode does", async () => {
        await createLaterObjects(server, ["etl", "dbt", "intruder"]);
        expect(await as(server, DATABASE, "whaly_bi", PASSWORD, (s) => laterObjectsReadable(s, ["etl", "dbt", "intruder"]))).toEqual(
            LATER_OBJECTS_ACCESS,
        );
    });

    it("differ in one way: a creator's table in an unlisted schema gets an ACL entry, still unreadable without USAGE", async () => {
        await server.query("CREATE TABLE secret.etl_later (id int)", { database: DATABASE, user: "etl", password: CREATOR_PASSWORD });
        expect(await privilegesOf(server, DATABASE, "whaly_bi")).toContain("table secret.etl_later SELECT");
        await expect(as(server, DATABASE, "whaly_bi", PASSWORD, (s) => s.canSelect("secret.etl_later"))).resolves.toBe(false);
    });
});

describe.each(POSTGRES_MAJORS)("PostgreSQL %i: futureSchemas' default privileges on schemas", (major) => {
    let server: PostgresServer;
    const asCreator = (creator: string, sql: string) =>
        server.query(sql, { database: DATABASE, user: creator, password: CREATOR_PASSWORD });
    const onFresh = async () => (await privilegesOf(server, DATABASE, "whaly_bi")).filter((p) => p.includes("etl_fresh"));

    beforeAll(async () => {
        server = await startPostgres(major);
        await seedWarehouse(server);
        await server.query(`GRANT CREATE ON DATABASE ${DATABASE} TO etl, dbt, intruder`);
        const sql = renderAccessStatements(
            { database: DATABASE, schemas: ["public", "sales"], tableCreators: ["etl", "dbt"], futureSchemas: true },
            { password: VERIFIER },
        );
        await applyStatements(server, DATABASE, sql);
    });
    afterAll(() => server?.stop());

    it("hold, per creator, database-wide USAGE on its schemas and SELECT on its tables and sequences", async () => {
        const defaults = (await privilegesOf(server, DATABASE, "whaly_bi")).filter((p) => p.startsWith("default "));
        expect(defaults).toEqual([
            "default dbt * schema USAGE",
            "default dbt * sequence SELECT",
            "default dbt * table SELECT",
            "default etl * schema USAGE",
            "default etl * sequence SELECT",
            "default etl * table SELECT",
        ]);
    });

    it("give a creator's new schema USAGE and its tables, views, materialized views and sequences SELECT, and nothing more", async () => {
        await asCreator(
            "etl",
            `CREATE SCHEMA etl_fresh; CREATE TABLE etl_fresh.t (id serial); CREATE VIEW etl_fresh.v AS SELECT id FROM etl_fresh.t;
             CREATE MATERIALIZED VIEW etl_fresh.m AS SELECT id FROM etl_fresh.t; CREATE SEQUENCE etl_fresh.s`,
        );
        expect(await onFresh()).toEqual([
            "materialized view etl_fresh.m SELECT",
            "schema etl_fresh USAGE",
            "sequence etl_fresh.s SELECT",
            "sequence etl_fresh.t_id_seq SELECT",
            "table etl_fresh.t SELECT",
            "view etl_fresh.v SELECT",
        ]);
        expect(
            await as(server, DATABASE, "whaly_bi", PASSWORD, async (s) => [
                await s.canSelect("etl_fresh.t"),
                await s.canSelect("etl_fresh.v"),
                await s.canSelect("etl_fresh.m"),
                await s.canSelect("etl_fresh.s"),
                await s.canNextval("etl_fresh.s"),
                await s.canInsert("etl_fresh.t"),
                await s.canCreateTable("etl_fresh"),
            ]),
        ).toEqual([true, true, true, true, false, false, false]);
    });

    it("give the schema again when its creator drops it with CASCADE and creates it anew", async () => {
        await asCreator("etl", "DROP SCHEMA etl_fresh CASCADE; CREATE SCHEMA etl_fresh; CREATE TABLE etl_fresh.t2 AS SELECT 1 AS id");
        expect(await onFresh()).toEqual(["schema etl_fresh USAGE", "table etl_fresh.t2 SELECT"]);
        expect(await as(server, DATABASE, "whaly_bi", PASSWORD, (s) => s.query("SELECT id FROM etl_fresh.t2"))).toEqual([{ id: 1 }]);
    });

    it("leave closed the schema of a role that is not a creator, and a creator's table in it", async () => {
        await asCreator("intruder", "CREATE SCHEMA intruder_fresh; GRANT USAGE, CREATE ON SCHEMA intruder_fresh TO etl");
        await asCreator("etl", "CREATE TABLE intruder_fresh.t (id int)");
        expect(await privilegesOf(server, DATABASE, "whaly_bi")).not.toContain("schema intruder_fresh USAGE");
        await expect(as(server, DATABASE, "whaly_bi", PASSWORD, (s) => s.canSelect("intruder_fresh.t"))).resolves.toBe(false);
    });

    it("leave nothing behind once the role is dropped, in the new schemas either", async () => {
        await server.query(dropRoleSql("whaly_bi").join(";\n"), { database: DATABASE });
        expect(await traces(server, DATABASE, "whaly_bi")).toEqual([]);
    });
});
