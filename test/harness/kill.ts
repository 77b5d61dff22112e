/** Killing the Automation API's CLI mid-operation, and the recovery of a state file the kill tore. */
import * as fs from "node:fs";
import * as path from "node:path";
import { TestStack } from "./stack";

/** Pids of this process's children running `command` (the Automation API's CLI). */
export function childrenRunning(command: string): number[] {
    return fs
        .readdirSync("/proc")
        .filter((entry) => /^\d+$/.test(entry))
        .flatMap((pid) => {
            try {
                // /proc/PID/stat: "pid (comm) state ppid ..."
                const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8").trim();
                const [, comm, rest] = /^\d+ \((.*)\) (.*)$/.exec(stat)!;
                return comm === command && Number(rest.split(" ")[1]) === process.pid ? [Number(pid)] : [];
            } catch {
                return []; // gone meanwhile
            }
        });
}

/** Kills (SIGKILL) this process's `pulumi` children; returns how many. */
export function killPulumi(): number {
    const pids = childrenRunning("pulumi");
    for (const pid of pids) process.kill(pid, "SIGKILL");
    return pids.length;
}

/**
 * The README's first step when the kill tore the state file (the self-managed backend writes it
 * in place, and `failed to load checkpoint: EOF` says so): the checkpoint before it, kept as .bak.
 */
export async function restoreIfTorn(t: TestStack, stackName: string): Promise<void> {
    // The operation's promise may settle before the killed CLI is gone: look once it is.
    for (let i = 0; i < 100 && childrenRunning("pulumi").length > 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    const file = path.join(t.backendDir, ".pulumi", "stacks", "whaly-e2e", `${stackName}.json`);
    const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
    try {
        JSON.parse(text);
    } catch {
        console.log(`the kill tore ${path.basename(file)} (${text.length} bytes): restoring ${path.basename(file)}.bak`);
        fs.copyFileSync(`${file}.bak`, file);
    }
}
