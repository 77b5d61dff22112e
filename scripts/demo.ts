/**
 * Boots a PostgreSQL with a demo database (schema `shop`, table creator `shop_owner`, table
 * `shop.orders`), runs `pulumi up` of the root project against it on a local file backend
 * (as an Automation API inline program, so no Node.js language host is needed),
 * prints Whaly's form fields and reads the demo table as the BI role. `down` tears it all down.
 * Everything lives in a directory keyed to this checkout, so two checkouts run two demos.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LocalWorkspace, OutputMap, Stack } from "@pulumi/pulumi/automation";
import { Client } from "pg";
import { NEWEST_MAJOR, startPostgres, stopPostgresAt } from "./lib/postgresServer";
import { installedPulumi } from "./lib/pulumiCli";

const CHECKOUT = path.resolve(__dirname, "..");
const DEMO_DIR = path.join(os.tmpdir(), `whaly-postgres-demo-${createHash("sha256").update(CHECKOUT).digest("hex").slice(0, 12)}`);
const SERVER_DIR = path.join(DEMO_DIR, "pg");
const PASSPHRASE = "whaly-demo"; // the demo's state holds only a throwaway local server's secrets

class DemoRunning extends Error {
    constructor() {
        super("a demo is already running: `npm start -- --show-password` shows its form, `npm run demo:down` tears it down");
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
    fs.mkdirSync(path.join(DEMO_DIR, "state"), { recursive: true });
    let t = Date.now();
    say(`starting PostgreSQL ${NEWEST_MAJOR}...`);
    const server = await startPostgres(NEWEST_MAJOR, { dataRoot: SERVER_DIR, keepRunning: true });
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
    // The engine's output only when it fails (in the error): the form below is what matters.
    const result = await stack.up();
    const created = result.summary.resourceChanges?.create ?? 0;
    say(`pulumi up: ${created} resources created (${Math.round((Date.now() - t) / 1000)} s)`);

    const out = result.outputs;
    const field = (name: string) => String(out[name].value);
    printForm(out, showPassword);

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

/** Whaly's form, from the stack's outputs; the password only when asked. */
function printForm(outputs: OutputMap, showPassword: boolean): void {
    // A demo whose start was interrupted, or is still deploying, has no outputs yet.
    if (outputs.host === undefined)
        throw new Error("the demo has no form yet (its start did not finish): `npm run demo:down`, then `npm start`");
    const field = (name: string) => String(outputs[name].value);
    console.log("\nWhaly's form:");
    console.log(`  Host      ${field("host")}`);
    console.log(`  Port      ${field("port")}`);
    console.log(`  Database  ${field("database")}`);
    console.log(`  User      ${field("user")}`);
    console.log(`  Password  ${showPassword ? field("password") : "[secret] (shown by: npm start -- --show-password)"}`);
}

async function down(): Promise<void> {
    if (!fs.existsSync(DEMO_DIR)) {
        say("no demo is running for this checkout");
        return;
    }
    say("pulumi destroy...");
    try {
        const stack = await demoStack();
        const result = await stack.destroy();
        say(`pulumi destroy: ${result.summary.resourceChanges?.delete ?? 0} resources deleted`);
    } catch (e) {
        say(`destroy failed (${firstError((e as Error).message)}); removing the server anyway`);
    }
    say("stopping PostgreSQL...");
    stopPostgresAt(SERVER_DIR);
    fs.rmSync(DEMO_DIR, { recursive: true, force: true });
    say("done");
}

async function main(): Promise<void> {
    if (process.argv[2] === "down") return down();
    const showPassword = process.argv.includes("--show-password");
    // A demo already running is shown from its state, never deployed again nor torn down by this run.
    if (fs.existsSync(DEMO_DIR)) {
        if (!showPassword) throw new DemoRunning();
        return printForm(await (await demoStack()).outputs(), true);
    }
    try {
        await up(showPassword);
    } catch (e) {
        console.error(`[demo] failed: ${firstError((e as Error).message)}`);
        // Leave nothing running behind a failed demo.
        await down();
        process.exitCode = 1;
    }
}

main().catch((e: Error) => {
    console.error(`[demo] failed: ${e.message}`);
    process.exitCode = 1;
});
