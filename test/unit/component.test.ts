import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as postgresql from "@pulumi/postgresql";
import {
    leftOutOfState,
    ungated,
    MOCK_PROVIDER_CONFIG,
    MOCK_SALT_BASE64,
    providerWithConfig,
    recordResources,
    RegisteredResource,
    runBeforeCreate,
    valueOf,
} from "./pulumiMocks";
import { scramVerifier } from "../../components/plan/scram";
import { LOG_DELIVERY_WAIT_MS } from "../../components/server/checks";
import { renderAccessSql, WhalyPostgresAccess, WhalyPostgresAccessArgs } from "../../index";
import { privateKeys, PUBLIC_KEYS } from "../harness/sshKeys";

jest.mock("../../components/server/facts", () => jest.requireActual("./serverFactsMock"));

const COMPONENT = "whaly-postgres:index:WhalyPostgresAccess";
const GRANT = "postgresql:index/grant:Grant";
const DEFAULTS = "postgresql:index/defaultPrivileges:DefaultPrivileges";
const GATE = "random:index/randomId:RandomId";
const ADMIN = { host: "db.internal", username: "postgres" };

/** Every child is declared, and each one's create step fails: nothing is created. */
async function expectStopped(resources: RegisteredResource[], name: string): Promise<void> {
    expect(resources.map((r) => r.name)).toEqual(expect.arrayContaining([name, `${name}/role`]));
    expect(ungated(resources, name)).toEqual([]);
    const role = resources.find((r) => r.name === `${name}/role`)!;
    await expect(runBeforeCreate(role)).rejects.toThrow(
        `the server checks of WhalyPostgresAccess ${name} failed (their error says why): nothing was created or changed`,
    );
}

/** How the engine sees a secret input. */
function secret(value: string) {
    return { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value };
}

function byName(resources: RegisteredResource[]): Record<string, RegisteredResource> {
    return Object.fromEntries(resources.map((r) => [r.name, r]));
}

describe("the guide's case: admin credentials, public schema, the admin creates tables", () => {
    let resources: RegisteredResource[];
    let component: WhalyPostgresAccess;
    beforeAll(async () => {
        resources = await recordResources((transformations) => {
            component = new WhalyPostgresAccess(
                "guide",
                { database: "analytics", admin: { host: "db.internal", username: "postgres", password: "admin-pw" } },
                { transformations },
            );
        });
    });

    it("declares exactly the resources of the guide, with their args", () => {
        const r = byName(resources);
        expect(resources.map((x) => `${x.type} ${x.name}`).sort()).toEqual(
            [
                `${COMPONENT} guide`,
                `${GATE} guide/checks`,
                "pulumi:providers:postgresql guide/admin",
                "random:index/randomPassword:RandomPassword guide/password",
                "random:index/randomBytes:RandomBytes guide/salt",
                "postgresql:index/role:Role guide/role",
                `${GRANT} guide/connect`,
                `${GRANT} guide/usage/public`,
                `${GRANT} guide/select-tables/public`,
                `${GRANT} guide/select-sequences/public`,
                `${DEFAULTS} guide/default-tables/postgres/public`,
                `${DEFAULTS} guide/default-sequences/postgres/public`,
            ].sort(),
        );
        expect(r["guide/admin"].inputs).toMatchObject({
            host: "db.internal",
            username: "postgres",
            password: secret("admin-pw"),
            database: "analytics",
        });
        expect(r["guide/password"].inputs).toEqual({ length: 32, special: false, keepers: { version: "1" } });
        expect(r["guide/salt"].inputs).toEqual({ length: 16 });
        expect(r["guide/role"].inputs).toEqual({
            name: "whaly_bi",
            login: true,
            // The SCRAM verifier of the generated password with the generated salt, never the password itself.
            password: secret(scramVerifier("generated-Secret-0123456789abcdef", Buffer.from(MOCK_SALT_BASE64, "base64"))),
            connectionLimit: 10,
            statementTimeout: 600000,
            idleInTransactionSessionTimeout: 60000,
            superuser: false,
            createDatabase: false,
            createRole: false,
            replication: false,
            bypassRowLevelSecurity: false,
        });
        expect(r["guide/connect"].inputs).toEqual({
            database: "analytics",
            role: "whaly_bi",
            objectType: "database",
            privileges: ["CONNECT"],
        });
        expect(r["guide/usage/public"].inputs).toEqual({
            database: "analytics",
            role: "whaly_bi",
            objectType: "schema",
            schema: "public",
            privileges: ["USAGE"],
        });
        expect(r["guide/select-tables/public"].inputs).toEqual({
            database: "analytics",
            role: "whaly_bi",
            objectType: "table",
            schema: "public",
            objects: [],
            privileges: ["SELECT"],
        });
        expect(r["guide/select-sequences/public"].inputs).toEqual({
            database: "analytics",
            role: "whaly_bi",
            objectType: "sequence",
            schema: "public",
            objects: [],
            privileges: ["SELECT"],
        });
        expect(r["guide/default-tables/postgres/public"].inputs).toEqual({
            database: "analytics",
            role: "whaly_bi",
            owner: "postgres",
            schema: "public",
            objectType: "table",
            privileges: ["SELECT"],
        });
        expect(r["guide/default-sequences/postgres/public"].inputs).toEqual({
            database: "analytics",
            role: "whaly_bi",
            owner: "postgres",
            schema: "public",
            objectType: "sequence",
            privileges: ["SELECT"],
        });
    });

    it("parents every child on the component, and sends every postgresql child to the admin provider", () => {
        for (const r of resources.filter((x) => x.type !== COMPONENT)) expect([r.name, r.parent]).toEqual([r.name, "guide"]);
        for (const r of resources.filter((x) => x.type.startsWith("postgresql:"))) expect(r.provider).toMatch(/::guide\/admin::/);
    });

    it("outputs Whaly's form fields, with the password and connection string as secrets", async () => {
        expect(await valueOf(component.host)).toBe("db.internal");
        expect(await valueOf(component.port)).toBe(5432);
        expect(await valueOf(component.database)).toBe("analytics");
        expect(await valueOf(component.user)).toBe("whaly_bi");
        expect(await valueOf(component.password)).toBe("generated-Secret-0123456789abcdef");
        expect(await valueOf(component.connectionString)).toBe(
            "postgresql://whaly_bi:generated-Secret-0123456789abcdef@db.internal:5432/analytics?sslmode=require",
        );
        expect(await pulumi.isSecret(component.password)).toBe(true);
        expect(await pulumi.isSecret(component.connectionString)).toBe(true);
        expect(await pulumi.isSecret(component.host)).toBe(false);
        expect(await valueOf(component.ipRanges)).toContain("34.76.0.0/14");
        expect(await valueOf(component.pgHbaLines)).toContain('hostssl "analytics" "whaly_bi" 34.76.0.0/14 scram-sha-256');
    });

    it("keeps the admin password secret in the provider's inputs", async () => {
        const provider = resources.find((r) => r.name === "guide/admin")!.resource as postgresql.Provider;
        expect(await pulumi.isSecret(provider.password as pulumi.Output<string>)).toBe(true);
    });
});

