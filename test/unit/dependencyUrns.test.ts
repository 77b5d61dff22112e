/**
 * What the component depends on, known by URN only (a DependencyResource), as the package's
 * provider gets it from a YAML, Go or Python program: at preview, the engine's record of this
 * update says whether it exists yet. A mocked engine at preview.
 */
import * as postgresql from "@pulumi/postgresql";
import * as pulumi from "@pulumi/pulumi";
import { stillToCreate } from "../../components/server/dependencies";

pulumi.runtime.setMocks(
    {
        // At preview, a resource the update creates has no ID yet; one in the state has its own.
        newResource: (args) => ({ id: args.name === "etl" ? "etl" : undefined, state: args.inputs }),
        call: (args) => args.inputs,
    },
    "whaly-test",
    "preview",
    true,
);

const urnOf = (resource: pulumi.Resource) => new Promise<string>((resolve) => resource.urn.apply(resolve));

describe("at preview, a dependency known by its URN only", () => {
    it("is still to create where the engine has no ID for it, or does not know it; it exists where the engine has its ID", async () => {
        const fresh = new postgresql.Schema("fresh", { name: "fresh", database: "freshdb" });
        const etl = new postgresql.Role("etl", { name: "etl" });
        const byUrn = async (resource: pulumi.Resource) => new pulumi.DependencyResource(await urnOf(resource));
        const unknown = new pulumi.DependencyResource("urn:pulumi:preview::whaly-test::postgresql:index/role:Role::elsewhere");
        expect(await stillToCreate([await byUrn(fresh), await byUrn(etl), unknown], [])).toEqual([
            "postgresql:index/schema:Schema fresh",
            "postgresql:index/role:Role elsewhere",
        ]);
        expect(await stillToCreate([await byUrn(etl)], [])).toEqual([]);
    });
});
