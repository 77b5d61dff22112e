/**
 * What the component depends on, and whether it exists yet: the resources in `opts.dependsOn`
 * (a component standing for its children) and the resources behind Output args, as the engine
 * gathers them for an invoke with `dependsOn`. At `up` the wait ends once each is created; at
 * preview, those this update will create are named, since the server checks cannot see them.
 * The Node SDK keeps these means internal (`runtime/dependsOn`, `Output.isKnown`, `allResources`),
 * long stable; test/unit/dependencies.test.ts fails if an SDK upgrade moves them. The engine's
 * `pulumi:pulumi:getResource`, which the SDK itself invokes, tells of a resource known by URN only.
 */
import * as pulumi from "@pulumi/pulumi";

type DependsOn = pulumi.ResourceOptions["dependsOn"];
interface SdkDependsOn {
    gatherExplicitDependencies(dependsOn: DependsOn): Promise<pulumi.Resource[]>;
    getAllTransitivelyReferencedResources(resources: Set<pulumi.Resource>, exclude: Set<pulumi.Resource>): Promise<pulumi.Resource[]>;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const sdk: SdkDependsOn = require("@pulumi/pulumi/runtime/dependsOn");

interface OutputInternals {
    isKnown: Promise<boolean>;
    allResources(): Promise<Set<pulumi.Resource>>;
}
const internals = (output: pulumi.Output<unknown>) => output as unknown as OutputInternals;

/** Whether `output` has a value: waits at `up` until it has one; at preview, what is still to be created has none. */
export function isKnown(output: pulumi.Output<unknown>): Promise<boolean> {
    return internals(output).isKnown;
}

/** The value of a known Output (an unknown one would never resolve: check isKnown first). */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply(resolve));
}

/** The resources `dependsOn` names, however it is given (a list, an Output, a Promise). */
export function dependenciesOf(dependsOn: DependsOn): Promise<pulumi.Resource[]> {
    return sdk.gatherExplicitDependencies(dependsOn);
}

/**
 * The resources `dependsOn` and `inputs` lead to that this update still has to create, as
 * `type name`. At `up`, resolves once each of them exists, with none left.
 */
export async function stillToCreate(dependsOn: DependsOn, inputs: ReadonlyArray<pulumi.Input<unknown> | undefined>): Promise<string[]> {
    const direct = new Set(await dependenciesOf(dependsOn));
    for (const input of inputs)
        if (pulumi.Output.isInstance(input)) for (const resource of await internals(input).allResources()) direct.add(resource);
    const resources = await sdk.getAllTransitivelyReferencedResources(direct, new Set());
    const pending: string[] = [];
    for (const resource of resources) {
        const id = (resource as pulumi.CustomResource).id as pulumi.Output<string> | undefined;
        const urn = await new Promise<string>((resolve) => resource.urn.apply(resolve));
        if (id ? !(await isKnown(id)) : await notCreatedYet(urn)) pending.push(urn);
    }
    return pending.map((urn) => urn.split("::").slice(-2).join(" "));
}

/**
 * A DependencyResource: a URN only, as the package's provider gets what a program in another
 * language names. At preview the engine's own record says whether this update has created it: a
 * resource it will create (or replace) has no ID there yet, and neither has a component, whose
 * children cannot be seen from here. At `up` the engine registers it before the component.
 */
async function notCreatedYet(urn: string): Promise<boolean> {
    if (!pulumi.runtime.isDryRun()) return false;
    const found = (await pulumi.runtime.invoke(ENGINE_GET_RESOURCE, { urn }).catch(() => undefined)) as { id?: unknown } | undefined;
    return typeof found?.id !== "string" || found.id === "";
}

/** The engine's built-in lookup of a resource registered in this update by URN, as the SDK reads one given the `urn` option. */
const ENGINE_GET_RESOURCE = "pulumi:pulumi:getResource";