describe("a larger stack: its own provider, 3 schemas x 2 creators, a replica host", () => {
    let resources: RegisteredResource[];
    let component: WhalyPostgresAccess;
    beforeAll(async () => {
        const provider = providerWithConfig("stack-pg", { host: "primary.internal", username: "admin", superuser: false });
        resources = await recordResources((transformations) => {
            component = new WhalyPostgresAccess(
                "bi",
                {
                    database: "warehouse",
                    schemas: ["sales", "marketing", "Finance Data"],
                    tableCreators: ["etl", "dbt"],
                    roleName: "Whaly-BI",
                    password: "user-given-password-1234",
                    host: "replica.internal",
                    port: 6432,
                    ipRanges: ["10.1.0.0/16"],
                },
                { provider, transformations },
            );
        });
    });

    it("declares the component, one role, CONNECT, 3 grants per schema and 2 default privileges per (creator, schema)", () => {
        const names = resources.map((x) => `${x.type} ${x.name}`).sort();
        const schemas = ["sales", "marketing", "Finance%20Data"];
        const expected = [
            `${COMPONENT} bi`,
            `${GATE} bi/checks`,
            "random:index/randomBytes:RandomBytes bi/salt",
            "postgresql:index/role:Role bi/role",
            `${GRANT} bi/connect`,
        ];
        for (const s of schemas) {
            expected.push(`${GRANT} bi/usage/${s}`, `${GRANT} bi/select-tables/${s}`, `${GRANT} bi/select-sequences/${s}`);
            for (const c of ["etl", "dbt"])
                expected.push(`${DEFAULTS} bi/default-tables/${c}/${s}`, `${DEFAULTS} bi/default-sequences/${c}/${s}`);
        }
        expect(names).toEqual(expected.sort());
        expect(resources).toHaveLength(26);
    });

    it("grants on the literal names, with exactly these args, and uses no random password when one is given", () => {
        const r = byName(resources);
        const on = { database: "warehouse", role: "Whaly-BI" };
        expect(r["bi/connect"].inputs).toEqual({ ...on, objectType: "database", privileges: ["CONNECT"] });
        for (const [schema, key] of [
            ["sales", "sales"],
            ["marketing", "marketing"],
            ["Finance Data", "Finance%20Data"],
        ]) {
            expect(r[`bi/usage/${key}`].inputs).toEqual({ ...on, objectType: "schema", schema, privileges: ["USAGE"] });
            expect(r[`bi/select-tables/${key}`].inputs).toEqual({
                ...on,
                objectType: "table",
                schema,
                objects: [],
                privileges: ["SELECT"],
            });
            expect(r[`bi/select-sequences/${key}`].inputs).toEqual({
                ...on,
                objectType: "sequence",
                schema,
                objects: [],
                privileges: ["SELECT"],
            });
            for (const owner of ["etl", "dbt"]) {
                expect(r[`bi/default-tables/${owner}/${key}`].inputs).toEqual({
                    ...on,
                    owner,
                    schema,
                    objectType: "table",
                    privileges: ["SELECT"],
                });
                expect(r[`bi/default-sequences/${owner}/${key}`].inputs).toEqual({
                    ...on,
                    owner,
                    schema,
                    objectType: "sequence",
                    privileges: ["SELECT"],
                });
            }
        }
        expect(r["bi/role"].inputs).toMatchObject({
            name: "Whaly-BI",
            login: true,
            password: secret(scramVerifier("user-given-password-1234", Buffer.from(MOCK_SALT_BASE64, "base64"))),
        });
    });

    it("replaces grants and default privileges delete-first, so a replacement, or its retry, never revokes what it just granted", () => {
        const replaced = resources.filter((x) => x.type === DEFAULTS || x.type === GRANT);
        expect(replaced).toHaveLength(12 + 1 + 3 * 3);
        for (const d of replaced) expect([d.name, d.deleteBeforeReplace]).toEqual([d.name, true]);
    });

    it("sends every child to the stack's provider, parented on the component", () => {
        for (const r of resources.filter((x) => x.type !== COMPONENT)) expect([r.name, r.parent]).toEqual([r.name, "bi"]);
        for (const r of resources.filter((x) => x.type.startsWith("postgresql:")))
            expect([r.name, r.provider]).toEqual([r.name, expect.stringMatching(/::stack-pg::/)]);
    });

    it("outputs the replica host, the port and the given ranges; the password stays secret", async () => {
        expect(await valueOf(component.host)).toBe("replica.internal");
        expect(await valueOf(component.port)).toBe(6432);
        expect(await valueOf(component.ipRanges)).toEqual(["10.1.0.0/16"]);
        expect(await valueOf(component.connectionString)).toBe(
            "postgresql://Whaly-BI:user-given-password-1234@replica.internal:6432/warehouse?sslmode=require",
        );
        expect(await pulumi.isSecret(component.password)).toBe(true);
        expect(await pulumi.isSecret(component.connectionString)).toBe(true);
    });
});

