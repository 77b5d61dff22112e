/**
 * Real `pulumi up` / `preview` / `refresh` / `destroy` through the Automation API: a file backend
 * in a temporary directory, the passphrase secrets provider, and an inline program that runs
 * the component in this process.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { installedPulumi } from "../../scripts/lib/pulumiCli";
import { EngineEvent, LocalWorkspace, OpType, PulumiFn, Stack } from "@pulumi/pulumi/automation";

export const PASSPHRASE = "whaly-e2e-passphrase";

export interface TestStack {
    stack: Stack;
    /** Backend directory: the state files live here. */
    backendDir: string;
    /** Replaces the program the next operation runs. */
    setProgram(program: PulumiFn): void;
    /** What the next `up` would change, by resource name (omits unchanged and refreshed ones; replacements as "replace"). */
    plannedOps(options?: { refresh?: boolean }): Promise<Map<string, OpType>>;
    /** Removes the backend directory (after `destroy`). */
    dispose(): void;
}

/**
 * Runs `program`, reporting what it throws through the engine's log, which fails the update and
 * prints the message as an uncaught error would. (A throwing inline program leaves a rejected
 * promise in the SDK that jest would blame on the test suite.)
 */
async function reportingErrors(program: PulumiFn): Promise<Record<string, unknown> | void> {
    try {
        return await program();
    } catch (e) {
        pulumi.log.error(e instanceof Error ? e.message : String(e));
    }
}

export async function newTestStack(name: string, program: PulumiFn): Promise<TestStack> {
    const cli = await installedPulumi({ PULUMI_CONFIG_PASSPHRASE: PASSPHRASE });
    const backendDir = fs.mkdtempSync(path.join(os.tmpdir(), `whaly-e2e-${name}-`));
    let current = program;
    const stack = await LocalWorkspace.createOrSelectStack(
        // The inline program is looked up on every operation, so tests can change it between steps.
        { projectName: "whaly-e2e", stackName: name, program: () => reportingErrors(current) },
        {
            projectSettings: { name: "whaly-e2e", runtime: "nodejs", backend: { url: `file://${backendDir}` } },
            ...cli,
        },
    );
    return {
        stack,
        backendDir,
        setProgram(next) {
            current = next;
        },
        async plannedOps(options = {}) {
            const ops = new Map<string, OpType>();
            await stack.preview({
                refresh: options.refresh,
                onEvent: (event: EngineEvent) => {
                    const step = event.resourcePreEvent?.metadata;
                    // `same`, and the `refresh` step the engine reports for every resource under --refresh, change nothing.
                    if (!step || step.op === "same" || step.op === "refresh") return;
                    // A replacement shows as several steps; keep it as one "replace".
                    const op = step.op === "create-replacement" || step.op === "delete-replaced" ? "replace" : step.op;
                    ops.set(step.urn.split("::").pop()!, op);
                },
            });
            return ops;
        },
        dispose() {
            fs.rmSync(backendDir, { recursive: true, force: true });
        },
    };
}
