/**
 * The component waits for what it depends on with means the Node SDK keeps internal
 * (components/server/dependencies.ts). This fails if an SDK upgrade moves them.
 */
import * as postgresql from "@pulumi/postgresql";
import * as pulumi from "@pulumi/pulumi";
import "./pulumiMocks";
import { dependenciesOf, isKnown, stillToCreate } from "../../components/server/dependencies";

class Bundle extends pulumi.ComponentResource {
    readonly role: postgresql.Role;
    constructor(name: string) {
        super("test:index:Bundle", name);
        this.role = new postgresql.Role(`${name}-role`, { name }, { parent: this });
        this.registerOutputs({});
    }
}

describe("the SDK's means of waiting for dependencies", () => {
    it("are where the component looks for them", () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const sdk = require("@pulumi/pulumi/runtime/dependsOn");
        expect(typeof sdk.gatherExplicitDependencies).toBe("function");
        expect(typeof sdk.getAllTransitivelyReferencedResources).toBe("function");
        const output = pulumi.output("x") as unknown as { isKnown: unknown; allResources: unknown };
        expect(output.isKnown).toBeInstanceOf(Promise);
        expect(typeof output.allResources).toBe("function");
    });

    it("name the resources of dependsOn however it is given, and find those behind Outputs and inside components", async () => {
        const db = new postgresql.Database("deps-db", { name: "warehouse" });
        const bundle = new Bundle("deps-bundle");
        expect(await dependenciesOf(pulumi.output([db]))).toEqual([db]);
        expect(await dependenciesOf(db)).toEqual([db]);
        expect(await isKnown(db.name)).toBe(true);
        // In an update (not a preview), every one of them is created before the wait ends: none is left to create.
        expect(await stillToCreate([bundle], [db.name])).toEqual([]);
    });
});