describe("password rotation", () => {
    it("bumping passwordVersion changes only the RandomPassword's keepers", async () => {
        const resources = await recordResources((transformations) => {
            new WhalyPostgresAccess(
                "rotated",
                { database: "db", passwordVersion: 2, admin: { host: "h", username: "postgres" } },
                { transformations },
            );
        });
        expect(byName(resources)["rotated/password"].inputs).toEqual({ length: 32, special: false, keepers: { version: "2" } });
        expect(byName(resources)["rotated/salt"].inputs).toEqual({ length: 16 });
    });
});

describe("the gate, <name>/checks", () => {
    let made = 0;
    const keepersOf = async (args: Partial<WhalyPostgresAccessArgs>) => {
        const name = `gated-${++made}`;
        const resources = await recordResources((transformations) => {
            new WhalyPostgresAccess(
                name,
                { database: "db", schemas: ["public"], admin: { host: "h", username: "postgres" }, ...args },
                { transformations },
            );
        });
        return byName(resources)[`${name}/checks`].inputs.keepers;
    };

    it("keeps the database and the role the grants go to: what replaces an existing grant", async () => {
        expect(await keepersOf({})).toEqual({ database: "db", role: "whaly_bi" });
        expect(await keepersOf({ database: "other" })).toEqual({ database: "other", role: "whaly_bi" });
        expect(await keepersOf({ roleName: "bi" })).toEqual({ database: "db", role: "bi" });
    });

    it("is not replaced by schemas, creators, modes, rotation or a password bump, which only create, update and delete children", async () => {
        for (const args of [
            { schemas: ["public", "sales"] },
            { schemas: ["sales", "public"] },
            { tableCreators: ["etl", "dbt"] },
            { tableCreators: ["etl"], defaultPrivilegesScope: "database" as const },
            { tableCreators: ["etl"], futureSchemas: true },
            { readAllData: true, schemas: undefined },
            { rotation: "alternating" as const },
            { passwordVersion: 3 },
        ])
            expect([args, await keepersOf(args)]).toEqual([args, { database: "db", role: "whaly_bi" }]);
    });

    it("is followed by every role, and by every grant through the roles: a grant's state lists the roles alone", async () => {
        const resources = await recordResources((transformations) => {
            new WhalyPostgresAccess(
                "followed",
                {
                    database: "db",
                    schemas: ["public"],
                    tableCreators: ["etl"],
                    rotation: "alternating",
                    admin: { host: "h", username: "postgres" },
                },
                { transformations },
            );
        });
        const roles = resources.filter((r) => r.type === "postgresql:index/role:Role").map((r) => r.name);
        const grants = resources.filter(
            (r) => r.type === "postgresql:index/grant:Grant" || r.type === "postgresql:index/defaultPrivileges:DefaultPrivileges",
        );
        expect(roles).toHaveLength(3);
        expect(grants.length).toBeGreaterThan(5);
        for (const role of resources.filter((r) => roles.includes(r.name)))
            expect([role.name, role.dependsOn]).toEqual([role.name, ["followed/checks"]]);
        for (const grant of grants) expect([grant.name, [...grant.dependsOn].sort()]).toEqual([grant.name, [...roles].sort()]);
    });
});

describe("Whaly's port", () => {
    async function portOf(args: Partial<WhalyPostgresAccessArgs>): Promise<number> {
        let component: WhalyPostgresAccess | undefined;
        await recordResources((transformations) => {
            component = new WhalyPostgresAccess("port", { database: "db", ...args }, { transformations });
        });
        return valueOf(component!.port);
    }

    it("is the admin's port when Whaly connects to the admin's host", async () => {
        expect(await portOf({ admin: { host: "db.internal", port: 6543, username: "postgres" } })).toBe(6543);
    });

    it("is 5432 when Whaly connects to another host and no port is given", async () => {
        expect(await portOf({ host: "replica.internal", admin: { host: "db.internal", port: 6543, username: "postgres" } })).toBe(5432);
    });

    it("is the given port whatever the admin's", async () => {
        expect(await portOf({ port: 7000, admin: { host: "db.internal", port: 6543, username: "postgres" } })).toBe(7000);
    });
});

