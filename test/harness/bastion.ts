/**
 * A real OpenSSH server as Whaly's bastion: Debian's sshd on a free loopback port, with its own
 * host key and config (`UsePAM no`, the user's keys in a file of the test's), started in the
 * foreground and stopped by its pid. As root it logs in a system user of its own with a real
 * shell, so what stops a command is the key line or the sshd block, not the shell; otherwise
 * the user running the tests. Then the ssh client tries what Whaly's key must and must not do.
 */
import { ChildProcess, execFile, execFileSync, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

export const SSHD = "/usr/sbin/sshd";

export interface Bastion {
    host: string;
    port: number;
    /** The user Whaly logs in as. */
    user: string;
    dir: string;
    /** A directory the user may write to (for the Unix sockets a remote forward would make). */
    writable: string;
    /** Replaces the user's authorized_keys. */
    authorize(lines: string): void;
    /** What sshd logged so far. */
    log(): string;
    stop(): void;
}

const running = new Set<Bastion>();
process.on("exit", () => running.forEach((b) => b.stop()));

/** The bastion's user: as root a system user with a real shell (created once, never locked), else the current user. */
export function bastionUser(): string {
    if (process.getuid?.() !== 0) return os.userInfo().username;
    const name = process.env.WHALY_SSH_OS_USER ?? "whaly-bastion";
    // Password `*`: no password login, yet not a locked account, which sshd refuses with UsePAM no.
    if (spawnSync("id", ["-u", name]).status !== 0)
        execFileSync("useradd", ["--system", "--no-create-home", "--shell", "/bin/sh", "--password", "*", name]);
    return name;
}

function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.on("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        });
    });
}

/** Whether something accepts connections on 127.0.0.1:`port`. */
function accepts(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const socket = net.connect(port, "127.0.0.1");
        socket.on("connect", () => (socket.destroy(), resolve(true)));
        socket.on("error", () => resolve(false));
    });
}

/** Resolves once `check` holds, or once `stop` aborts (the race it was in is over); rejects after `ms`. */
async function until(check: () => boolean | Promise<boolean>, what: string, ms: number, stop?: AbortSignal): Promise<void> {
    const deadline = Date.now() + ms;
    while (!stop?.aborted && !(await check())) {
        if (Date.now() > deadline) throw new Error(`no ${what} after ${ms} ms`);
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
}

/** Resolves once something accepts connections on `port`. */
export const listening = (port: number, ms = 15_000, stop?: AbortSignal) =>
    until(() => accepts(port), `listener on 127.0.0.1:${port}`, ms, stop);

/** Starts sshd with `include` (an sshd_config block, e.g. the component's sshdConfig) included before its own settings, as Debian includes sshd_config.d. */
export async function startBastion(options: { include?: string } = {}): Promise<Bastion> {
    if (!fs.existsSync(SSHD)) throw new Error(`${SSHD} is missing: install Debian's openssh-server (apt-get install openssh-server)`);
    const user = bastionUser();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "whaly-bastion-"));
    // sshd reads the keys file as the user.
    fs.chmodSync(dir, 0o755);
    const writable = path.join(dir, "writable");
    fs.mkdirSync(writable, { mode: 0o1777 });
    fs.chmodSync(writable, 0o1777);
    // Privilege separation needs its empty directory (the package's service creates it at boot).
    if (process.getuid?.() === 0) fs.mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path.join(dir, "host_key")]);
    const port = await freePort();
    const keys = path.join(dir, "authorized_keys");
    fs.writeFileSync(keys, "", { mode: 0o644 });
    const lines = [
        ...(options.include === undefined ? [] : [`Include ${path.join(dir, "included.conf")}`]),
        `Port ${port}`,
        "ListenAddress 127.0.0.1",
        `HostKey ${path.join(dir, "host_key")}`,
        `PidFile ${path.join(dir, "sshd.pid")}`,
        "UsePAM no",
        `AuthorizedKeysFile ${keys}`,
        // The test's directories are not root's alone all the way up (the temporary directory is world-writable).
        "StrictModes no",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        `AllowUsers ${user}`,
        "LogLevel VERBOSE",
    ];
    if (options.include !== undefined) fs.writeFileSync(path.join(dir, "included.conf"), options.include);
    const config = path.join(dir, "sshd_config");
    fs.writeFileSync(config, lines.join("\n") + "\n");
    const check = spawnSync(SSHD, ["-t", "-f", config], { encoding: "utf8" });
    if (check.status !== 0) throw new Error(`sshd -t refused the config: ${check.stderr}`);
    const logFile = path.join(dir, "sshd.log");
    const logFd = fs.openSync(logFile, "a");
    const sshd: ChildProcess = spawn(SSHD, ["-D", "-e", "-f", config], { stdio: ["ignore", logFd, logFd] });
    fs.closeSync(logFd);
    fs.writeFileSync(path.join(dir, "known_hosts"), `[127.0.0.1]:${port} ${fs.readFileSync(path.join(dir, "host_key.pub"), "utf8")}`);
    let stopped = false;
    const bastion: Bastion = {
        host: "127.0.0.1",
        port,
        user,
        dir,
        writable,
        authorize: (text) => fs.writeFileSync(keys, text.endsWith("\n") ? text : `${text}\n`),
        log: () => fs.readFileSync(logFile, "utf8"),
        stop() {
            if (stopped) return;
            stopped = true;
            running.delete(bastion);
            if (sshd.pid !== undefined && sshd.exitCode === null) process.kill(sshd.pid);
            fs.rmSync(dir, { recursive: true, force: true });
        },
    };
    running.add(bastion);
    try {
        await listening(port);
    } catch (e) {
        const log = bastion.log();
        bastion.stop();
        throw new Error(`${(e as Error).message}: sshd said ${log}`);
    }
    return bastion;
}

