/**
 * Boots a PostgreSQL with a demo database (schema `shop`, table creator `shop_owner`, table
 * `shop.orders`), runs `pulumi up` of the root project against it on a local file backend
 * (as an Automation API inline program, so no Node.js language host is needed),
 * prints Whaly's form fields and reads the demo table as the BI role. `down` tears it all down.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { Client } from "pg";
import { NEWEST_MAJOR, PostgresMajor, startPostgres, stopDetached } from "../test/harness/postgresServer";
import { installedPulumi } from "../test/harness/pulumiCli";

const DEMO_DIR = path.join(os.tmpdir(), "whaly-postgres-demo");
const STATE_FILE = path.join(DEMO_DIR, "demo.json");
const PASSPHRASE = "whaly-demo"; // the demo's state holds only a throwaway local server's secrets

interface DemoState {
    major: PostgresMajor;
    port: number;
}

class DemoRunning extends Error {
    constructor() {
        super("a demo is already running: `npm run demo:down` first");
    }
}

/** The engine's first `error:` line of a failed CLI run (the whole output is printed above it), or the first line. */
function firstError(message: string): string {
    const line = message.split("\n").find((l) => /\berror: /.test(l)) ?? message.split("\n")[0];
    return line.trim();
}

function say(message: string): void {
    console.log(`[demo] ${message}`);
}

/**
 * The root project (name and config keys of Pulumi.yaml), its program main.ts run in this
 * process, with its state and stack config kept beside the demo server.
 */
async function demoStack(): Promise<Stack> {
    const workDir = path.join(DEMO_DIR, "project");
    fs.mkdirSync(workDir, { recursive: true });
    return LocalWorkspace.createOrSelectStack(
        { projectName: "whaly-postgres", stackName: "demo", program: async () => ({ ...(await import("../main")) }) },
        {
            workDir,
            projectSettings: { name: "whaly-postgres", runtime: "nodejs", backend: { url: `file://${path.join(DEMO_DIR, "state")}` } },
            ...(await installedPulumi({ PULUMI_CONFIG_PASSPHRASE: PASSPHRASE })),
        },
    );
}

async function up(showPassword: boolean): Promise<void> {
    if (fs.existsSync(STATE_FILE)) throw new DemoRunning();
    fs.mkdirSync(path.join(DEMO_DIR, "state"), { recursive: true });
    let t = Date.now();
    say(`starting PostgreSQL ${NEWEST_MAJOR}...`);
    const server = await startPostgres(NEWEST_MAJOR, { dataRoot: path.join(DEMO_DIR, "pg"), detached: true });
    fs.writeFileSync(STATE_FILE, JSON.stringify({ major: NEWEST_MAJOR, port: server.port } satisfies DemoState));
    await server.query("CREATE ROLE shop_owner LOGIN PASSWORD 'shop-owner'");
    await server.query("CREATE DATABASE demo OWNER shop_owner");
    await server.query(
        `CREATE SCHEMA shop AUTHORIZATION shop_owner;
         SET ROLE shop_owner;
         CREATE TABLE shop.orders (id serial PRIMARY KEY, customer text, amount numeric);
         INSERT INTO shop.orders (customer, amount) VALUES ('ada', 42), ('grace', 17);`,
        { database: "demo" },
    );
    say(`PostgreSQL ${NEWEST_MAJOR} on 127.0.0.1:${server.port} with database demo (${Date.now() - t} ms)`);

    t = Date.now();
    say("pulumi up of the root project (stack demo)...");
    const stack = await demoStack();
    await stack.setAllConfig({
        database: { value: "demo" },
        schemas: { value: JSON.stringify(["shop"]) },
        tableCreators: { value: JSON.stringify(["shop_owner"]) },
        sslMode: { value: "disable" },
        adminHost: { value: server.host },
        adminPort: { value: String(server.port) },
        adminUser: { value: server.adminUser },
        adminPassword: { value: server.adminPassword, secret: true },
        adminSslMode: { value: "disable" },
    });
    const result = await stack.up({ onOutput: (line) => process.stdout.write(line) });
    say(`pulumi up done (${Math.round((Date.now() - t) / 1000)} s)`);

    const out = result.outputs;
    const field = (name: string) => String(out[name].value);
    console.log("\nWhaly's form:");
    console.log(`  Host      ${field("host")}`);
    console.log(`  Port      ${field("port")}`);
    console.log(`  Database  ${field("database")}`);
    console.log(`  User      ${field("user")}`);
    console.log(
        `  Password  ${showPassword ? field("password") : "[secret] (npm start -- --show-password, or pulumi stack output password --show-secrets)"}`,
    );

    const client = new Client({
        host: field("host"),
        port: Number(field("port")),
        database: "demo",
        user: field("user"),
        password: field("password"),
    });
    await client.connect();
    const orders = await client.query("SELECT id, customer, amount FROM shop.orders ORDER BY id");
    await client.end();
    console.log(`\nLogged in as ${field("user")} and read shop.orders: ${orders.rows.length} rows`);
    console.table(orders.rows);
    console.log("Tear it all down with: npm run demo:down");
}

async function down(): Promise<void> {
    if (!fs.existsSync(STATE_FILE)) {
        say("no demo is running");
        return;
    }
    const state: DemoState = JSON.parse(fs.readFileSync(STATE_FILE, "utf8"));
    say("pulumi destroy...");
    try {
        const stack = await demoStack();
        await stack.destroy({ onOutput: (line) => process.stdout.write(line) });
    } catch (e) {
        say(`destroy failed (${firstError((e as Error).message)}); removing the server anyway`);
    }
    say(`stopping PostgreSQL on port ${state.port}...`);
    stopDetached(state.major, path.join(DEMO_DIR, "pg"));
    fs.rmSync(DEMO_DIR, { recursive: true, force: true });
    say("done");
}

async function main(): Promise<void> {
    if (process.argv[2] === "down") return down();
    try {
        await up(process.argv.includes("--show-password"));
    } catch (e) {
        console.error(`[demo] failed: ${firstError((e as Error).message)}`);
        // Leave nothing running behind a failed demo (unless one was already running).
        if (!(e instanceof DemoRunning)) await down();
        process.exitCode = 1;
    }
}

main().catch((e: Error) => {
    console.error(`[demo] failed: ${e.message}`);
    process.exitCode = 1;
});