describe("the preflight, through a provider passed in opts", () => {
    it("declares every child, each one's step failing, when a listed schema does not exist, and logs one error saying so", async () => {
        const logged = jest.spyOn(console, "error").mockImplementation(() => undefined);
        const provider = providerWithConfig("preflight-pg", { host: "primary.internal", username: "admin" });
        const resources = await recordResources((transformations) => {
            new WhalyPostgresAccess(
                "ghostly",
                { database: "db", schemas: ["sales", "ghost"], tableCreators: ["etl"], host: "primary.internal" },
                { provider, transformations },
            );
        });
        await expectStopped(resources, "ghostly");
        expect(logged.mock.calls.map((call) => String(call[0]))).toEqual([
            expect.stringContaining(
                'Preflight of WhalyPostgresAccess on primary.internal:5432/db as admin (provider) failed; nothing was changed:\n- schemas[1] "ghost": does not exist',
            ),
        ]);
        logged.mockRestore();
    });

    it("names no host, user or database given as a secret: each shows as [secret]", async () => {
        const logged = jest.spyOn(console, "error").mockImplementation(() => undefined);
        let component: WhalyPostgresAccess | undefined;
        const resources = await recordResources((transformations) => {
            component = new WhalyPostgresAccess(
                "hushed",
                {
                    database: pulumi.secret("analytics-secret"),
                    schemas: ["ghost"],
                    tableCreators: ["etl"],
                    host: pulumi.secret("whaly-secret-host.internal"),
                    // The database's name inside the admin's host: the longer is hidden first.
                    admin: { host: pulumi.secret("analytics-secret.prod-eu.internal"), username: pulumi.secret("admin-secret-user") },
                },
                { transformations },
            );
        });
        await expectStopped(resources, "hushed");
        const messages = logged.mock.calls.map((call) => String(call[0]));
        expect(messages).toEqual([
            expect.stringContaining(
                'Preflight of WhalyPostgresAccess on [secret]:5432/[secret] as [secret] failed; nothing was changed:\n- schemas[0] "ghost": does not exist',
            ),
        ]);
        expect(messages.join("\n")).not.toMatch(/analytics-secret|prod-eu|secret-host|secret-user/);
        // Nor does the state: the outputs that name the database are secrets.
        expect(await pulumi.isSecret(component!.pgHbaLines)).toBe(true);
        expect(await pulumi.isSecret(component!.accessSql)).toBe(true);
        logged.mockRestore();
    });

    it("names where it could not log in, as the error's first line does, and hides a secret part of it", async () => {
        const logged = jest.spyOn(console, "error").mockImplementation(() => undefined);
        const resources = await recordResources((transformations) => {
            new WhalyPostgresAccess(
                "refused",
                { database: "db", admin: { host: "db.internal", username: "wrong-password" } },
                { transformations },
            );
            new WhalyPostgresAccess(
                "refusedSecretly",
                { database: "db", admin: { host: pulumi.secret("hidden-host.internal"), username: "wrong-password" } },
                { transformations },
            );
        });
        await expectStopped(resources, "refused");
        await expectStopped(resources, "refusedSecretly");
        const messages = logged.mock.calls.map((call) => String(call[0]));
        expect(messages).toEqual(
            expect.arrayContaining([
                expect.stringContaining(
                    '- admin "db.internal:5432/db as wrong-password": cannot connect: password authentication failed for user "wrong-password"',
                ),
                expect.stringContaining('- admin "[secret]:5432/db as wrong-password": cannot connect: password authentication failed'),
            ]),
        );
        expect(messages.join("\n")).not.toContain("hidden-host");
        logged.mockRestore();
    });

    it("names where it could not log in through a provider in opts, as the first line does", async () => {
        const logged = jest.spyOn(console, "error").mockImplementation(() => undefined);
        const provider = providerWithConfig("refusing-pg", {}, { ...MOCK_PROVIDER_CONFIG, username: "wrong-password" });
        const resources = await recordResources((transformations) => {
            new WhalyPostgresAccess(
                "refusedByProvider",
                { database: "db", tableCreators: ["etl"], host: "primary.internal" },
                { provider, transformations },
            );
        });
        await expectStopped(resources, "refusedByProvider");
        expect(logged.mock.calls.map((call) => String(call[0]))).toEqual([
            expect.stringContaining(
                'on primary.internal:5432/db as wrong-password (provider) failed; nothing was changed:\n- opts.provider "primary.internal:5432/db as wrong-password": cannot connect: password authentication failed',
            ),
        ]);
        logged.mockRestore();
    });

    it("hides a secret user or database with a backslash in the line that names where it could not log in", async () => {
        const logged = jest.spyOn(console, "error").mockImplementation(() => undefined);
        const resources = await recordResources((transformations) => {
            new WhalyPostgresAccess(
                "escaped",
                {
                    database: pulumi.secret("fin\\ance-secret"),
                    tableCreators: ["etl"],
                    admin: { host: "db.internal", username: pulumi.secret("CORP\\wrong-password") },
                },
                { transformations },
            );
        });
        await expectStopped(resources, "escaped");
        const messages = logged.mock.calls.map((call) => String(call[0])).join("\n");
        expect(messages).toContain('- admin "db.internal:5432/[secret] as [secret]": cannot connect');
        expect(messages).not.toMatch(/ance-secret|CORP/);
        logged.mockRestore();
    });

    it("hides a secret database with a backslash where it is quoted as a value: a database that does not exist", async () => {
        const logged = jest.spyOn(console, "error").mockImplementation(() => undefined);
        const resources = await recordResources((transformations) => {
            new WhalyPostgresAccess(
                "gone",
                { database: pulumi.secret("gone\\db-secret"), admin: { host: "db.internal", username: "postgres" } },
                { transformations },
            );
        });
        await expectStopped(resources, "gone");
        const messages = logged.mock.calls.map((call) => String(call[0])).join("\n");
        expect(messages).toContain('- database "[secret]": database "[secret]" does not exist');
        expect(messages).not.toMatch(/db-secret/);
        logged.mockRestore();
    });

    /** Declares a component whose checks fail (a schema that does not exist); returns its gate's beforeCreate hooks, run. */
    async function failingGate(name: string): Promise<void> {
        const provider = providerWithConfig(`${name}-pg`, { host: "primary.internal", username: "admin" });
        const resources = await recordResources((transformations) => {
            new WhalyPostgresAccess(
                name,
                { database: "db", schemas: ["ghost"], tableCreators: ["etl"], host: "primary.internal" },
                { provider, transformations },
            );
        });
        return runBeforeCreate(resources.find((r) => r.name === `${name}/checks`)!);
    }

    it("fails a step only once the engine has the checks' error: a preview ends at the first failed step", async () => {
        // The engine acknowledges the error a while after it is logged.
        let acknowledged = false;
        const logged = jest
            .spyOn(pulumi.log, "error")
            .mockImplementation(() => new Promise<void>((resolve) => setTimeout(() => resolve(void (acknowledged = true)), 300)));
        try {
            let failedAcknowledged: boolean | undefined;
            await expect(
                failingGate("late").catch((e) => {
                    failedAcknowledged = acknowledged;
                    throw e;
                }),
            ).rejects.toThrow("the server checks of WhalyPostgresAccess late failed");
            expect(logged).toHaveBeenCalledWith(expect.stringContaining('- schemas[0] "ghost": does not exist'), expect.anything());
            expect(failedAcknowledged).toBe(true);
        } finally {
            logged.mockRestore();
        }
    });

    it("fails a step even when the engine never acknowledges the checks' error (an earlier log line waits for the component)", async () => {
        const logged = jest.spyOn(pulumi.log, "error").mockImplementation(() => new Promise<void>(() => undefined));
        try {
            const started = Date.now();
            await expect(failingGate("unheard")).rejects.toThrow("the server checks of WhalyPostgresAccess unheard failed");
            expect(Date.now() - started).toBeLessThan(LOG_DELIVERY_WAIT_MS + 2000);
        } finally {
            logged.mockRestore();
        }
    }, 15_000);

    it("declares everything when every listed schema exists", async () => {
        const provider = providerWithConfig("preflight-pg-ok", { host: "primary.internal", username: "admin" });
        const resources = await recordResources((transformations) => {
            new WhalyPostgresAccess(
                "fine",
                { database: "db", schemas: ["sales"], tableCreators: ["etl"], host: "primary.internal" },
                { provider, transformations },
            );
        });
        expect(resources).toHaveLength(1 + 1 + 2 + 1 + 3 + 2 + 1);
    });
});

