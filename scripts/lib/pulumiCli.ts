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

/**
 * An inline program runs in this process, one CLI after another, each with its engine on a new
 * local port. gRPC shares one connection per address across the process: when a port comes round
 * again, a new run's first call to the engine got the dead connection of an earlier CLI and failed
 * with `14 UNAVAILABLE: No connection established` (its program then registered nothing). Each
 * client of the SDK gets connections of its own instead (`grpc.use_local_subchannel_pool`).
 */
export function ownConnectionsPerClient(): void {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the SDK's client options, not exported as API
    const settings: { grpcClientOptions: Record<string, unknown> } = require("@pulumi/pulumi/runtime/settings");
    settings.grpcClientOptions["grpc.use_local_subchannel_pool"] = 1;
}

/** Workspace options that run the installed CLI offline, for inline programs; fails with the fix when it is missing. */
export async function installedPulumi(envVars: Record<string, string>): Promise<Pick<LocalWorkspaceOptions, "pulumiCommand" | "envVars">> {
    requireCli();
    ownConnectionsPerClient();
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
