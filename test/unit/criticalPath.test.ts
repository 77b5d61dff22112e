/**
 * What the children's registration waits for. Reading the catalog takes round trips to the server
 * (a region away, 20 ms each): the checks run beside the registration, and only their hooks, at a
 * create or update step, wait for them. Here the catalog never answers until the test lets it: the
 * role and the grants must reach the engine meanwhile, except with adoptRole, whose password salt
 * records whether the role was adopted, which only the catalog tells.
 */
import * as pulumi from "@pulumi/pulumi";
import { WhalyPostgresAccess, WhalyPostgresAccessArgs } from "../../index";
import "./mockHooks";

/** The catalog's answer, held until the test releases it. */
let release: () => void = () => undefined;
jest.mock("../../components/server/facts", () => {
    const actual = jest.requireActual("./serverFactsMock");
    return {
        ...actual,
        readServerFacts: async (...args: unknown[]) => {
            await new Promise<void>((resolve) => (release = resolve));
            return actual.readServerFacts(...args);
        },
    };
});

const registered: string[] = [];
pulumi.runtime.setMocks(
    {
        newResource: (args) => {
            registered.push(args.name);
            const generated: Record<string, Record<string, unknown>> = {
                "random:index/randomPassword:RandomPassword": { result: "generated-Secret-0123456789abcdef" },
                "random:index/randomBytes:RandomBytes": { base64: "c2FsdC1zYWx0LXNhbHQtIQ==" },
            };
            return { id: `${args.name}-id`, state: { ...args.inputs, ...generated[args.type] } };
        },
        call: (args) => args.inputs,
    },
    "whaly-test",
    "unit",
    false,
);

/** Waits until `names` are all registered, or `ms` passed; returns those missing. */
async function registeredWithin(names: string[], ms: number): Promise<string[]> {
    const until = Date.now() + ms;
    while (Date.now() < until && names.some((n) => !registered.includes(n))) await new Promise((resolve) => setTimeout(resolve, 20));
    return names.filter((n) => !registered.includes(n));
}

const ADMIN = { host: "db.internal", username: "postgres", password: "admin-pw" };

describe("registration beside the checks", () => {
    afterEach(() => release());

    it("registers the role and every grant while the catalog has not answered", async () => {
        const args: WhalyPostgresAccessArgs = { database: "analytics", schemas: ["sales"], tableCreators: ["etl"], admin: ADMIN };
        new WhalyPostgresAccess("beside", args);
        const missing = await registeredWithin(
            ["beside/role", "beside/connect", "beside/usage/sales", "beside/select-tables/sales", "beside/default-tables/etl/sales"],
            3000,
        );
        expect(missing).toEqual([]);
    });

    it("with adoptRole, registers the role only once the catalog has said whether it exists", async () => {
        new WhalyPostgresAccess("adopting", { database: "analytics", admin: ADMIN, adoptRole: true });
        expect(await registeredWithin(["adopting/salt"], 1000)).toEqual(["adopting/salt"]);
        release();
        expect(await registeredWithin(["adopting/salt", "adopting/role"], 3000)).toEqual([]);
    });
});