describe("args given as Outputs", () => {
    it("are checked once resolved, before anything is created, with the args' error", async () => {
        const logged = jest.spyOn(console, "error").mockImplementation(() => undefined);
        const resources = await recordResources((transformations) => {
            new WhalyPostgresAccess(
                "late",
                {
                    database: pulumi.output('"analytics"'),
                    admin: { host: pulumi.output("db.internal"), username: "postgres", port: pulumi.output(0) },
                },
                { transformations },
            );
        });
        await expectStopped(resources, "late");
        expect(logged.mock.calls.map((call) => String(call[0]))).toEqual([
            expect.stringMatching(
                /Invalid args for WhalyPostgresAccess "late":\n- database \(a string of 11 characters: not shown\): contains a double quote.*\n- admin.port 0: is not a whole number from 1 to 65535/,
            ),
        ]);
        logged.mockRestore();
    });

    it("an empty password given as a secret (as every language but TypeScript gives it) stops the children, with the args' error", async () => {
        const logged = jest.spyOn(console, "error").mockImplementation(() => undefined);
        const resources = await recordResources((transformations) => {
            new WhalyPostgresAccess("empty", { database: "analytics", admin: ADMIN, password: pulumi.secret("") }, { transformations });
        });
        await expectStopped(resources, "empty");
        expect(logged.mock.calls.map((call) => String(call[0]))).toEqual([
            expect.stringMatching(
                /Invalid args for WhalyPostgresAccess "empty":\n- password \(.*\): is empty: pass a password, or omit it to generate one/,
            ),
        ]);
        logged.mockRestore();
    });

    it("a database name with a line break stops the children, and neither pgHbaLines nor accessSql writes it", async () => {
        const logged = jest.spyOn(console, "error").mockImplementation(() => undefined);
        let component: WhalyPostgresAccess | undefined;
        const resources = await recordResources((transformations) => {
            component = new WhalyPostgresAccess(
                "broken",
                { database: pulumi.output("x\n\\! touch pwned"), admin: ADMIN },
                { transformations },
            );
        });
        await expectStopped(resources, "broken");
        expect(await valueOf(component!.pgHbaLines)).toEqual([]);
        expect(await valueOf(component!.accessSql)).toBe("");
        expect(logged.mock.calls.map((call) => String(call[0]))).toEqual([
            expect.stringMatching(/- database \(a string of 16 characters: not shown\): contains a control character/),
        ]);
        logged.mockRestore();
    });

    it("Whaly's host may come from what takes the component's pgHbaLines (a replica's pg_hba.conf): nothing waits on the other", async () => {
        const [host, setHost] = pulumi.deferredOutput<string>();
        const component = new WhalyPostgresAccess("replicated", { database: "db", tableCreators: ["etl"], host, admin: ADMIN });
        setHost(component.pgHbaLines.apply((lines) => (lines.length > 0 ? "replica.internal" : "none")));
        expect(await valueOf(component.pgHbaLines)).toContain('hostssl "db" "whaly_bi" 34.76.0.0/14 scram-sha-256');
        expect(await valueOf(component.host)).toBe("replica.internal");
    });

    it("reach the children: the database's name, the admin's connection", async () => {
        let component: WhalyPostgresAccess | undefined;
        const resources = byName(
            await recordResources((transformations) => {
                component = new WhalyPostgresAccess(
                    "outputs",
                    {
                        database: pulumi.output("warehouse"),
                        admin: { host: pulumi.output("db.internal"), username: "postgres", port: pulumi.output(6432) },
                    },
                    { transformations },
                );
            }),
        );
        expect(resources["outputs/connect"].inputs).toMatchObject({ database: "warehouse" });
        // A provider's inputs reach the engine as strings.
        expect(resources["outputs/admin"].inputs).toMatchObject({ host: "db.internal", port: "6432", database: "warehouse" });
        expect(await valueOf(component!.database)).toBe("warehouse");
        expect(await valueOf(component!.accessSql)).toContain('GRANT CONNECT ON DATABASE "warehouse"');
    });
});

describe("a provider whose credentials the checks cannot use (an IAM token)", () => {
    it("warns once, naming the checks that did not run and why, and declares everything", async () => {
        const warned = jest.spyOn(console, "warn").mockImplementation(() => undefined);
        const provider = providerWithConfig("iam-pg", { host: "primary.internal" }, { ...MOCK_PROVIDER_CONFIG, aws_rds_iam_auth: true });
        const resources = await recordResources((transformations) => {
            new WhalyPostgresAccess(
                "iam",
                { database: "db", schemas: ["sales"], tableCreators: ["etl"], host: "replica.internal" },
                { provider, transformations },
            );
        });
        expect(resources).toHaveLength(1 + 1 + 2 + 1 + 3 + 2 + 1);
        expect(warned.mock.calls.map((call) => String(call[0]))).toEqual([
            expect.stringMatching(
                /The server checks did not run \(the database and schemas exist, .*\): the component cannot connect with the provider's credentials, as it signs in with an AWS RDS IAM token/,
            ),
        ]);
        warned.mockRestore();
    });
});

