/**
 * The root project's config-only program (main.ts) through the real CLI: a key of its namespace
 * that it does not know, such as a mistyped `adminPasword`, is refused by name with the closest
 * key, before anything is registered, and its value (here a password) is never shown.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { installedPulumi } from "../../scripts/lib/pulumiCli";
import { PASSPHRASE } from "../harness/stack";

jest.setTimeout(120_000);

const SENTINEL = "MistypedKeySentinel-7Hw2-Qz";

/** main.ts as `pulumi up` runs it, what it throws reported through the engine (as an uncaught error would be). */
async function runMain(): Promise<Record<string, unknown> | void> {
    try {
        return { ...(await import("../../main")) };
    } catch (e) {
        pulumi.log.error((e as Error).message);
    }
}

it("main.ts refuses a mistyped config key by name, never showing its value", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "whaly-config-keys-"));
    try {
        const stack = await LocalWorkspace.createOrSelectStack(
            // The program is main.ts itself, loaded afresh as `pulumi up` would run it.
            { projectName: "whaly-postgres", stackName: "keys", program: runMain },
            {
                workDir: dir,
                projectSettings: { name: "whaly-postgres", runtime: "nodejs", backend: { url: `file://${dir}` } },
                ...(await installedPulumi({ PULUMI_CONFIG_PASSPHRASE: PASSPHRASE })),
            },
        );
        await stack.setAllConfig({
            database: { value: "analytics" },
            adminHost: { value: "db.internal" },
            adminPasword: { value: SENTINEL, secret: true },
            sslmode: { value: SENTINEL },
        });
        let printed = "";
        const failure = await stack.up({ onOutput: (out) => (printed += out) }).then(
            () => "up succeeded",
            (e: Error) => e.message,
        );
        expect(failure).toContain("Unknown config keys of whaly-postgres (their values not shown)");
        expect(failure).toContain("- whaly-postgres:adminPasword: did you mean adminPassword?");
        expect(failure).toContain("- whaly-postgres:sslmode: did you mean sslMode?");
        expect(failure + printed).not.toContain(SENTINEL);
        const state = JSON.stringify((await stack.exportStack()).deployment.resources ?? []);
        expect(state).not.toContain("WhalyPostgresAccess");
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});
