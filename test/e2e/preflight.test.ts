/**
 * What only the server knows, caught at preview, whoever gives the component its connection:
 * `admin`, the program's provider in opts, or the default provider from stack config. Each fault
 * fails `preview` and `up` with one error naming the field, the value and the fix, never a secret,
 * and leaves the server and the stack's state exactly as they were; a forgotten table creator is
 * a warning (an error with strictTableCreators), and discoverTableCreators covers it.
 */
import { ConfigMap } from "@pulumi/pulumi/automation";
import { NEWEST_MAJOR, PostgresServer, startPostgres } from "../../scripts/lib/postgresServer";
import { WhalyPostgresAccessArgs } from "../../index";
import { catalogSnapshot, privilegesOf, traces } from "../harness/catalog";
import { newTestStack, TestStack } from "../harness/stack";
import { CREATOR_PASSWORD, DATABASE, expectedPrivileges, seedWarehouse } from "../harness/warehouse";
import { CONNECTION_SOURCES, ConnectionSource, Credentials, failureOf, programFrom } from "./support/program";

jest.setTimeout(300_000);

const unlisted = (role: string, schema: string, objects: number) =>
    `role ${role} may create tables in schema ${schema} and owns ${objects} relation${objects === 1 ? "" : "s"} there, but is not in tableCreators`;

/** A stack whose program gives the component its connection through `source`, with `args`. */
async function stackFrom(
    name: string,
    source: ConnectionSource,
    server: PostgresServer,
    credentials?: Credentials,
): Promise<TestStack & { use(args: Partial<WhalyPostgresAccessArgs>): ConfigMap }> {
    const t = await newTestStack(name, async () => undefined);
    const use = (args: Partial<WhalyPostgresAccessArgs>) => {
        const { program, config } = programFrom(source, server, args, credentials);
        t.setProgram(program);
        return config;
    };
    await t.stack.setAllConfig(use({}));
    return { ...t, use };
}

/** Runs preview and up: both fail with every fragment, and nothing changes on the server or in the state. */
async function refusedEverywhere(t: TestStack, server: PostgresServer, fragments: string[]): Promise<void> {
    const before = await catalogSnapshot(server, DATABASE);
    for (const operation of [() => t.stack.preview(), () => t.stack.up()]) {
        const message = await failureOf(operation());
        for (const fragment of fragments) expect(message).toContain(fragment);
        expect(message).not.toContain(server.adminPassword);
    }
    const state = await t.stack.exportStack();
    const types = (state.deployment.resources ?? []).map((r: { type: string }) => r.type);
    expect(types.filter((type: string) => type.startsWith("postgresql:index/"))).toEqual([]);
    expect(await catalogSnapshot(server, DATABASE)).toEqual(before);
}

const PREFLIGHT_FAILED = "Preflight of WhalyPostgresAccess on 127.0.0.1:";