describe("components in one program", () => {
    it("wait for nothing but their own children and what they depend on: each PostgreSQL child retries a concurrent change instead", async () => {
        const admin = { host: "db.internal", username: "postgres", password: "admin-pw" };
        const resources = await recordResources((transformations) => {
            new WhalyPostgresAccess("a1", { database: "analytics", admin }, { transformations });
            new WhalyPostgresAccess("a2", { database: "analytics", roleName: "whaly_bi_staging", admin }, { transformations });
        });
        const children = resources.filter((r) => r.type.startsWith("postgresql:index/"));
        expect(children.length).toBeGreaterThan(10);
        for (const child of children) {
            const component = child.parent!;
            expect(child.dependsOn.every((d) => d.startsWith(`${component}/`))).toBe(true);
            expect(child.hooks?.onError?.map((hook) => hook.name)).toEqual([`whaly-postgres/${component}/retry`]);
        }
    });
});

describe("the compact mode (defaultPrivilegesScope: database)", () => {
    it("declares database-wide default privileges once per creator and object type, with no schema", async () => {
        const resources = await recordResources((transformations) => {
            new WhalyPostgresAccess(
                "compact",
                {
                    database: "db",
                    schemas: ["sales", "marketing"],
                    tableCreators: ["etl", "dbt"],
                    defaultPrivilegesScope: "database",
                    admin: { host: "db.internal", username: "postgres" },
                },
                { transformations },
            );
        });
        const defaults = resources.filter((r) => r.type === DEFAULTS);
        expect(defaults.map((d) => [d.name, d.inputs, d.deleteBeforeReplace])).toEqual(
            expect.arrayContaining(
                ["etl", "dbt"].flatMap((owner) =>
                    (["table", "sequence"] as const).map((objectType) => [
                        `compact/default-${objectType}s/${owner}`,
                        { database: "db", role: "whaly_bi", owner, objectType, privileges: ["SELECT"] },
                        true,
                    ]),
                ),
            ),
        );
        expect(defaults).toHaveLength(4);
        expect(resources.filter((r) => r.type === GRANT)).toHaveLength(1 + 3 * 2);
    });
});

describe("futureSchemas", () => {
    it("declares, per creator, the compact mode's table and sequence defaults and default USAGE on its schemas, none with a schema", async () => {
        const args = {
            database: "db",
            schemas: ["sales", "marketing"],
            tableCreators: ["etl", "dbt"],
            futureSchemas: true,
            rotation: "alternating",
            admin: { host: "db.internal", username: "postgres" },
        };
        let component: WhalyPostgresAccess | undefined;
        const resources = await recordResources((transformations) => {
            component = new WhalyPostgresAccess("future", args, { transformations });
        });
        const defaults = resources.filter((r) => r.type === DEFAULTS);
        expect(defaults.map((d) => [d.name, d.inputs, d.deleteBeforeReplace]).sort()).toEqual(
            ["etl", "dbt"]
                .flatMap((owner) => [
                    [
                        `future/default-tables/${owner}`,
                        { database: "db", role: "whaly_bi", owner, objectType: "table", privileges: ["SELECT"] },
                        true,
                    ],
                    [
                        `future/default-sequences/${owner}`,
                        { database: "db", role: "whaly_bi", owner, objectType: "sequence", privileges: ["SELECT"] },
                        true,
                    ],
                    [
                        `future/default-schemas/${owner}`,
                        { database: "db", role: "whaly_bi", owner, objectType: "schema", privileges: ["USAGE"] },
                        true,
                    ],
                ])
                .sort(),
        );
        // The listed schemas keep their grants; nothing grants CREATE.
        const grants = resources.filter((r) => r.type === GRANT);
        expect(grants.map((g) => g.name).sort()).toEqual(
            ["connect", ...["sales", "marketing"].flatMap((s) => [`usage/${s}`, `select-tables/${s}`, `select-sequences/${s}`])]
                .map((n) => `future/${n}`)
                .sort(),
        );
        expect([...grants, ...defaults].flatMap((r) => r.inputs.privileges as string[]).filter((p) => p === "CREATE")).toEqual([]);
        expect(await valueOf(component!.accessSql)).toBe(renderAccessSql(args));
    });
});

describe("the accessSql output", () => {
    it("is renderAccessSql of the same args, a psql script, the password elided", async () => {
        const args = {
            database: "db",
            schemas: ["sales"],
            tableCreators: ["etl"],
            admin: { host: "db.internal", username: "postgres", password: "admin-pw" },
        };
        let component: WhalyPostgresAccess | undefined;
        await recordResources((transformations) => {
            component = new WhalyPostgresAccess("sql", args, { transformations });
        });
        const sql = await valueOf(component!.accessSql);
        expect(sql).toBe(renderAccessSql(args));
        expect(sql).toContain("PASSWORD '<password elided>'");
        expect(sql).not.toContain("generated-Secret");
        expect(sql).not.toContain("admin-pw");
    });
});

describe("the all-data mode", () => {
    it("declares the membership in pg_read_all_data on the role itself, CONNECT, and nothing per schema", async () => {
        const resources = await recordResources((transformations) => {
            new WhalyPostgresAccess(
                "all",
                { database: "db", readAllData: true, admin: { host: "db.internal", username: "postgres" } },
                { transformations },
            );
        });
        const r = byName(resources);
        expect(
            resources
                .filter((x) => x.type.startsWith("postgresql:index/"))
                .map((x) => x.name)
                .sort(),
        ).toEqual(["all/connect", "all/role"]);
        expect(r["all/role"].inputs).toMatchObject({ name: "whaly_bi", roles: ["pg_read_all_data"] });
    });
});