/** A key pair made by ssh-keygen, as Whaly makes one per warehouse. */
export function makeClientKey(dir: string, name = "whaly"): { privateKeyFile: string; publicKey: string } {
    const file = path.join(dir, name);
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "whaly-warehouse", "-f", file]);
    return { privateKeyFile: file, publicKey: fs.readFileSync(`${file}.pub`, "utf8").trim() };
}

/** The ssh client's arguments for `bastion` with `keyFile`, nothing from the user's own configuration. */
function sshArgs(bastion: Bastion, keyFile: string, extra: string[]): string[] {
    return [
        "-F",
        "/dev/null",
        "-i",
        keyFile,
        "-o",
        "IdentitiesOnly=yes",
        "-o",
        "BatchMode=yes",
        "-o",
        `UserKnownHostsFile=${path.join(bastion.dir, "known_hosts")}`,
        "-o",
        "StrictHostKeyChecking=yes",
        "-o",
        "ExitOnForwardFailure=yes",
        "-p",
        String(bastion.port),
        ...extra,
        `${bastion.user}@${bastion.host}`,
    ];
}

/** `ssh … <args>` to the end, with `input` on its standard input. */
export function ssh(bastion: Bastion, keyFile: string, args: string[], input = ""): { status: number | null; output: string } {
    const [options, command] = splitAt(args);
    const result = spawnSync("ssh", [...sshArgs(bastion, keyFile, options), ...command], { input, encoding: "utf8", timeout: 20_000 });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** Options before `--`, the remote command after it. */
function splitAt(args: string[]): [string[], string[]] {
    const at = args.indexOf("--");
    return at === -1 ? [args, []] : [args.slice(0, at), args.slice(at + 1)];
}

/** An `ssh -N` session (a forward), running until `close()`; `exited` resolves with what it printed if it ends first. */
export function sshSession(bastion: Bastion, keyFile: string, options: string[]): { exited: Promise<string>; close(): void } {
    const child = spawn("ssh", ["-N", ...sshArgs(bastion, keyFile, options)], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const exited = new Promise<string>((resolve) => child.on("exit", () => resolve(output)));
    return {
        exited,
        close: () => {
            if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid);
        },
    };
}

/** Where the probes aim: the database as the bastion sees it, and a login psql reads it with. */
export interface ProbeTarget {
    host: string;
    port: number;
    database: string;
    user: string;
    password: string;
}

/** Whether psql, connected to 127.0.0.1:`port` (a forward's local end), reads the database. Asynchronous: a socket of this process may be on the way. */
export function psqlReads(port: number, target: ProbeTarget): Promise<boolean> {
    const args = [
        "-X",
        "-At",
        "-h",
        "127.0.0.1",
        "-p",
        String(port),
        "-U",
        target.user,
        "-d",
        target.database,
        "-c",
        "SELECT 'read through the tunnel'",
    ];
    const env = { ...process.env, PGPASSWORD: target.password, PGSSLMODE: "disable", PGCONNECT_TIMEOUT: "10" };
    return new Promise((resolve) =>
        execFile("psql", args, { env, encoding: "utf8", timeout: 20_000 }, (error, stdout) =>
            resolve(!error && stdout.trim() === "read through the tunnel"),
        ),
    );
}

/** Whether a local forward (`ssh -N -L`) to `to` carries psql's session. */
async function forwardCarriesPsql(bastion: Bastion, keyFile: string, to: string, target: ProbeTarget): Promise<boolean> {
    const local = await freePort();
    const session = sshSession(bastion, keyFile, ["-L", `127.0.0.1:${local}:${to}`]);
    const over = new AbortController();
    try {
        await Promise.race([
            listening(local, 15_000, over.signal),
            session.exited.then((output) => Promise.reject(new Error(`ssh -L ended: ${output}`))),
        ]);
        return await psqlReads(local, target);
    } finally {
        over.abort();
        session.close();
    }
}

/** Whether a local forward to `to` brings back the bytes a server there sends first (sshd's banner, say). */
async function forwardCarriesBanner(bastion: Bastion, keyFile: string, to: string, banner: string): Promise<boolean> {
    const local = await freePort();
    const session = sshSession(bastion, keyFile, ["-L", `127.0.0.1:${local}:${to}`]);
    const over = new AbortController();
    try {
        await Promise.race([
            listening(local, 15_000, over.signal),
            session.exited.then((output) => Promise.reject(new Error(`ssh -L ended: ${output}`))),
        ]);
        const received = await new Promise<string>((resolve) => {
            let data = "";
            const socket = net.connect(local, "127.0.0.1");
            socket.on("data", (d) => (data += d));
            socket.on("close", () => resolve(data));
            socket.on("error", () => resolve(data));
            const timer = setTimeout(() => socket.destroy(), 5000);
            socket.on("close", () => clearTimeout(timer));
        });
        return received.startsWith(banner);
    } finally {
        over.abort();
        session.close();
    }
}

/** Whether a remote forward (`ssh -N -R`) opens its listener on the bastion: `ready` resolves once it does. */
async function remoteForwardOpens(
    bastion: Bastion,
    keyFile: string,
    spec: string,
    ready: (stop: AbortSignal) => Promise<void>,
): Promise<boolean> {
    const session = sshSession(bastion, keyFile, ["-R", spec]);
    const over = new AbortController();
    try {
        return await Promise.race([ready(over.signal).then(() => true), session.exited.then(() => false)]);
    } finally {
        over.abort();
        session.close();
    }
}

/** A Unix socket on the bastion, which the bastion user may connect to, in front of PostgreSQL's TCP port. */
export function unixSocketTo(bastion: Bastion, port: number): Promise<{ path: string; close(): void }> {
    const socketPath = path.join(bastion.writable, "postgres.sock");
    const server = net.createServer((client) => {
        const upstream = net.connect(port, "127.0.0.1");
        client.pipe(upstream).pipe(client);
        upstream.on("error", () => client.destroy());
        client.on("error", () => upstream.destroy());
    });
    return new Promise((resolve) =>
        server.listen(socketPath, () => {
            fs.chmodSync(socketPath, 0o777);
            resolve({ path: socketPath, close: () => server.close() });
        }),
    );
}

/**
 * What a key may do on the bastion, each tried for real with the ssh client: the tunnel Whaly
 * needs (a local forward to the database, read by psql), and what it must not (a command, a
 * shell, forwards anywhere else, remote forwards, a login from outside Whaly's ranges).
 */
export async function whatTheKeyMay(bastion: Bastion, keyFile: string, target: ProbeTarget): Promise<Record<string, boolean>> {
    const socket = await unixSocketTo(bastion, target.port);
    try {
        const remotePort = await freePort();
        const remoteSocket = path.join(bastion.writable, "remote.sock");
        fs.rmSync(remoteSocket, { force: true });
        return {
            "forward to the database, psql reading through it": await forwardCarriesPsql(
                bastion,
                keyFile,
                `${target.host}:${target.port}`,
                target,
            ),
            "run a command (ssh bastion id)": ssh(bastion, keyFile, ["--", "id"]).output.includes("uid="),
            "open a shell (ssh -tt)": ssh(bastion, keyFile, ["-tt"], "id\nexit\n").output.includes("uid="),
            "a shell without a terminal (commands on stdin)": ssh(bastion, keyFile, [], "id\nexit\n").output.includes("uid="),
            "forward to another port (the bastion's sshd)": await forwardCarriesBanner(
                bastion,
                keyFile,
                `127.0.0.1:${bastion.port}`,
                "SSH-2.0",
            ),
            "forward to the database by another name (localhost)": await forwardCarriesPsql(
                bastion,
                keyFile,
                `localhost:${target.port}`,
                target,
            ),
            "forward to a Unix socket on the bastion": await forwardCarriesPsql(bastion, keyFile, socket.path, target),
            "forward remotely (-R) from a TCP port": await remoteForwardOpens(
                bastion,
                keyFile,
                `127.0.0.1:${remotePort}:127.0.0.1:${target.port}`,
                (stop) => listening(remotePort, 10_000, stop),
            ),
            "forward remotely (-R) from a Unix socket": await remoteForwardOpens(
                bastion,
                keyFile,
                `${remoteSocket}:127.0.0.1:${target.port}`,
                (stop) => until(() => fs.existsSync(remoteSocket), `socket ${remoteSocket}`, 10_000, stop),
            ),
        };
    } finally {
        socket.close();
    }
}

/** The tunnel Whaly needs, and nothing else. */
const ONLY_THE_TUNNEL: Record<string, boolean> = {
    "forward to the database, psql reading through it": true,
    "run a command (ssh bastion id)": false,
    "open a shell (ssh -tt)": false,
    "a shell without a terminal (commands on stdin)": false,
    "forward to another port (the bastion's sshd)": false,
    "forward to the database by another name (localhost)": false,
    "forward to a Unix socket on the bastion": false,
    "forward remotely (-R) from a TCP port": false,
    "forward remotely (-R) from a Unix socket": false,
};

/** What each setup lets the key do, written out by hand. */
export const EXPECTED = {
    /** A plain key on a stock sshd: everything (which shows every probe can succeed). */
    plainKey: Object.fromEntries(Object.keys(ONLY_THE_TUNNEL).map((probe) => [probe, true])),
    /** The component's line on a stock sshd: the tunnel, and a remote forward from a Unix socket, which no key option can refuse (OpenSSH checks permitlisten for TCP only). */
    keyLine: { ...ONLY_THE_TUNNEL, "forward remotely (-R) from a Unix socket": true },
    /** The component's sshd block, with a plain key: the tunnel alone. */
    sshdBlock: ONLY_THE_TUNNEL,
    /** Both, as docs/private-networks.md recommends: the tunnel alone. */
    both: ONLY_THE_TUNNEL,
};

/** {@link whatTheKeyMay}, with sshd's log when the results differ from `expected`, so that a failure shows why. */
export async function probed(
    bastion: Bastion,
    keyFile: string,
    target: ProbeTarget,
    expected: Record<string, boolean>,
): Promise<{ results: Record<string, boolean>; sshdLog?: string }> {
    const results = await whatTheKeyMay(bastion, keyFile, target);
    const same = Object.keys({ ...results, ...expected }).every((probe) => results[probe] === expected[probe]);
    return same ? { results } : { results, sshdLog: bastion.log() };
}
