/**
 * The composed stack at preview, in a mocked engine: the database, a creator role and a schema
 * are still to be created (the engine has no ID for them yet). The component cannot check the
 * server, says so in one info line, and declares every child its args call for.
 */
import * as postgresql from "@pulumi/postgresql";
import * as pulumi from "@pulumi/pulumi";
import { WhalyPostgresAccess } from "../../index";
import "./mockHooks";

jest.mock("../../components/server/facts", () => ({
    readServerFacts: () => {
        throw new Error("the server must not be read while what the component depends on does not exist");
    },
}));

const registered: string[] = [];
pulumi.runtime.setMocks(
    {
        // At preview, a resource the update creates has no ID yet.
        newResource: (args) => {
            registered.push(args.name);
            return { id: args.type.startsWith("pulumi:providers:") ? "provider-id" : undefined, state: args.inputs };
        },
        call: (args) => args.inputs,
    },
    "whaly-test",
    "preview",
    true,
);

/** Waits until no registration came for half a second. */
async function settled(): Promise<void> {
    for (let count = -1; count !== registered.length;) {
        count = registered.length;
        await new Promise((resolve) => setTimeout(resolve, 500));
    }
}

describe("preview of a stack that creates the database, a creator and a schema beside the component", () => {
    it("logs one info line and declares every child from the args, whether the database is named or an Output", async () => {
        const info = jest.spyOn(console, "log").mockImplementation(() => undefined);
        const admin = new postgresql.Provider("server", { host: "db.internal" });
        const db = new postgresql.Database("warehouse", { name: "warehouse" }, { provider: admin });
        const etl = new postgresql.Role("etl", { name: "etl" }, { provider: admin });
        const sales = new postgresql.Schema("sales", { name: "sales", database: db.name }, { provider: admin });
        new WhalyPostgresAccess(
            "named",
            { database: "warehouse", schemas: ["sales"], tableCreators: ["etl"], host: "db.internal" },
            { provider: admin, dependsOn: [db, etl, sales] },
        );
        new WhalyPostgresAccess(
            "output",
            {
                database: db.name,
                schemas: ["sales"],
                tableCreators: ["etl"],
                admin: { host: "db.internal", username: "postgres" },
            },
            { dependsOn: [etl, sales] },
        );
        await settled();
        for (const name of ["named", "output"])
            expect(registered.filter((r) => r.startsWith(`${name}/`)).sort()).toEqual(
                [
                    ...(name === "output" ? ["admin"] : []),
                    "checks",
                    "connect",
                    "default-sequences/etl/sales",
                    "default-tables/etl/sales",
                    "password",
                    "role",
                    "salt",
                    "select-sequences/sales",
                    "select-tables/sales",
                    "usage/sales",
                ].map((child) => `${name}/${child}`),
            );
        const lines = info.mock.calls.map((call) => String(call[0])).filter((line) => line.includes("server checks"));
        expect(lines).toEqual([
            expect.stringContaining(
                "The server checks run at up, once postgresql:index/database:Database warehouse, postgresql:index/role:Role etl, postgresql:index/schema:Schema sales exist",
            ),
            expect.stringContaining(
                "The server checks run at up, once postgresql:index/role:Role etl, postgresql:index/schema:Schema sales, postgresql:index/database:Database warehouse exist",
            ),
        ]);
        info.mockRestore();
    });
});

describe("preview of a component whose dependsOn is an Output not known yet", () => {
    it("keeps each child's own dependencies, and the Output's: the gate and the take-over before the role, the role before the grants", async () => {
        const info = jest.spyOn(console, "log").mockImplementation(() => undefined);
        // How the engine reads a child's dependsOn (the SDK's own reading).
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const sdk: { gatherExplicitDependencies(d: unknown): Promise<pulumi.Resource[]> } = require("@pulumi/pulumi/runtime/dependsOn");
        const given = new Map<string, pulumi.ResourceOptions["dependsOn"]>();
        const admin = new postgresql.Provider("server-late", { host: "db.internal" });
        const db = new postgresql.Database("warehouse-late", { name: "warehouse" }, { provider: admin });
        new WhalyPostgresAccess(
            "late",
            { database: "warehouse", adoptRole: true, admin: { host: "db.internal", username: "postgres" } },
            {
                dependsOn: db.id.apply(() => [db]),
                transformations: [
                    (args) => {
                        given.set(args.name, args.opts.dependsOn);
                        return undefined;
                    },
                ],
            },
        );
        await settled();
        const dependencies = async (child: string) =>
            (
                await Promise.all(
                    (await sdk.gatherExplicitDependencies(given.get(child))).map((r) => new Promise((resolve) => r.urn.apply(resolve))),
                )
            )
                .map((urn) => String(urn).split("::").pop())
                .sort();
        // The database through the Output's own resources, though its value is not known yet.
        expect(await dependencies("late/role")).toEqual(["late/checks", "late/take-over", "warehouse-late"]);
        // The gate through the role.
        expect(await dependencies("late/connect")).toEqual(["late/role", "late/take-over", "warehouse-late"]);
        info.mockRestore();
    });
});