describe.each(CONNECTION_SOURCES)(`PostgreSQL ${NEWEST_MAJOR}: the preflight, connected through %s`, (source) => {
    let server: PostgresServer;
    let t: Awaited<ReturnType<typeof stackFrom>>;

    beforeAll(async () => {
        server = await startPostgres(NEWEST_MAJOR);
        await seedWarehouse(server);
        await server.query("CREATE ROLE whaly_taken LOGIN");
        // intruder owns a table in sales: the warning counts it.
        await server.query("CREATE TABLE sales.intruder_made (id int)", {
            database: DATABASE,
            user: "intruder",
            password: CREATOR_PASSWORD,
        });
        t = await stackFrom(`preflight-${source.replace(" ", "-")}`, source, server);
    });
    afterAll(() => {
        t?.dispose();
        server?.stop();
    });

    it("a listed schema that does not exist", async () => {
        t.use({ schemas: ["public", "ghost"], tableCreators: ["etl"] });
        await refusedEverywhere(t, server, [
            PREFLIGHT_FAILED,
            "nothing was changed",
            '- schemas[1] "ghost": does not exist in database analytics: create it first (CREATE SCHEMA "ghost")',
        ]);
    });

    it("a schema whose name differs only in case", async () => {
        t.use({ schemas: ["Sales"], tableCreators: ["etl"] });
        await refusedEverywhere(t, server, ['- schemas[0] "Sales": does not exist', "case-sensitive"]);
    });

    it("a table creator that does not exist", async () => {
        t.use({ schemas: ["sales"], tableCreators: ["etl", "nobody"] });
        await refusedEverywhere(t, server, [PREFLIGHT_FAILED, '- tableCreators[1] "nobody": is not a role on this server']);
    });

    it("every problem at once, in one error", async () => {
        t.use({ schemas: ["ghost", "sales"], tableCreators: ["nobody"] });
        await refusedEverywhere(t, server, ['- schemas[0] "ghost"', '- tableCreators[0] "nobody"']);
    });

    it("a database that does not exist is named as such, not as a connection problem", async () => {
        t.use({ database: "nowhere", tableCreators: ["etl"] });
        const message = await failureOf(t.stack.preview());
        expect(message).toContain('- database "nowhere": database nowhere does not exist on 127.0.0.1:');
        expect(message).not.toContain("check ");
    });

    it("a BI role name that another role already has: refused at preview; an up without preview stops at the role", async () => {
        const before = await catalogSnapshot(server, DATABASE);
        t.use({ roleName: "whaly_taken", schemas: ["sales"], tableCreators: ["etl", "dbt", "intruder"] });
        expect(await failureOf(t.stack.preview())).toContain(
            '- roleName "whaly_taken": already exists on the server and this stack does not manage it',
        );
        // Without a preview, the role's own step says it, before the provider runs CREATE ROLE,
        // and nothing that would follow the role reaches the server.
        const up = await failureOf(t.stack.up());
        expect(up).toContain('before hook "whaly-postgres/whaly/whaly_taken/free" failed');
        expect(up).toContain('- roleName "whaly_taken": already exists on the server and this stack does not manage it');
        expect(up).not.toContain('role "whaly_taken" already exists');
        expect(await catalogSnapshot(server, DATABASE)).toEqual(before);
        await t.stack.destroy();
    });

    it("an unlisted role that may create tables: a warning at preview and at up, and the deployment goes on", async () => {
        t.use({ schemas: ["public", "sales"], tableCreators: ["etl", "dbt"] });
        let preview = "";
        let up = "";
        await t.stack.preview({ onOutput: (line) => (preview += line) });
        await t.stack.up({ onOutput: (line) => (up += line) });
        for (const output of [preview, up]) {
            expect(output).toContain(unlisted("intruder", "public", 0));
            expect(output).toContain(unlisted("intruder", "sales", 1));
            expect(output).not.toContain("role etl may create");
        }
        await t.stack.destroy();
    });

    it("with strictTableCreators, the same is refused before any change", async () => {
        t.use({ schemas: ["public", "sales"], tableCreators: ["etl", "dbt"], strictTableCreators: true });
        await refusedEverywhere(t, server, [
            "strictTableCreators, and some roles that create tables are not listed",
            unlisted("intruder", "sales", 1),
        ]);
    });

    it("discoverTableCreators covers exactly the roles found, and deploys", async () => {
        t.use({ schemas: ["public", "sales"], discoverTableCreators: true });
        await t.stack.up();
        expect(await privilegesOf(server, DATABASE, "whaly_bi")).toEqual(
            expectedPrivileges(["public", "sales"], ["dbt", "etl", "intruder", server.adminUser])
                .concat("table sales.intruder_made SELECT")
                .sort(),
        );
        await t.stack.destroy();
        expect(await traces(server, DATABASE, "whaly_bi")).toEqual([]);
    });

    it("a wrong password fails the preview with the connection's own error, never the password", async () => {
        const wrong = programFrom(source, server, { tableCreators: ["etl"] }, { user: "postgres", password: "wrong-admin-password" });
        await t.stack.setAllConfig(wrong.config);
        t.setProgram(wrong.program);
        const message = await failureOf(t.stack.preview());
        expect(message).toContain('password authentication failed for user "postgres"');
        expect(message).not.toContain("wrong-admin-password");
        await t.stack.setAllConfig(t.use({}));
    });
});

/** A managed service's admin: LOGIN CREATEROLE, owner of the database; etl was created by someone else. */
describe.each(CONNECTION_SOURCES)(`PostgreSQL ${NEWEST_MAJOR}: a non-superuser admin through %s`, (source) => {
    let server: PostgresServer;
    let t: Awaited<ReturnType<typeof stackFrom>>;
    const adm: Credentials = { user: "adm", password: "adm-Password-123", superuser: false };

    beforeAll(async () => {
        server = await startPostgres(NEWEST_MAJOR);
        await server.query(`CREATE ROLE adm LOGIN CREATEROLE PASSWORD '${adm.password}'; CREATE ROLE etl LOGIN`);
        await server.query(`CREATE DATABASE ${DATABASE} OWNER adm`);
        await server.query("CREATE SCHEMA sales; GRANT USAGE, CREATE ON SCHEMA sales TO etl", {
            database: DATABASE,
            user: "adm",
            password: adm.password,
        });
        t = await stackFrom(`managed-${source.replace(" ", "-")}`, source, server, adm);
    });
    afterAll(() => {
        t?.dispose();
        server?.stop();
    });

    it("is asked, at preview, for ADMIN OPTION on the creator it did not create, with the GRANT to run", async () => {
        t.use({ schemas: ["sales"], tableCreators: ["adm", "etl"] });
        await refusedEverywhere(t, server, [
            '- tableCreators[1] "etl": the admin adm may not grant role etl to itself',
            'run GRANT "etl" TO "adm" WITH ADMIN OPTION',
        ]);
    });

    it("deploys once granted", async () => {
        await server.query("GRANT etl TO adm WITH ADMIN OPTION");
        await t.stack.up();
        await t.stack.destroy();
        expect(await traces(server, DATABASE, "whaly_bi")).toEqual([]);
    });
});

describe.each(CONNECTION_SOURCES)("PostgreSQL 13: readAllData through %s", (source) => {
    let server: PostgresServer;
    let t: Awaited<ReturnType<typeof stackFrom>>;
    beforeAll(async () => {
        server = await startPostgres(13);
        await seedWarehouse(server);
        t = await stackFrom(`all-data-13-${source.replace(" ", "-")}`, source, server);
    });
    afterAll(() => {
        t?.dispose();
        server?.stop();
    });

    it("is refused at preview and at up, naming the version", async () => {
        t.use({ readAllData: true });
        await refusedEverywhere(t, server, [
            "- readAllData true: needs PostgreSQL 14 or later (its predefined role pg_read_all_data), and the server runs PostgreSQL 13",
        ]);
    });
});
