/**
 * The Pulumi CLI that `npm run toolchain` installs, for the tests and the demo: found in
 * `$PULUMI_HOME/bin` (default `~/.pulumi/bin`) whatever PATH says, and kept off the network.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LocalWorkspaceOptions, PulumiCommand } from "@pulumi/pulumi/automation";

const OFFLINE = { PULUMI_SKIP_UPDATE_CHECK: "true", PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true" };

/** Workspace options that run the installed CLI offline; fails with the fix when it is missing. */
export async function installedPulumi(envVars: Record<string, string>): Promise<Pick<LocalWorkspaceOptions, "pulumiCommand" | "envVars">> {
    const root = process.env.PULUMI_HOME ?? path.join(os.homedir(), ".pulumi");
    if (!fs.existsSync(path.join(root, "bin", "pulumi")))
        throw new Error(`no Pulumi CLI in ${path.join(root, "bin")}: run \`npm run toolchain\` (npm test and npm start do)`);
    return { pulumiCommand: await PulumiCommand.get({ root }), envVars: { ...OFFLINE, ...envVars } };
}
