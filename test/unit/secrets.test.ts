/**
 * No secret in any message: a sentinel fed into every arg position (each known arg, admin's and
 * sshTunnel's included, and a mistyped key beside each), as a plain string, in a list, as an Output
 * and as a secret Output, never reaches an error, a problem the error carries, or a line the
 * component logs. Values that only look like names are the exception where the arg is a name the
 * component writes in plain text anyway (a schema, a host): those cases are left out below.
 */
import * as pulumi from "@pulumi/pulumi";
import { recordResources } from "./pulumiMocks";
import { WhalyPostgresAccess, WhalyPostgresAccessArgs, WhalyPostgresArgsError } from "../../index";
import { ADMIN_ARG_NAMES, ARG_NAMES, SSH_TUNNEL_ARG_NAMES } from "../../components/contract/args";
import { PUBLIC_KEYS } from "../harness/sshKeys";

jest.mock("../../components/server/facts", () => jest.requireActual("./serverFactsMock"));

/** A value no arg accepts as plain text: a quote and a space make it no name, host, range or path. */
const SENTINEL = 'sentinel"7Qx 93vLp';
/** A value shaped like a password: accepted as a name or a host, refused elsewhere. */
const PLAIN_SENTINEL = "Sentinel7Qx93vLpZ";
/** The args where a name-shaped value is a legitimate name, written in plain text by design. */
const NAME_ARGS = new Set([
    "database",
    "roleName",
    "schemas",
    "tableCreators",
    "loginUsers",
    "host",
    "admin.host",
    "admin.username",
    "sshTunnel.bastionHost",
    "sshTunnel.bastionUser",
]);

const BASE: Record<string, unknown> = {
    database: "analytics",
    admin: { host: "db.internal", username: "postgres", password: "admin-password-1" },
};
const TUNNEL = { publicKey: PUBLIC_KEYS.ed25519, bastionHost: "10.0.1.5" };

/** Every field path, with where it sits: top level, admin or sshTunnel. */
const FIELDS = [
    ...ARG_NAMES.filter((name) => name !== "admin" && name !== "sshTunnel").map((name) => ({ parent: undefined, name })),
    ...ADMIN_ARG_NAMES.map((name) => ({ parent: "admin", name })),
    ...SSH_TUNNEL_ARG_NAMES.map((name) => ({ parent: "sshTunnel", name })),
];

/** A key one typo away: the last letter dropped. */
const mistyped = (name: string) => name.slice(0, -1);

function argsWith(parent: string | undefined, name: string, value: unknown): Record<string, unknown> {
    const args: Record<string, unknown> = { ...BASE };
    if (parent === undefined) return { ...args, [name]: value };
    const base = parent === "admin" ? (BASE.admin as object) : TUNNEL;
    return { ...args, [parent]: { ...base, [name]: value } };
}

const SHAPES: Array<[string, (value: string) => unknown]> = [
    ["a string", (v) => v],
    ["in a list", (v) => [v]],
    ["an Output", (v) => pulumi.output(v)],
    ["a secret Output", (v) => pulumi.secret(v)],
];

const CASES = FIELDS.flatMap(({ parent, name }) => {
    const path = parent ? `${parent}.${name}` : name;
    return SHAPES.flatMap(([shape, make]) => [
        ...[SENTINEL, ...(NAME_ARGS.has(path) ? [] : [PLAIN_SENTINEL])].map((sentinel) => ({
            what: `${path} given ${shape}`,
            args: argsWith(parent, name, make(sentinel)),
            sentinel,
            unknownKey: undefined,
        })),
        ...[SENTINEL, PLAIN_SENTINEL].map((sentinel) => ({
            what: `${parent ? `${parent}.` : ""}${mistyped(name)} (mistyped ${path}) given ${shape}`,
            args: argsWith(parent, mistyped(name), make(sentinel)),
            sentinel,
            unknownKey: `${parent ? `${parent}.` : ""}${mistyped(name)}`,
        })),
    ]);
});

describe("no message shows a value that could be a secret", () => {
    it("covers every arg, each with a mistyped key beside it", () => {
        // 22 args beside admin and sshTunnel, 7 of admin's, 5 of sshTunnel's.
        expect(FIELDS.length).toBe(34);
        expect(CASES.length).toBeGreaterThan(FIELDS.length * SHAPES.length * 3);
    });

    it.each(CASES)("$what", async ({ args, sentinel, unknownKey }) => {
        const lines: string[] = [];
        const spies = (["log", "info", "warn", "error"] as const).map((level) =>
            jest.spyOn(console, level).mockImplementation((...parts: unknown[]) => void lines.push(parts.map(String).join(" "))),
        );
        let thrown: unknown;
        try {
            await recordResources((transformations) => {
                try {
                    new WhalyPostgresAccess("sweep", args as unknown as WhalyPostgresAccessArgs, { transformations });
                } catch (e) {
                    thrown = e;
                }
            });
        } finally {
            spies.forEach((spy) => spy.mockRestore());
        }
        const shown = [
            ...lines,
            thrown instanceof Error ? thrown.message : String(thrown ?? ""),
            thrown instanceof WhalyPostgresArgsError ? JSON.stringify(thrown.problems) : "",
        ].join("\n");
        expect(shown).not.toContain(sentinel);
        // A mistyped key is refused by its name and the shape of its value.
        if (unknownKey) expect((thrown as Error)?.message).toMatch(new RegExp(`- ${unknownKey} \\((a|an) [^)]*\\): is not an arg`));
    });
});
