/**
 * The Pulumi CLI that `npm run toolchain` installs, for the tests and the demo: found in
 * `$PULUMI_HOME/bin` (default `~/.pulumi/bin`) whatever PATH says, and kept off the network.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LocalWorkspaceOptions, PulumiCommand } from "@pulumi/pulumi/automation";

const OFFLINE = { PULUMI_SKIP_UPDATE_CHECK: "true", PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true" };

/** Directory of the CLI, its language hosts and its plugins. */
function pulumiHome(): string {
    return process.env.PULUMI_HOME ?? path.join(os.homedir(), ".pulumi");
}

function requireCli(): string {
    const cli = path.join(pulumiHome(), "bin", "pulumi");
    if (!fs.existsSync(cli))
        throw new Error(`no Pulumi CLI in ${path.dirname(cli)}: run \`npm run toolchain\` (npm test and npm start do)`);
    return cli;
}

/** Workspace options that run the installed CLI offline; fails with the fix when it is missing. */
export async function installedPulumi(envVars: Record<string, string>): Promise<Pick<LocalWorkspaceOptions, "pulumiCommand" | "envVars">> {
    requireCli();
    return { pulumiCommand: await PulumiCommand.get({ root: pulumiHome() }), envVars: { ...OFFLINE, ...envVars } };
}

/** The installed CLI's path and an environment that runs it offline, its bin directory first on PATH (for the language hosts). */
export function pulumiEnv(envVars: Record<string, string>): { command: string; env: NodeJS.ProcessEnv } {
    const command = requireCli();
    return {
        command,
        env: { ...process.env, PATH: `${path.dirname(command)}${path.delimiter}${process.env.PATH ?? ""}`, ...OFFLINE, ...envVars },
    };
}