describe("rotation alternating", () => {
    async function alternating(passwordVersion: number) {
        let component: WhalyPostgresAccess | undefined;
        const name = `alt${passwordVersion}`;
        const resources = await recordResources((transformations) => {
            component = new WhalyPostgresAccess(
                name,
                { database: "db", rotation: "alternating", passwordVersion, admin: { host: "db.internal", username: "postgres" } },
                { transformations },
            );
        });
        // Child names without the component's own, which differs per version.
        const r = Object.fromEntries(resources.map((x) => [x.name.replace(`${name}/`, "alt/"), x]));
        return { r, resources, component: component! };
    }

    it("declares the NOLOGIN group holding the grants, and two users, members with the role guards; b without a password before the first rotation", async () => {
        const { r, resources } = await alternating(1);
        expect(r["alt/role"].inputs).toEqual({
            name: "whaly_bi",
            login: false,
            superuser: false,
            createDatabase: false,
            createRole: false,
            replication: false,
            bypassRowLevelSecurity: false,
        });
        expect(r["alt/user-a"].inputs).toEqual({
            name: "whaly_bi_a",
            login: true,
            password: secret(scramVerifier("generated-Secret-0123456789abcdef", Buffer.from(MOCK_SALT_BASE64, "base64"))),
            connectionLimit: 10,
            statementTimeout: 600000,
            idleInTransactionSessionTimeout: 60000,
            roles: ["whaly_bi"],
            inherit: true,
            superuser: false,
            createDatabase: false,
            createRole: false,
            replication: false,
            bypassRowLevelSecurity: false,
        });
        expect(r["alt/user-b"].inputs).toMatchObject({ name: "whaly_bi_b", login: false, roles: ["whaly_bi"] });
        expect(r["alt/user-b"].inputs.password).toBeUndefined();
        expect(r["alt/password-a"].inputs).toEqual({ length: 32, special: false, keepers: { version: "1" } });
        expect(r["alt/password-b"]).toBeUndefined();
        for (const grant of resources.filter((x) => x.type === GRANT || x.type === DEFAULTS)) expect(grant.inputs.role).toBe("whaly_bi");
    });

    it("at version 4, b is current with version 4's password, a keeps version 3's and is the previous user until version 5", async () => {
        const { r, component } = await alternating(4);
        expect(r["alt/password-a"].inputs.keepers).toEqual({ version: "3" });
        expect(r["alt/password-b"].inputs.keepers).toEqual({ version: "4" });
        expect(r["alt/user-b"].inputs).toMatchObject({ login: true });
        expect(await valueOf(component.user)).toBe("whaly_bi_b");
        expect(await valueOf(component.previousUser)).toBe("whaly_bi_a");
        expect(await valueOf(component.previousUserRetiresAtVersion)).toBe(5);
        expect(await pulumi.isSecret(component.password)).toBe(true);
    });

    it("holds the version in a step every password waits for, whose update lets it go only one up at a time", async () => {
        const { r } = await alternating(4);
        const step = r["alt/password-version"];
        expect(step.inputs).toEqual({ input: { passwordVersion: 4 } });
        for (const password of ["alt/password-a", "alt/password-b"]) expect(r[password].dependsOn).toContain("alt4/password-version");
        const update = (was: number) => {
            const hook = step.hooks!.beforeUpdate!.find((h) => pulumi.ResourceHook.isInstance(h) && h.name.endsWith("/password-version"));
            const callback = pulumi.ResourceHook.isInstance(hook) ? hook.callback : hook!;
            return Promise.resolve(callback({ urn: "", id: "", name: "", type: "", oldInputs: { input: { passwordVersion: was } } }));
        };
        await expect(update(3)).resolves.toBeUndefined();
        await expect(update(4)).resolves.toBeUndefined();
        for (const was of [2, 5, 1])
            await expect(update(was)).rejects.toThrow(
                `passwordVersion 4: goes from ${was} at this update, and with rotation "alternating" it must go one up at a time`,
            );
    });
});

