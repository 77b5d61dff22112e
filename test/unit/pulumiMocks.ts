import * as pulumi from "@pulumi/pulumi";

/** One resource as the mocked engine saw it. */
export interface RegisteredResource {
    type: string;
    name: string;
    /** Inputs, resolved (secrets unwrapped). */
    inputs: Record<string, unknown>;
    /** Provider reference (`urn::id`) the engine was asked to use, if any. */
    provider?: string;
    /** Name of the parent resource, from the SDK's view of the resource options. */
    parent?: string;
    /** The `deleteBeforeReplace` resource option. */
    deleteBeforeReplace?: boolean;
    resource: pulumi.Resource;
}

const registered: Array<Omit<RegisteredResource, "parent" | "resource">> = [];

pulumi.runtime.setMocks(
    {
        newResource(args) {
            registered.push({ type: args.type, name: args.name, inputs: args.inputs, provider: args.provider });
            const state =
                args.type === "random:index/randomPassword:RandomPassword"
                    ? { ...args.inputs, result: "generated-Secret-0123456789abcdef" }
                    : args.inputs;
            return { id: `${args.name}-id`, state };
        },
        call: (args) => args.inputs,
    },
    "whaly-test",
    "unit",
    false,
);

/** Number of registrations so far (to prove a failed construction registered nothing). */
export function registrationCount(): number {
    return registered.length;
}

/** Resolves an output's value in a mocked deployment. */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply(resolve));
}

/**
 * Runs `build`, recording every resource it creates (the component and its children) through
 * a transformation, and waits until the mocked engine registered them all.
 */
export async function recordResources(build: (transformations: pulumi.ResourceTransformation[]) => void): Promise<RegisteredResource[]> {
    const seen: Array<{ resource: pulumi.Resource; type: string; name: string; parent?: pulumi.Resource; deleteBeforeReplace?: boolean }> =
        [];
    build([
        (args) => {
            const { parent, deleteBeforeReplace } = args.opts as pulumi.CustomResourceOptions;
            seen.push({ resource: args.resource, type: args.type, name: args.name, parent, deleteBeforeReplace });
            return undefined;
        },
    ]);
    await Promise.all(seen.map((s) => valueOf(s.resource.urn)));
    return seen.map((s) => {
        const engineView = registered.find((r) => r.type === s.type && r.name === s.name);
        if (!engineView) throw new Error(`the engine never saw ${s.type} ${s.name}`);
        const parentName = s.parent && seen.find((p) => p.resource === s.parent)?.name;
        return { ...engineView, parent: parentName, deleteBeforeReplace: s.deleteBeforeReplace, resource: s.resource };
    });
}
