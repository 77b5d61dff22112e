/**
 * Whaly's five fields (host, port, database, user, password) and the connection string follow the
 * args whatever form each takes: a plain value, an Output, a secret Output, or a default derived
 * from another arg (`host` from `admin.host`, `port` from `admin.port`, or from PGPORT when the
 * admin's port is left to the environment, as the admin's own connection takes it).
 */
import * as pulumi from "@pulumi/pulumi";
import { providerWithConfig, recordResources, valueOf } from "./pulumiMocks";
import { WhalyPostgresAccess, WhalyPostgresAccessArgs } from "../../index";

jest.mock("../../components/server/facts", () => jest.requireActual("./serverFactsMock"));

/** The generated password the mocked engine hands out (pulumiMocks.ts). */
const GENERATED = "generated-Secret-0123456789abcdef";

interface Fields {
    host: string;
    port: number;
    database: string;
    user: string;
    password: string;
    connectionString: string;
}

async function fieldsOf(args: WhalyPostgresAccessArgs, env: Record<string, string> = {}, withProvider = false): Promise<Fields> {
    const saved = { ...process.env };
    Object.assign(process.env, env);
    let component!: WhalyPostgresAccess;
    try {
        await recordResources((transformations) => {
            const provider = withProvider ? providerWithConfig(`outputs-pg-${Math.random()}`) : undefined;
            component = new WhalyPostgresAccess("fields", args, { transformations, provider });
        });
    } finally {
        for (const key of Object.keys(env)) if (saved[key] === undefined) delete process.env[key];
        Object.assign(process.env, saved);
    }
    const [host, port, database, user, password, connectionString] = await Promise.all([
        valueOf(component.host),
        valueOf(component.port),
        valueOf(component.database),
        valueOf(component.user),
        valueOf(component.password),
        valueOf(component.connectionString),
    ]);
    return { host, port, database, user, password, connectionString };
}

const admin = { host: "primary.internal", username: "postgres", password: "admin-pw" };

describe("Whaly's five fields follow each form of the args", () => {
    it.each<[string, WhalyPostgresAccessArgs, Record<string, string>, Partial<Fields>]>([
        ["host from admin.host, a string", { database: "analytics", admin }, {}, { host: "primary.internal", port: 5432 }],
        [
            "host from admin.host, an Output",
            { database: "analytics", admin: { ...admin, host: pulumi.output("primary.internal") } },
            {},
            { host: "primary.internal" },
        ],
        ["host given, a string", { database: "analytics", admin, host: "replica.internal" }, {}, { host: "replica.internal", port: 5432 }],
        [
            "host given, an Output",
            { database: "analytics", admin, host: pulumi.output("replica.internal") },
            {},
            { host: "replica.internal" },
        ],
        ["port from admin.port, a number", { database: "analytics", admin: { ...admin, port: 6432 } }, {}, { port: 6432 }],
        ["port from admin.port, an Output", { database: "analytics", admin: { ...admin, port: pulumi.output(6433) } }, {}, { port: 6433 }],
        [
            "port from admin.port, a secret Output",
            { database: "analytics", admin: { ...admin, port: pulumi.secret(6434) } },
            {},
            { port: 6434 },
        ],
        ["port from PGPORT, the admin's port left out", { database: "analytics", admin }, { PGPORT: "6435" }, { port: 6435 }],
        [
            "port from admin.port over PGPORT",
            { database: "analytics", admin: { ...admin, port: 6436 } },
            { PGPORT: "6435" },
            { port: 6436 },
        ],
        ["port given over admin.port", { database: "analytics", admin: { ...admin, port: 6436 }, port: 7000 }, {}, { port: 7000 }],
        [
            "port 5432 when host is another server's, whatever the admin's",
            { database: "analytics", admin: { ...admin, port: 6436 }, host: "replica.internal" },
            { PGPORT: "6435" },
            { port: 5432 },
        ],
        ["database, a string", { database: "analytics", admin }, {}, { database: "analytics" }],
        ["database, an Output", { database: pulumi.output("warehouse"), admin }, {}, { database: "warehouse" }],
        ["user, the default role", { database: "analytics", admin }, {}, { user: "whaly_bi", password: GENERATED }],
        ["user, roleName", { database: "analytics", admin, roleName: "Whaly BI" }, {}, { user: "Whaly BI" }],
        [
            "user, the alternating rotation's current user",
            { database: "analytics", admin, rotation: "alternating" },
            {},
            { user: "whaly_bi_a" },
        ],
        [
            "password given, a string",
            { database: "analytics", admin, password: "given-Password-123" },
            {},
            { password: "given-Password-123" },
        ],
        [
            "password given, a secret Output",
            { database: "analytics", admin, password: pulumi.secret("given-Secret-456") },
            {},
            { password: "given-Secret-456" },
        ],
    ])("%s", async (_what, args, env, expected) => {
        const fields = await fieldsOf(args, env);
        expect(fields).toMatchObject(expected);
        // The connection string carries the same five fields.
        const url = new URL(fields.connectionString);
        expect([
            url.hostname,
            Number(url.port),
            url.pathname.slice(1),
            decodeURIComponent(url.username),
            decodeURIComponent(url.password),
        ]).toEqual([fields.host, fields.port, fields.database, fields.user, fields.password]);
    });

    it("with a provider in opts, host is required and the port defaults to 5432, whatever PGPORT says", async () => {
        const fields = await fieldsOf(
            { database: "analytics", host: "replica.internal", tableCreators: ["etl"] },
            { PGPORT: "6435" },
            true,
        );
        expect(fields).toMatchObject({ host: "replica.internal", port: 5432 });
    });
});