describe("adoptRole, the role existing on the server", () => {
    /** Child names without the component's own, which differs per test (the mocked engine keeps every registration). */
    async function adopted(name: string, args: Partial<WhalyPostgresAccessArgs> = {}) {
        let component: WhalyPostgresAccess | undefined;
        const resources = await recordResources((transformations) => {
            component = new WhalyPostgresAccess(
                name,
                { database: "db", adoptRole: true, admin: { host: "db.internal", username: "postgres" }, ...args },
                { transformations },
            );
        });
        return { r: Object.fromEntries(resources.map((x) => [x.name.replace(`${name}/`, "adopt/"), x])), component: component! };
    }

    it("imports the role, keeps its password (no password input, empty outputs), and records the adoption's version in the salt", async () => {
        const { r, component } = await adopted("adopt-kept");
        expect(r["adopt/role"].importId).toBe("whaly_bi");
        // No password reaches the engine (a secret wrapping null, the verifier withheld).
        expect((r["adopt/role"].inputs.password as { value?: unknown } | undefined)?.value ?? null).toBeNull();
        expect(r["adopt/role"].inputs).toMatchObject({ name: "whaly_bi", login: true, connectionLimit: 10 });
        expect(r["adopt/salt"].inputs).toEqual({ length: 16, keepers: { adoptedAtVersion: "1" } });
        expect(await valueOf(component.password)).toBe("");
        expect(await valueOf(component.connectionString)).toBe("postgresql://whaly_bi@db.internal:5432/db?sslmode=require");
        // The grants are the plan's, as for a role the component creates.
        expect(r["adopt/select-tables/public"].inputs).toMatchObject({ role: "whaly_bi", privileges: ["SELECT"] });
    });

    it("every child follows the component's dependsOn, given as an Output, a promise or one resource; all but the take-over and the gate follow it too", async () => {
        for (const [name, given] of [
            ["adopt-deps-output", (r: pulumi.Resource) => pulumi.output([r])],
            ["adopt-deps-promise", (r: pulumi.Resource) => Promise.resolve(r)],
            ["adopt-deps-one", (r: pulumi.Resource) => r],
        ] as const) {
            const resources = await recordResources((transformations) => {
                const ready = new random.RandomId(`${name}-ready`, { byteLength: 4 }, { transformations });
                new WhalyPostgresAccess(
                    name,
                    { database: "db", adoptRole: true, admin: { host: "db.internal", username: "postgres" } },
                    { transformations, dependsOn: given(ready) },
                );
            });
            const children = resources.filter((r) => r.parent === name && !r.type.startsWith("pulumi:providers:"));
            expect(children.length).toBeGreaterThan(5);
            for (const child of children) {
                expect([child.name, child.dependsOn]).toEqual([child.name, expect.arrayContaining([`${name}-ready`])]);
                if (child.name !== `${name}/take-over` && child.name !== `${name}/checks`)
                    expect([child.name, child.dependsOn]).toEqual([child.name, expect.arrayContaining([`${name}/take-over`])]);
            }
        }
    });

    it("with a salt in the state made without keepers (the role was not adopted when it was made), gives the role the stack's password, though the keepers given say adopted", async () => {
        // At up, the SDK fills an output missing from the engine's state with the input given: the state's keepers are read back by URN.
        leftOutOfState.set("adopt-made/salt", ["keepers"]);
        const { r, component } = await adopted("adopt-made");
        expect(r["adopt/salt"].inputs).toEqual({ length: 16, keepers: { adoptedAtVersion: "1" } });
        expect(r["adopt/role"].inputs.password).toEqual(
            secret(scramVerifier("generated-Secret-0123456789abcdef", Buffer.from(MOCK_SALT_BASE64, "base64"))),
        );
        expect(await valueOf(component.password)).toBe("generated-Secret-0123456789abcdef");
    });

    it("with a password given, sets it at once (its SCRAM verifier), and records nothing in the salt", async () => {
        const { r, component } = await adopted("adopt-given", { password: "given-Password-1" });
        expect(r["adopt/role"].importId).toBe("whaly_bi");
        expect(r["adopt/role"].inputs.password).toEqual(secret(scramVerifier("given-Password-1", Buffer.from(MOCK_SALT_BASE64, "base64"))));
        expect(r["adopt/salt"].inputs).toEqual({ length: 16 });
        expect(await valueOf(component.password)).toBe("given-Password-1");
    });
});

describe("the SSH tunnel's outputs", () => {
    const admin = { host: "db.internal", username: "postgres" };
    const sshOutputs = async (c: WhalyPostgresAccess) =>
        Object.fromEntries(
            await Promise.all(
                (["sshAuthorizedKeysLine", "sshdConfig", "sshHost", "sshPort", "sshUser", "pgHbaLines"] as const).map(
                    async (k) => [k, await valueOf(c[k] as pulumi.Output<unknown>)] as const,
                ),
            ),
        );

    it("without a tunnel: empty, port 0, and pg_hba.conf admits Whaly's ranges", async () => {
        const c = new WhalyPostgresAccess("no-tunnel", { database: "analytics", admin, ipRanges: ["34.76.0.0/14"] });
        expect(await sshOutputs(c)).toEqual({
            sshAuthorizedKeysLine: "",
            sshdConfig: "",
            sshHost: "",
            sshPort: 0,
            sshUser: "",
            pgHbaLines: ['hostssl "analytics" "whaly_bi" 34.76.0.0/14 scram-sha-256'],
        });
    });

    it("with a tunnel: Whaly's SSH fields, the line and the block naming the database as the bastion sees it, and pg_hba.conf admitting the bastion", async () => {
        const c = new WhalyPostgresAccess("tunnel", {
            database: "analytics",
            admin,
            host: "10.0.2.9",
            ipRanges: ["34.76.0.0/14"],
            sshTunnel: {
                publicKey: pulumi.output(PUBLIC_KEYS.ed25519),
                bastionHost: "bastion.example.com",
                bastionAddress: pulumi.output("10.0.1.5"),
            },
        });
        const out = await sshOutputs(c);
        expect(out).toMatchObject({
            sshAuthorizedKeysLine: `restrict,port-forwarding,permitopen="10.0.2.9:5432",permitlisten="NONE:1",command="false" ${PUBLIC_KEYS.ed25519}`,
            sshHost: "bastion.example.com",
            sshPort: 22,
            sshUser: "whaly",
            pgHbaLines: ['hostssl "analytics" "whaly_bi" 10.0.1.5/32 scram-sha-256'],
        });
        expect(out.sshdConfig).toContain("Match User whaly\n    AllowTcpForwarding local\n    PermitOpen 10.0.2.9:5432\n");
        // Whaly's ranges still reach the bastion's SSH port.
        expect(await valueOf(c.ipRanges)).toEqual(["34.76.0.0/14"]);
    });

    it("a publicKey given as an Output and resolved to a private key: one error that never shows it, nothing created, the line empty", async () => {
        const { pkcs8 } = privateKeys();
        const logged = jest.spyOn(console, "error").mockImplementation(() => undefined);
        let c: WhalyPostgresAccess | undefined;
        const resources = await recordResources((transformations) => {
            c = new WhalyPostgresAccess(
                "leaked",
                { database: "analytics", admin, sshTunnel: { publicKey: pulumi.secret(pkcs8), bastionHost: "10.0.1.5" } },
                { transformations },
            );
        });
        await expectStopped(resources, "leaked");
        const messages = logged.mock.calls.map((call) => String(call[0]));
        expect(messages).toEqual([
            expect.stringContaining(
                'Invalid args for WhalyPostgresAccess "leaked":\n- sshTunnel.publicKey (a private key: not shown): is a private key',
            ),
        ]);
        expect(messages.join("\n")).not.toContain(pkcs8.split("\n")[1]);
        expect(await valueOf(c!.sshAuthorizedKeysLine)).toBe("");
        logged.mockRestore();
    });
});
