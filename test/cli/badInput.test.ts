/**
 * Bad input through the real Pulumi CLI: `pulumi up` of a program with each bad configuration
 * fails with the field, the value and the fix, registers no PostgreSQL resource, leaves the
 * server exactly as it was (grants of an earlier deployment included), and never prints a
 * password. No provider plugin is needed: nothing gets that far.
 */
import { WhalyPostgresAccess, WhalyPostgresAccessArgs } from "../../index";
import { BAD_INPUTS, hiddenParts } from "../harness/badInputs";
import { catalogSnapshot } from "../harness/catalog";
import { renderAccessStatements } from "../../components/plan/sql";
import { applyStatements } from "../harness/applySql";
import { NEWEST_MAJOR, PostgresServer, startPostgres } from "../../scripts/lib/postgresServer";
import { DATABASE, seedWarehouse } from "../harness/warehouse";
import { newTestStack, TestStack } from "../harness/stack";

jest.setTimeout(120_000);

const GIVEN_PASSWORD = "a-given-password-1234";

describe(`bad input through the real CLI, against PostgreSQL ${NEWEST_MAJOR}`, () => {
    let server: PostgresServer;
    let t: TestStack;
    let before: string[];

    beforeAll(async () => {
        server = await startPostgres(NEWEST_MAJOR);
        await seedWarehouse(server);
        // An earlier deployment's grants, which a failed attempt must leave untouched.
        const sql = renderAccessStatements(
            { database: DATABASE, schemas: ["public", "sales"], tableCreators: ["etl"] },
            { password: "earlier-Password-123" },
        );
        await applyStatements(server, DATABASE, sql);
        before = await catalogSnapshot(server, DATABASE);
        t = await newTestStack("bad-input", async () => undefined);
    });
    afterAll(() => {
        t?.dispose();
        server?.stop();
    });

    // Cases that pass a provider would register it, which needs the plugin; the unit tests cover them.
    it.each(BAD_INPUTS.filter((c) => !c.withProvider))("$what", async ({ args, says, hidden }) => {
        const base: WhalyPostgresAccessArgs = {
            database: DATABASE,
            admin: { host: server.host, port: server.port, username: server.adminUser, password: server.adminPassword, sslMode: "disable" },
        };
        t.setProgram(async () => {
            new WhalyPostgresAccess("whaly", { ...base, ...args } as WhalyPostgresAccessArgs);
        });
        const failure: Error = await t.stack.up().then(
            () => new Error("up succeeded"),
            (e: Error) => e,
        );
        const output = failure.message;
        expect(output).toContain('Invalid args for WhalyPostgresAccess "whaly"');
        for (const fragment of says) expect(output).toContain(fragment);
        expect(output).not.toContain(server.adminPassword);
        expect(output).not.toContain(GIVEN_PASSWORD);
        for (const part of hiddenParts(hidden)) expect(output).not.toContain(part);

        const state = await t.stack.exportStack();
        const types = (state.deployment.resources ?? []).map((r: { type: string }) => r.type);
        expect(types.filter((type: string) => !type.startsWith("pulumi:pulumi:"))).toEqual([]);
        expect(await catalogSnapshot(server, DATABASE)).toEqual(before);
    });
});
