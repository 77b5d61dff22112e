import { POSTGRES_MAJORS, startPostgres, PostgresServer } from "../../scripts/lib/postgresServer";

describe.each(POSTGRES_MAJORS)("test server PostgreSQL %i", (major) => {
    let server: PostgresServer;
    beforeAll(async () => {
        server = await startPostgres(major);
    });
    afterAll(() => server?.stop());

    it("runs the right major with scram-sha-256 password auth on loopback", async () => {
        const [{ server_version_num }] = await server.query<{ server_version_num: string }>("SHOW server_version_num");
        expect(Math.floor(Number(server_version_num) / 10000)).toBe(major);
        await expect(server.query("SELECT 1", { user: "postgres", password: "wrong" })).rejects.toThrow(/password authentication failed/);
        const [{ method }] = await server.query<{ method: string }>("SELECT current_setting('password_encryption') AS method");
        expect(method).toBe("scram-sha-256");
    });
});
