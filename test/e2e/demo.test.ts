/**
 * The demo, as docs/development.md tells a newcomer to run it: `npm start` deploys the root project
 * against a PostgreSQL of its own and reads as Whaly's role; while it runs, a second start refuses
 * and `--show-password` prints its form from the state; `npm run demo:down` tears it all down.
 * Run through scripts/demo.sh (what both npm scripts run), in a temporary directory of its own.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { Client } from "pg";

jest.setTimeout(600_000);

const ROOT = path.resolve(__dirname, "../..");

/** The value of one line of Whaly's form as the demo prints it ("  Host      127.0.0.1"). */
function formField(stdout: string, label: string): string {
    const match = new RegExp(`^  ${label} +(.+)$`, "m").exec(stdout);
    if (!match) throw new Error(`no ${label} line in the demo's output:\n${stdout}`);
    return match[1];
}

describe("the demo (npm start, npm run demo:down)", () => {
    // Its own TMPDIR: the demo's directory is under it, so a demo of this checkout that a person
    // runs is never seen or torn down here. The server's system user must reach the binaries in it.
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "whaly-demo-test-"));
    fs.chmodSync(tmp, 0o755);
    const demo = (...args: string[]) =>
        promisify(execFile)("bash", ["scripts/demo.sh", ...args], { cwd: ROOT, env: { ...process.env, TMPDIR: tmp }, maxBuffer: 16 << 20 });
    const demoDirs = () => fs.readdirSync(tmp).filter((entry) => entry.startsWith("whaly-postgres-demo-"));
    let port = 0;

    afterAll(async () => {
        await demo("down").catch(() => undefined);
        fs.rmSync(tmp, { recursive: true, force: true });
    });

    it("with --show-password where a start did not finish (its directory and no outputs), says so and leaves it to demo:down", async () => {
        const unfinished = path.join(tmp, `whaly-postgres-demo-${createHash("sha256").update(ROOT).digest("hex").slice(0, 12)}`, "state");
        fs.mkdirSync(unfinished, { recursive: true });
        const failed = await demo("--show-password").then(
            () => undefined,
            (e: { stderr: string; code: number }) => e,
        );
        expect(failed?.code).toBe(1);
        expect(failed?.stderr).toContain("the demo has no form yet (its start did not finish): `npm run demo:down`, then `npm start`");
        expect(fs.existsSync(unfinished)).toBe(true);
        await demo("down");
        expect(demoDirs()).toEqual([]);
    });

    it("deploys, prints Whaly's form with the password hidden, and reads shop.orders as whaly_bi", async () => {
        const { stdout } = await demo();
        expect(formField(stdout, "Host")).toBe("127.0.0.1");
        expect(formField(stdout, "Database")).toBe("demo");
        expect(formField(stdout, "User")).toBe("whaly_bi");
        expect(formField(stdout, "Password")).toBe("[secret] (shown by: npm start -- --show-password)");
        expect(stdout).toContain("Logged in as whaly_bi and read shop.orders: 2 rows");
        port = Number(formField(stdout, "Port"));
        expect(port).toBeGreaterThan(0);
        expect(demoDirs()).toHaveLength(1);
    });

    it("refuses a second start while it runs, naming both ways on", async () => {
        const failed = await demo().then(
            () => undefined,
            (e: { stdout: string; stderr: string; code: number }) => e,
        );
        expect(failed?.code).toBe(1);
        expect(failed?.stderr).toContain(
            "a demo is already running: `npm start -- --show-password` shows its form, `npm run demo:down` tears it down",
        );
    });

    it("with --show-password while it runs, prints the running demo's form, whose password logs in; nothing is deployed again", async () => {
        const { stdout } = await demo("--show-password");
        expect(stdout).not.toContain("pulumi up");
        expect(Number(formField(stdout, "Port"))).toBe(port);
        const client = new Client({
            host: formField(stdout, "Host"),
            port,
            database: formField(stdout, "Database"),
            user: formField(stdout, "User"),
            password: formField(stdout, "Password"),
        });
        await client.connect();
        try {
            expect(Number((await client.query("SELECT count(*) AS n FROM shop.orders")).rows[0].n)).toBe(2);
            await expect(client.query("INSERT INTO shop.orders (customer, amount) VALUES ('eve', 1)")).rejects.toThrow(/permission denied/);
        } finally {
            await client.end();
        }
    });

    it("demo:down destroys the stack, stops the server and removes the demo's directory", async () => {
        const { stdout } = await demo("down");
        expect(stdout).toMatch(/pulumi destroy: \d+ resources deleted/);
        expect(demoDirs()).toEqual([]);
        const client = new Client({ host: "127.0.0.1", port, database: "postgres", user: "whaly_bi", connectionTimeoutMillis: 5_000 });
        await expect(client.connect()).rejects.toThrow(/ECONNREFUSED/);
    });
});
