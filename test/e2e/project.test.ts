/**
 * The user's own path: a project directory holding one of the examples with the packed package
 * installed, deployed by the `pulumi` CLI itself (through the Node.js language host, not an
 * inline program): `pulumi up`, `preview --expect-no-changes`, `destroy`. examples/guide on an
 * existing database; examples/larger-stack, which creates its database too, on an empty server.
 */
import { NEWEST_MAJOR, PostgresServer, startPostgres } from "../../scripts/lib/postgresServer";
import { privilegesOf, traces } from "../harness/catalog";
import { packedProject } from "../harness/packedProject";
import { projectCli } from "../harness/projectCli";
import { as } from "../harness/sessions";
import { DATABASE, expectedPrivileges, seedWarehouse } from "../harness/warehouse";

jest.setTimeout(600_000);

/** examples/`example` packed and installed in a project directory, with a stack `dev` holding `config` (`adminPassword` a secret). */
function exampleProject(example: string, config: Record<string, string>, env: Record<string, string> = {}) {
    const project = packedProject(example);
    const cli = projectCli(project.dir, env);
    return {
        pulumi: cli.run,
        async init() {
            await cli.run("stack", "init", "dev");
            for (const [key, value] of Object.entries(config))
                await cli.run("config", "set", ...(key === "adminPassword" ? ["--secret"] : []), key, value);
        },
        dispose() {
            project.dispose();
            cli.dispose();
        },
    };
}

describe(`PostgreSQL ${NEWEST_MAJOR}: pulumi up of examples/guide in a project directory`, () => {
    let server: PostgresServer;
    let project: ReturnType<typeof exampleProject>;
    let pulumi: (...args: string[]) => Promise<string>;

    beforeAll(async () => {
        server = await startPostgres(NEWEST_MAJOR);
        await seedWarehouse(server);
        const config = { adminHost: server.host, adminPort: String(server.port), adminPassword: server.adminPassword };
        // The test server speaks no TLS; the provider reads PGSSLMODE.
        project = exampleProject("guide", config, { PGSSLMODE: "disable" });
        pulumi = project.pulumi;
        await project.init();
    });
    afterAll(() => {
        project?.dispose();
        server?.stop();
    });

    it("pulumi up creates the guide's access, and the output password logs in and reads public only", async () => {
        await pulumi("up", "--yes", "--skip-preview");
        const out = JSON.parse(await pulumi("stack", "output", "--json", "--show-secrets"));
        expect(out).toMatchObject({ host: server.host, port: server.port, database: DATABASE, user: "whaly_bi" });
        await as(server, DATABASE, "whaly_bi", out.password, async (s) => {
            expect(await s.canSelect("public.customers")).toBe(true);
            expect(await s.canSelect("sales.orders")).toBe(false);
            expect(await s.canInsert("public.customers")).toBe(false);
        });
        expect(await privilegesOf(server, DATABASE, "whaly_bi")).toEqual(expectedPrivileges(["public"], ["postgres"]));
    });

    it("the state and the CLI's output never hold the password in plain text", async () => {
        const out = JSON.parse(await pulumi("stack", "output", "--json", "--show-secrets"));
        const state = await pulumi("stack", "export");
        expect(state).not.toContain(out.password);
        expect(state).not.toContain(server.adminPassword);
        expect(await pulumi("stack", "output", "--json")).not.toContain(out.password);
    });

    it("pulumi preview --expect-no-changes passes", async () => {
        await pulumi("preview", "--expect-no-changes");
    });

    it("pulumi destroy leaves nothing that mentions the role", async () => {
        await pulumi("destroy", "--yes", "--skip-preview");
        expect(await traces(server, DATABASE, "whaly_bi")).toEqual([]);
    });
});

describe(`PostgreSQL ${NEWEST_MAJOR}: pulumi up of examples/larger-stack, a warehouse stack, on an empty server`, () => {
    let server: PostgresServer;
    let project: ReturnType<typeof exampleProject>;
    let pulumi: (...args: string[]) => Promise<string>;

    beforeAll(async () => {
        server = await startPostgres(NEWEST_MAJOR);
        // The test server speaks no TLS.
        const config = { primaryHost: server.host, port: String(server.port), sslMode: "disable", adminPassword: server.adminPassword };
        project = exampleProject("larger-stack", config);
        pulumi = project.pulumi;
        await project.init();
    });
    afterAll(() => {
        project?.dispose();
        server?.stop();
    });

    it("pulumi preview shows the database, the loaders, their schemas and every child of Whaly's access, saying the checks run at up", async () => {
        const preview = await pulumi("preview");
        expect(preview).toContain("The server checks run at up, once");
        for (const name of [
            "warehouse",
            "etl",
            "dbt",
            "sales",
            "marketing",
            "whaly/role",
            "whaly/connect",
            "whaly/usage/marketing",
            "whaly/default-tables/dbt/sales",
        ])
            expect(preview).toMatch(new RegExp(`\\+ +\\S+ ${name.replace(/\//g, "\\/")} create`));
        expect(preview).not.toContain("error:");
    });

    it("one pulumi up deploys it all; Whaly reads what exists and what a loader creates later", async () => {
        await pulumi("up", "--yes");
        const out = JSON.parse(await pulumi("stack", "output", "--json", "--show-secrets"));
        expect(out.whalyConnection).toMatchObject({ host: server.host, port: server.port, database: "warehouse", user: "whaly_bi" });
        await server.query("CREATE TABLE marketing.campaigns (id int); INSERT INTO marketing.campaigns VALUES (1)", {
            database: "warehouse",
            user: "dbt",
            password: out.dbtPassword,
        });
        await as(server, "warehouse", "whaly_bi", out.whalyConnection.password, async (s) => {
            expect(await s.query("SELECT id FROM marketing.campaigns")).toEqual([{ id: 1 }]);
            expect(await s.canInsert("marketing.campaigns")).toBe(false);
        });
    });

    it("pulumi preview --expect-no-changes passes", async () => {
        await pulumi("preview", "--expect-no-changes");
    });

    it("pulumi destroy leaves no database and no role", async () => {
        await server.query("DROP TABLE marketing.campaigns", { database: "warehouse" });
        await pulumi("destroy", "--yes");
        expect(await server.query("SELECT rolname FROM pg_roles WHERE rolname IN ('whaly_bi', 'etl', 'dbt')")).toEqual([]);
        expect(await server.query("SELECT datname FROM pg_database WHERE datname = 'warehouse'")).toEqual([]);
    });
});
