import * as postgresql from "@pulumi/postgresql";
import * as pulumi from "@pulumi/pulumi";
import "./mockHooks";

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
    /** The ID of an existing resource the engine was asked to import (the `import` resource option). */
    importId?: string;
    /** Names of the resources in its `dependsOn` option. */
    dependsOn: string[];
    /** The `hooks` resource option. */
    hooks?: pulumi.ResourceHookBinding;
    resource: pulumi.Resource;
}

/** The salt every mocked RandomBytes generates (16 bytes). */
export const MOCK_SALT_BASE64 = "c2FsdC1zYWx0LXNhbHQtIQ==";

/** What a provider passed in opts answers to terraformConfig(), as the bridged provider does. */
export const MOCK_PROVIDER_CONFIG = {
    host: "primary.internal",
    port: 5432,
    username: "admin",
    password: "provider-pw",
    sslmode: "require",
    scheme: "postgres",
};

const registered: Array<Omit<RegisteredResource, "parent" | "resource" | "dependsOn">> = [];

/**
 * Outputs the mocked engine leaves out of a resource's state, by resource name: a state the engine
 * keeps without them, as ignoreChanges keeps a salt made without keepers.
 */
export const leftOutOfState = new Map<string, string[]>();

pulumi.runtime.setMocks(
    {
        newResource(args) {
            registered.push({
                type: args.type,
                name: args.name,
                inputs: args.inputs,
                provider: args.provider,
                importId: args.id || undefined,
            });
            const generated: Record<string, Record<string, unknown>> = {
                "random:index/randomPassword:RandomPassword": { result: "generated-Secret-0123456789abcdef" },
                "random:index/randomBytes:RandomBytes": { base64: MOCK_SALT_BASE64 },
            };
            const state: Record<string, unknown> = { ...args.inputs, ...generated[args.type] };
            for (const key of leftOutOfState.get(args.name) ?? []) delete state[key];
            return { id: `${args.name}-id`, state };
        },
        call: (args) => args.inputs,
    },
    "whaly-test",
    "unit",
    false,
);

/**
 * A postgresql provider whose terraformConfig() answers `config` (default {@link MOCK_PROVIDER_CONFIG}),
 * as the bridged provider answers its configuration (the SDK's mocks serve no method calls).
 */
export function providerWithConfig(
    name: string,
    args: postgresql.ProviderArgs = {},
    config: Record<string, unknown> = MOCK_PROVIDER_CONFIG,
): postgresql.Provider {
    const provider = new postgresql.Provider(name, args);
    provider.terraformConfig = () => pulumi.output({ result: config }) as unknown as ReturnType<postgresql.Provider["terraformConfig"]>;
    return provider;
}

/** Number of registrations so far (to prove a failed construction registered nothing). */
export function registrationCount(): number {
    return registered.length;
}

/** Resolves an output's value in a mocked deployment. */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply(resolve));
}

/** The SDK's own reading of `dependsOn` (internal: components/server/dependencies.ts uses it too). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const sdkDependsOn: { gatherExplicitDependencies(d: unknown): Promise<pulumi.Resource[]> } = require("@pulumi/pulumi/runtime/dependsOn");

/**
 * Runs `build`, recording every resource it creates (the component and its children) through
 * a transformation, and waits until the mocked engine registered them all.
 */

export async function recordResources(build: (transformations: pulumi.ResourceTransformation[]) => void): Promise<RegisteredResource[]> {
    const seen: Array<{
        resource: pulumi.Resource;
        type: string;
        name: string;
        parent?: pulumi.Resource;
        deleteBeforeReplace?: boolean;
        dependsOn: unknown[];
        hooks?: pulumi.ResourceHookBinding;
    }> = [];
    build([
        (args) => {
            const { parent, deleteBeforeReplace, dependsOn, hooks } = args.opts as pulumi.CustomResourceOptions;
            seen.push({
                resource: args.resource,
                type: args.type,
                name: args.name,
                parent,
                deleteBeforeReplace,
                dependsOn: dependsOn === undefined ? [] : [dependsOn],
                hooks,
            });
            return undefined;
        },
    ]);
    // The children are declared once the (mocked) preflight has passed: wait until no new one appears.
    for (let settled = -1; settled < seen.length;) {
        settled = seen.length;
        await Promise.all(seen.map((s) => valueOf(s.resource.urn)));
        await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // As the engine gets them: the SDK's own reading of `dependsOn`.
    const dependencies = await Promise.all(seen.map((s) => sdkDependsOn.gatherExplicitDependencies(s.dependsOn[0])));
    return seen.map((s, i) => {
        const engineView = registered.find((r) => r.type === s.type && r.name === s.name);
        if (!engineView) throw new Error(`the engine never saw ${s.type} ${s.name}`);
        const parentName = s.parent && seen.find((p) => p.resource === s.parent)?.name;
        const dependsOn = dependencies[i].map((d) => seen.find((x) => x.resource === d)?.name ?? "(outside)");
        return {
            ...engineView,
            parent: parentName,
            deleteBeforeReplace: s.deleteBeforeReplace,
            dependsOn,
            hooks: s.hooks,
            resource: s.resource,
        };
    });
}

/**
 * Runs the `beforeCreate` hooks of `resource`, as the engine does before its create step (at
 * preview too, for hooks with onDryRun); resolves when they pass, rejects with the first error.
 */
export async function runBeforeCreate(resource: RegisteredResource): Promise<void> {
    for (const hook of resource.hooks?.beforeCreate ?? []) {
        const callback = pulumi.ResourceHook.isInstance(hook) ? hook.callback : hook;
        await callback({ urn: "", id: "", name: resource.name, type: resource.type, newInputs: {}, newOutputs: {} });
    }
}

/** The children of the component `name` (providers aside) whose create or update step does not ask its checks (hook `whaly-postgres/<name>/checks`). */
export function ungated(resources: RegisteredResource[], name: string): string[] {
    const checks = (hooks: pulumi.ResourceHookBinding["beforeCreate"]) =>
        (hooks ?? []).some((hook) => pulumi.ResourceHook.isInstance(hook) && hook.name === `whaly-postgres/${name}/checks`);
    const asksChecks = (r: RegisteredResource) => checks(r.hooks?.beforeCreate) && checks(r.hooks?.beforeUpdate);
    return resources
        .filter((r) => r.parent === name && !r.type.startsWith("pulumi:providers:"))
        .filter((r) => !asksChecks(r))
        .map((r) => r.name);
}
