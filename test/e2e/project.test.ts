/**
 * The user's own path: a project directory holding examples/guide with the packed package
 * installed, deployed by the `pulumi` CLI itself (through the Node.js language host, not an
 * inline program): `pulumi up`, `preview --expect-no-changes`, `destroy`.
 */
import { NEWEST_MAJOR, PostgresServer, startPostgres } from "../../scripts/lib/postgresServer";
import { privilegesOf, traces } from "../harness/catalog";
import { PackedProject, packedProject } from "../harness/packedProject";
import { ProjectCli, projectCli } from "../harness/projectCli";
import { as } from "../harness/sessions";
import { DATABASE, expectedPrivileges, seedWarehouse } from "../harness/warehouse";

jest.setTimeout(600_000);

describe(`PostgreSQL ${NEWEST_MAJOR}: pulumi up of examples/guide in a project directory`, () => {
    let server: PostgresServer;
    let project: PackedProject;
    let cli: ProjectCli;
    let pulumi: (...args: string[]) => Promise<string>;

    beforeAll(async () => {
        server = await startPostgres(NEWEST_MAJOR);
        await seedWarehouse(server);
        project = packedProject("guide");
        // The test server speaks no TLS; the provider reads PGSSLMODE.
        cli = projectCli(project.dir, { PGSSLMODE: "disable" });
        pulumi = cli.run;
        await pulumi("stack", "init", "dev");
        await pulumi("config", "set", "adminHost", server.host);
        await pulumi("config", "set", "adminPort", String(server.port));
        await pulumi("config", "set", "--secret", "adminPassword", server.adminPassword);
    });
    afterAll(() => {
        project?.dispose();
        cli?.dispose();
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
