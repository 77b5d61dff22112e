/** Killing the Automation API's CLI mid-operation, and the recovery of a state file the kill tore. */
import * as fs from "node:fs";
import * as path from "node:path";
import { TestStack } from "./stack";

/** Every process now running, with the command it runs and its parent. */
function processes(): { pid: number; comm: string; ppid: number }[] {
    return fs
        .readdirSync("/proc")
        .filter((entry) => /^\d+$/.test(entry))
        .flatMap((pid) => {
            try {
                // /proc/PID/stat: "pid (comm) state ppid ..."
                const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8").trim();
                const [, comm, rest] = /^\d+ \((.*)\) (.*)$/.exec(stat)!;
                return [{ pid: Number(pid), comm, ppid: Number(rest.split(" ")[1]) }];
            } catch {
                return []; // gone meanwhile
            }
        });
}

/** Pids of this process's children running `command` (the Automation API's CLI). */
function childrenRunning(command: string): number[] {
    return processes()
        .filter((p) => p.comm === command && p.ppid === process.pid)
        .map((p) => p.pid);
}

/**
 * Kills (SIGKILL) this process's `pulumi` children, then their plugins and language host, as a
 * lost CI runner takes the whole tree (orphaned, the language host would run on); returns how
 * many CLIs.
 */
export function killPulumi(): number {
    const clis = childrenRunning("pulumi");
    const all = processes();
    const tree = (pid: number): number[] => all.filter((p) => p.ppid === pid).flatMap((p) => [p.pid, ...tree(p.pid)]);
    const plugins = clis.flatMap(tree);
    for (const pid of [...clis, ...plugins]) {
        try {
            process.kill(pid, "SIGKILL");
        } catch {
            // already gone
        }
    }
    return clis.length;
}

/** The metadata the self-managed backend keeps beside a stack's checkpoint. */
export function stateMetadataFile(t: TestStack, stackName: string): string {
    return path.join(t.backendDir, ".pulumi", "stacks", "whaly-e2e", `${stackName}.json.attrs`);
}

/**
 * The troubleshooting page's fix when the kill tore the state's metadata: the self-managed backend
 * renames each checkpoint into place, but first writes the `.attrs` file beside it in place, so a
 * kill in between leaves it empty and every command says `failed to load checkpoint: EOF`.
 * Without it, Pulumi reads the checkpoint, which is the last one completed.
 */
export async function restoreIfTorn(t: TestStack, stackName: string): Promise<void> {
    // The operation's promise may settle before the killed CLI is gone: look once it is.
    for (let i = 0; i < 100 && childrenRunning("pulumi").length > 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    const attrs = stateMetadataFile(t, stackName);
    if (!fs.existsSync(attrs)) return;
    const text = fs.readFileSync(attrs, "utf8");
    try {
        JSON.parse(text);
    } catch {
        console.log(`the kill tore ${path.basename(attrs)} (${text.length} bytes): deleting it`);
        fs.rmSync(attrs);
    }
}
