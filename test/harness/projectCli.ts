/** The installed `pulumi` CLI run in a project directory, as a user runs it, on a file backend of its own. */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { pulumiEnv } from "../../scripts/lib/pulumiCli";

export interface ProjectCli {
    /** Runs `pulumi ARGS --non-interactive` in the project; resolves to stdout, rejects with the whole output. */
    run(...args: string[]): Promise<string>;
    dispose(): void;
}

export function projectCli(dir: string, envVars: Record<string, string> = {}): ProjectCli {
    const backendDir = fs.mkdtempSync(path.join(os.tmpdir(), "whaly-project-state-"));
    const { command, env } = pulumiEnv({
        PULUMI_BACKEND_URL: `file://${backendDir}`,
        PULUMI_CONFIG_PASSPHRASE: "whaly-project-test",
        ...envVars,
    });
    return {
        async run(...args) {
            try {
                return (await promisify(execFile)(command, [...args, "--non-interactive"], { cwd: dir, env, maxBuffer: 64 << 20 })).stdout;
            } catch (e) {
                const { stdout, stderr } = e as { stdout: string; stderr: string };
                throw new Error(`pulumi ${args.join(" ")} failed:\n${stdout}\n${stderr}`);
            }
        },
        dispose: () => fs.rmSync(backendDir, { recursive: true, force: true }),
    };
}
