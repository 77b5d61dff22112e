/**
 * No secret in any output, diagnostic or state, through the real CLI and provider: the admin's
 * password and the BI role's password are sentinels, given as each mode takes them (admin, a
 * provider in opts, the default provider from stack config), and a stack lives through preview,
 * up, a preview with diffs, refresh, a refused up whose args carry sentinels in every position
 * and under mistyped keys, and destroy. After each step every line the CLI printed, every engine
 * event and every file of the backend (state, backups, history) is searched for the sentinels;
 * the state may hold them only as ciphertext.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { EngineEvent } from "@pulumi/pulumi/automation";
import { NEWEST_MAJOR, PostgresServer, startPostgres } from "../../scripts/lib/postgresServer";
import { ADMIN_ARG_NAMES, ARG_NAMES } from "../../components/contract/args";
import { WhalyPostgresAccessArgs } from "../../index";
import { as } from "../harness/sessions";
import { newTestStack, TestStack } from "../harness/stack";
import { DATABASE, seedWarehouse } from "../harness/warehouse";
import { accessProgram, CONNECTION_SOURCES, programFrom } from "./support/program";

jest.setTimeout(600_000);

/** The admin's password: a superuser made for this test logs in with it. */
const ADMIN_SENTINEL = "AdminSentinel-4Kq9-Zr7w-x2Lm";
/** Whaly's password, given with `password`. */
const BI_SENTINEL = "BiSentinel-8Tn3-Hv6p-c5Jd";
/** What a user might paste into the wrong arg, refused there. */
const PASTED_SENTINEL = 'PastedSentinel"-2Wr8 Yb4k';
const SENTINELS = [ADMIN_SENTINEL, BI_SENTINEL, PASTED_SENTINEL];

/** Every file under `dir`, as text. */
function filesUnder(dir: string): Array<{ file: string; text: string }> {
    return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).flatMap((entry) => {
        if (!entry.isFile()) return [];
        const file = path.join(entry.parentPath, entry.name);
        return [{ file: path.relative(dir, file), text: fs.readFileSync(file, "utf8") }];
    });
}

/** Args carrying the pasted sentinel in every position a value of its shape is refused, and under a mistyped key beside each arg. */
function pastedEverywhere(): Record<string, unknown> {
    const typos = Object.fromEntries(ARG_NAMES.map((name) => [name.slice(0, -1), PASTED_SENTINEL]));
    const args: Record<string, unknown> = {
        ...typos,
        schemas: ["public", PASTED_SENTINEL],
        tableCreators: [PASTED_SENTINEL],
        roleName: PASTED_SENTINEL,
        port: PASTED_SENTINEL,
        sslMode: PASTED_SENTINEL,
        ipRanges: [PASTED_SENTINEL],
        passwordLength: PASTED_SENTINEL,
        rotation: PASTED_SENTINEL,
        readAllData: PASTED_SENTINEL,
    };
    return args;
}

describe.each(CONNECTION_SOURCES)(
    `PostgreSQL ${NEWEST_MAJOR}, connected through %s: no secret in any output, diagnostic or state`,
    (source) => {
        let server: PostgresServer;
        let t: TestStack;
        const printed: string[] = [];
        const credentials = { user: "sentinel_admin", password: ADMIN_SENTINEL };
        const args: Partial<WhalyPostgresAccessArgs> = { schemas: ["public", "sales"], tableCreators: ["etl"], password: BI_SENTINEL };

        /** Runs `step`, keeping what it prints, its events and its error message. */
        async function run(step: (hooks: { onOutput: (out: string) => void; onEvent: (event: EngineEvent) => void }) => Promise<unknown>) {
            const hooks = {
                onOutput: (out: string) => void printed.push(out),
                // Every event but the SDK's debug traces, which the CLI prints only with --debug: they carry each
                // RPC's response, secret outputs in plain text, for any resource of any Node.js program.
                onEvent: (event: EngineEvent) =>
                    void ((event.diagnosticEvent?.severity as string) === "debug" || printed.push(JSON.stringify(event))),
            };
            try {
                await step(hooks);
                return true;
            } catch (e) {
                printed.push((e as Error).message);
                return false;
            }
        }

        /** Where a sentinel shows, outside ciphertext: what was printed, then every backend file. */
        function leaks(): string[] {
            const found: string[] = [];
            for (const text of printed)
                for (const s of SENTINELS)
                    if (text.includes(s)) {
                        found.push(`printed: ${text.slice(Math.max(0, text.indexOf(s) - 120), text.indexOf(s) + 40)}`);
                    }
            for (const { file, text } of filesUnder(t.backendDir))
                for (const s of SENTINELS) if (text.includes(s)) found.push(`${file} holds ${s}`);
            return found;
        }

        beforeAll(async () => {
            server = await startPostgres(NEWEST_MAJOR);
            await seedWarehouse(server);
            await server.query(`CREATE ROLE sentinel_admin LOGIN SUPERUSER PASSWORD '${ADMIN_SENTINEL}'`);
            const { program, config } = programFrom(source, server, args, credentials);
            t = await newTestStack(`secrets-${source.replace(/ /g, "-")}`, program);
            await t.stack.setAllConfig(config);
        });
        afterAll(() => {
            t?.dispose();
            server?.stop();
        });

        it("preview, up, a preview with diffs and refresh: the passwords work and show nowhere", async () => {
            expect(await run((hooks) => t.stack.preview(hooks))).toBe(true);
            expect(await run((hooks) => t.stack.up(hooks))).toBe(true);
            expect(await run((hooks) => t.stack.preview({ ...hooks, diff: true }))).toBe(true);
            expect(await run((hooks) => t.stack.refresh(hooks))).toBe(true);
            // The sentinel really is Whaly's password: the search below looks for what is there.
            expect(await as(server, DATABASE, "whaly_bi", BI_SENTINEL, (s) => s.query("SELECT count(*) FROM sales.orders"))).toHaveLength(
                1,
            );
            expect(leaks()).toEqual([]);
        });

        it("an up refused for args that carry a pasted secret everywhere shows none of it", async () => {
            const pasted = { ...args, ...pastedEverywhere() };
            const { program, config } = programFrom(source, server, pasted, credentials);
            // The admin's own fields mistyped too, the password among them (`passwrd`).
            const admin = {
                host: server.host,
                port: server.port,
                username: credentials.user,
                password: ADMIN_SENTINEL,
                sslMode: "disable",
            };
            const adminTypos = Object.fromEntries(ADMIN_ARG_NAMES.map((name) => [name.slice(0, -1), PASTED_SENTINEL]));
            t.setProgram(
                source === "admin"
                    ? accessProgram(server, { ...pasted, admin: { ...admin, ...adminTypos, passwrd: ADMIN_SENTINEL } as never })
                    : program,
            );
            await t.stack.setAllConfig(config);
            expect(await run((hooks) => t.stack.up(hooks))).toBe(false);
            const refusal = printed[printed.length - 1];
            expect(refusal).toContain('Invalid args for WhalyPostgresAccess "whaly"');
            expect(refusal).toContain("did you mean schemas?");
            expect(leaks()).toEqual([]);
        });

        it("destroy leaves no sentinel behind", async () => {
            t.setProgram(programFrom(source, server, args, credentials).program);
            expect(await run((hooks) => t.stack.destroy(hooks))).toBe(true);
            expect(leaks()).toEqual([]);
        });
    },
);
