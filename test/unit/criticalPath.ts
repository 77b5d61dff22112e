/**
 * What the children's registration waits for. Reading the catalog takes round trips to the server
 * (a region away, 20 ms each): the checks run beside the registration, and only their hooks, at a
 * create or update step, wait for them. Here the catalog answers no component until the test lets
 * it: the role and the grants must reach the engine meanwhile, except with adoptRole, whose
 * password salt records whether the role was adopted, which only the catalog tells. Each of
 * criticalPath.up.test.ts and criticalPath.preview.test.ts runs these with mocks of its own.
 */
import * as pulumi from "@pulumi/pulumi";
import { WhalyPostgresAccess, WhalyPostgresAccessArgs } from "../../index";
import "./mockHooks";

/** Each read of the catalog, by the first schema it asks for, held until the test answers it. */
const held = new Map<string, () => void>();
jest.mock("../../components/server/facts", () => {
    const actual = jest.requireActual("./serverFactsMock");
    return {
        ...actual,
        readServerFacts: async (...args: unknown[]) => {
            await new Promise<void>((resolve) => held.set((args[2] as string[])[0], resolve));
            return actual.readServerFacts(...args);
        },
    };
});

const registered: string[] = [];

/** Waits until `done()`, or `ms` passed; says which. */
async function within(ms: number, done: () => boolean): Promise<boolean> {
    for (const until = Date.now() + ms; !done() && Date.now() < until;) await new Promise((resolve) => setTimeout(resolve, 10));
    return done();
}
const missing = (names: string[]) => names.filter((n) => !registered.includes(n));

const ADMIN = { host: "db.internal", username: "postgres", password: "admin-pw" };

/** The tests, with a mocked engine at `mode`: up, or a preview (`dryRun`). */
export function registrationBesideTheChecks(mode: "up" | "preview", dryRun: boolean): void {
    pulumi.runtime.setMocks(
        {
            newResource: (args) => {
                registered.push(args.name);
                const generated: Record<string, Record<string, unknown>> = {
                    "random:index/randomPassword:RandomPassword": { result: "generated-Secret-0123456789abcdef" },
                    "random:index/randomBytes:RandomBytes": { base64: "c2FsdC1zYWx0LXNhbHQtIQ==" },
                };
                // At preview, what the update creates has no ID yet; the provider has one.
                const id = dryRun && !args.type.startsWith("pulumi:providers:") ? undefined : `${args.name}-id`;
                return { id, state: { ...args.inputs, ...generated[args.type] } };
            },
            call: (args) => args.inputs,
        },
        "whaly-test",
        mode,
        dryRun,
    );

    /** Declares the component `name` with `args`, reading schema `name`, and waits until its checks are reading the catalog. */
    async function heldAtTheCatalog(name: string, args: Partial<WhalyPostgresAccessArgs>): Promise<void> {
        new WhalyPostgresAccess(name, { database: "analytics", admin: ADMIN, schemas: [name], ...args });
        expect(await within(5000, () => held.has(name))).toBe(true);
    }

    describe(`registration beside the checks, at ${mode}`, () => {
        it("registers the role and every grant while the catalog has not answered", async () => {
            const name = `beside_${mode}`;
            await heldAtTheCatalog(name, { tableCreators: ["etl"] });
            const children = ["role", "connect", `usage/${name}`, `select-tables/${name}`, `default-tables/etl/${name}`];
            await within(5000, () => missing(children.map((c) => `${name}/${c}`)).length === 0);
            expect(missing(children.map((c) => `${name}/${c}`))).toEqual([]);
        });

        it("with adoptRole and a password of its own, registers the role while the catalog has not answered", async () => {
            const name = `password_${mode}`;
            await heldAtTheCatalog(name, { adoptRole: true, password: "a-password-of-its-own-0123456789" });
            const children = ["take-over", "salt", "role", "connect"].map((c) => `${name}/${c}`);
            await within(5000, () => missing(children).length === 0);
            expect(missing(children)).toEqual([]);
        });

        it("with adoptRole, registers the salt and the role only once the catalog has said whether the role exists", async () => {
            const name = `adopting_${mode}`;
            await heldAtTheCatalog(name, { adoptRole: true });
            // What does not wait for the catalog is registered; the salt is not.
            const before = [`${name}/checks`, `${name}/take-over`, `${name}/password`];
            expect(await within(5000, () => missing(before).length === 0)).toBe(true);
            await new Promise((resolve) => setTimeout(resolve, 300));
            expect(missing([`${name}/salt`, `${name}/role`])).toEqual([`${name}/salt`, `${name}/role`]);
            held.get(name)!();
            await within(5000, () => missing([`${name}/salt`, `${name}/role`]).length === 0);
            expect(missing([`${name}/salt`, `${name}/role`])).toEqual([]);
        });
    });
}
