/**
 * The package schema other languages consume (provider/), inferred by Pulumi's analyzer from the
 * TypeScript API, against that API read independently with the TypeScript compiler: every arg
 * and output is there, described, and the secrets are secret. No language host needed.
 */
import { membersOf } from "../harness/apiMembers";
import { whalyPostgresProvider } from "../../provider/schema";

describe("the package schema", () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    let schema: any;
    beforeAll(async () => {
        schema = JSON.parse(await whalyPostgresProvider().getSchema());
    });

    it("has every arg and every output of the TypeScript API, each described", () => {
        const resource = schema.resources["whaly-postgres:index:WhalyPostgresAccess"];
        expect(Object.keys(resource.inputProperties).sort()).toEqual(membersOf("contract/args.ts", "WhalyPostgresAccessArgs"));
        expect(Object.keys(resource.properties).sort()).toEqual(membersOf("whalyPostgresAccess.ts", "WhalyPostgresAccess"));
        const admin = schema.types["whaly-postgres:index:WhalyPostgresAdminArgs"];
        expect(Object.keys(admin.properties).sort()).toEqual(membersOf("contract/args.ts", "WhalyPostgresAdminArgs"));
        const tunnel = schema.types["whaly-postgres:index:WhalyPostgresSshTunnelArgs"];
        expect(Object.keys(tunnel.properties).sort()).toEqual(membersOf("contract/args.ts", "WhalyPostgresSshTunnelArgs"));
        expect(tunnel.required).toEqual(["bastionHost", "publicKey"]);
        for (const [name, property] of [
            ...Object.entries(resource.inputProperties),
            ...Object.entries(resource.properties),
            ...Object.entries(admin.properties),
            ...Object.entries(tunnel.properties),
        ])
            // Words, as the TSDoc has them: the analyzer renders a {@link} as "[object Object]".
            expect([name, (property as { description?: string }).description]).toEqual([
                name,
                expect.stringMatching(/^(?![\s\S]*\[object )[\s\S]*\w/),
            ]);
        expect(resource.requiredInputs).toEqual(["database"]);
    });

    it("takes Outputs where the args do not name children: database and everything under admin and sshTunnel; the names stay plain", () => {
        const resource = schema.resources["whaly-postgres:index:WhalyPostgresAccess"];
        const admin = schema.types["whaly-postgres:index:WhalyPostgresAdminArgs"];
        const tunnel = schema.types["whaly-postgres:index:WhalyPostgresSshTunnelArgs"];
        const plain = (props: Record<string, { plain?: boolean }>, names: string[]) => names.map((n) => [n, props[n].plain === true]);
        expect(plain(resource.inputProperties, ["database", "host", "password", "schemas", "tableCreators", "roleName"])).toEqual([
            ["database", false],
            ["host", false],
            ["password", false],
            ["schemas", true],
            ["tableCreators", true],
            ["roleName", true],
        ]);
        for (const type of [admin, tunnel])
            expect(Object.values(type.properties).map((p) => (p as { plain?: boolean }).plain === true)).toEqual(
                Object.keys(type.properties).map(() => false),
            );
    });

    it("marks the passwords and the connection string secret, and nothing else", () => {
        const resource = schema.resources["whaly-postgres:index:WhalyPostgresAccess"];
        const admin = schema.types["whaly-postgres:index:WhalyPostgresAdminArgs"];
        const secrets = (props: Record<string, { secret?: boolean }>) => Object.keys(props).filter((k) => props[k].secret);
        expect(secrets(resource.inputProperties)).toEqual(["password"]);
        expect(secrets(resource.properties).sort()).toEqual(["connectionString", "password"]);
        expect(secrets(admin.properties)).toEqual(["password"]);
    });
});
