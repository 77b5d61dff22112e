/**
 * What reaches the engine before the gate's step has run (children/steps.ts): nothing that changes
 * the server. Here the mocked engine holds the gate's registration until the test lets it go; a
 * resource is registered only once those it depends on (and its inputs' resources) have had their
 * step, so no role, grant or default privilege may be registered meanwhile, whatever the rotation,
 * adoptRole, or the scope of the default privileges.
 */
import * as pulumi from "@pulumi/pulumi";
import { WhalyPostgresAccess, WhalyPostgresAccessArgs } from "../../index";
import "./mockHooks";

jest.setTimeout(60_000);
jest.mock("../../components/server/facts", () => jest.requireActual("./serverFactsMock"));

const registered: Array<{ type: string; name: string }> = [];
const heldGates = new Map<string, () => void>();

pulumi.runtime.setMocks(
    {
        newResource: async (args) => {
            if (args.name.endsWith("/checks")) await new Promise<void>((resolve) => heldGates.set(args.name, resolve));
            registered.push({ type: args.type, name: args.name });
            const generated: Record<string, Record<string, unknown>> = {
                "random:index/randomPassword:RandomPassword": { result: "generated-Secret-0123456789abcdef" },
                "random:index/randomBytes:RandomBytes": { base64: "c2FsdC1zYWx0LXNhbHQtIQ==" },
            };
            return { id: `${args.name}-id`, state: { ...args.inputs, ...generated[args.type] } };
        },
        call: (args) => args.inputs,
    },
    "whaly-test",
    "up",
    false,
);

/** Waits until `done()`, or `ms` passed; says which. */
async function within(ms: number, done: () => boolean): Promise<boolean> {
    for (const until = Date.now() + ms; !done() && Date.now() < until;) await new Promise((resolve) => setTimeout(resolve, 10));
    return done();
}

const onTheServer = (name: string) => registered.filter((r) => r.name.startsWith(`${name}/`) && r.type.startsWith("postgresql:index/"));

describe("the gate, <name>/checks, held back by the engine", () => {
    it.each<[string, Partial<WhalyPostgresAccessArgs>]>([
        ["plain", {}],
        ["alternating", { rotation: "alternating" }],
        ["adopting", { adoptRole: true }],
        ["compact", { defaultPrivilegesScope: "database" }],
    ])("%s: no role, grant or default privilege is registered before the gate's step", async (name, args) => {
        new WhalyPostgresAccess(name, {
            database: "analytics",
            schemas: ["a", "b"],
            tableCreators: ["etl"],
            admin: { host: "db.internal", username: "postgres", password: "admin-pw" },
            ...args,
        });
        try {
            expect(await within(10_000, () => heldGates.has(`${name}/checks`))).toBe(true);
            // What does not wait for the gate reaches the engine meanwhile: the salt, after the password
            // (the mocked engine answers within microtasks, so a role not following the gate would be here too).
            expect(await within(10_000, () => registered.some((r) => r.name.startsWith(`${name}/salt`)))).toBe(true);
            expect(onTheServer(name)).toEqual([]);
        } finally {
            heldGates.get(`${name}/checks`)?.();
        }
        expect(
            await within(10_000, () => onTheServer(name).some((r) => r.type === "postgresql:index/defaultPrivileges:DefaultPrivileges")),
        ).toBe(true);
        expect(onTheServer(name).map((r) => r.type)).toEqual(
            expect.arrayContaining(["postgresql:index/role:Role", "postgresql:index/grant:Grant"]),
        );
    });
});
