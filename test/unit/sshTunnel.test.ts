/**
 * The tunnel's text, pure: which keys pass and why the others fail (never quoting them), the
 * authorized_keys line and the sshd block written out by hand, and the range pg_hba.conf admits.
 * What the line and the block really allow is proven against a real sshd (test/e2e/sshTunnel.test.ts).
 */
import { formatProblems } from "../../components/contract/validate";
import {
    bastionRange,
    describeKey,
    parsePublicKey,
    renderAuthorizedKeysLine,
    renderSshdConfig,
    SSH_KEY_TYPES,
    tunnelProblems,
} from "../../components/outputs/sshTunnel";
import { privateKeys, PUBLIC_KEYS } from "../harness/sshKeys";

/** A key blob of OpenSSH's wire format (each field a 32-bit length and its bytes), for the types ssh-keygen cannot make without hardware. */
const blob = (...fields: Array<string | Buffer>) =>
    Buffer.concat(
        fields.flatMap((field) => {
            const bytes = Buffer.from(field);
            const length = Buffer.alloc(4);
            length.writeUInt32BE(bytes.length);
            return [length, bytes];
        }),
    ).toString("base64");
const SECURITY_KEYS = {
    "sk-ssh-ed25519@openssh.com": `sk-ssh-ed25519@openssh.com ${blob("sk-ssh-ed25519@openssh.com", Buffer.alloc(32, 7), "ssh:")} yubikey`,
    "sk-ecdsa-sha2-nistp256@openssh.com": `sk-ecdsa-sha2-nistp256@openssh.com ${blob("sk-ecdsa-sha2-nistp256@openssh.com", "nistp256", Buffer.alloc(65, 4), "ssh:")}`,
};
const ED25519_BASE64 = PUBLIC_KEYS.ed25519.split(" ")[1];

describe("parsePublicKey", () => {
    it.each([
        ["ssh-ed25519", PUBLIC_KEYS.ed25519, "whaly-ed25519"],
        ["ecdsa-sha2-nistp256", PUBLIC_KEYS.ecdsaP256, "whaly-ecdsab256"],
        ["ecdsa-sha2-nistp384", PUBLIC_KEYS.ecdsaP384, "whaly-ecdsab384"],
        ["ecdsa-sha2-nistp521", PUBLIC_KEYS.ecdsaP521, "whaly-ecdsab521"],
        ["ssh-rsa", PUBLIC_KEYS.rsa, "whaly-rsab2048"],
        ["sk-ssh-ed25519@openssh.com", SECURITY_KEYS["sk-ssh-ed25519@openssh.com"], "yubikey"],
        ["sk-ecdsa-sha2-nistp256@openssh.com", SECURITY_KEYS["sk-ecdsa-sha2-nistp256@openssh.com"], ""],
    ])("accepts %s", (type, line, comment) => {
        expect(parsePublicKey(line)).toEqual({ key: { type, base64: line.split(" ")[1], comment } });
    });

    it("covers every type it accepts", () => {
        expect([...SSH_KEY_TYPES].sort()).toEqual(
            [
                "ssh-ed25519",
                "ecdsa-sha2-nistp256",
                "ecdsa-sha2-nistp384",
                "ecdsa-sha2-nistp521",
                "ssh-rsa",
                ...Object.keys(SECURITY_KEYS),
            ].sort(),
        );
    });

    it("takes a key read from a .pub file, its line break and a comment with spaces included", () => {
        expect(parsePublicKey(`${PUBLIC_KEYS.ed25519} of the warehouse\n`)).toEqual({
            key: { type: "ssh-ed25519", base64: ED25519_BASE64, comment: "whaly-ed25519 of the warehouse" },
        });
    });

    const keys = privateKeys();
    it.each([
        ["empty", "", "is empty"],
        ["white space", " \n ", "is empty"],
        ["not a string", 42, "must be a string"],
        ["a PKCS#8 private key", keys.pkcs8, "is a private key, which must never leave its owner"],
        ["an OpenSSH private key", keys.openssh, "is a private key"],
        ["a PuTTY private key file", keys.putty, "is a private key"],
        ["an SSH2 public key", `---- BEGIN SSH2 PUBLIC KEY ----\n${ED25519_BASE64}\n---- END SSH2 PUBLIC KEY ----`, "ssh-keygen -i -f"],
        ["a PEM public key", "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----", "ssh-keygen -i -m PKCS8"],
        ["two keys", `${PUBLIC_KEYS.ed25519}\n${PUBLIC_KEYS.rsa}`, "holds 2 lines: give one key"],
        ["options before the key", `restrict,command="id" ${PUBLIC_KEYS.ed25519}`, "starts with authorized_keys options"],
        ["an option without a comma", `no-pty ${PUBLIC_KEYS.ed25519}`, "starts with authorized_keys options"],
        ["a quote in the comment", `${PUBLIC_KEYS.ed25519} "x`, "double quote"],
        ["a DSA key", PUBLIC_KEYS.dsa, "OpenSSH refuses since version 7.0"],
        ["a certificate", `ssh-ed25519-cert-v01@openssh.com ${ED25519_BASE64}`, "is an SSH certificate"],
        ["garbage", "not a key at all", "is not an OpenSSH public key"],
        ["a type alone", "ssh-ed25519", "holds a key type and no key"],
        ["a blob of another type", `ssh-rsa ${ED25519_BASE64}`, "is not a whole ssh-rsa key"],
        ["a cut blob", `ssh-ed25519 ${ED25519_BASE64.slice(0, 20)}`, "is not a whole ssh-ed25519 key"],
        ["a blob that is not base64", "ssh-ed25519 AAAA$$$$", "is not a whole ssh-ed25519 key"],
    ])("refuses %s", (_what, value, says) => {
        const parsed = parsePublicKey(value);
        expect(parsed).toEqual({ problem: expect.stringContaining(says) });
    });
});

describe("errors describe a key, never show it", () => {
    const keys = privateKeys();
    it.each([
        ["a private key", keys.pkcs8, "(a private key: not shown)"],
        ["a PuTTY file", keys.putty, "(a private key: not shown)"],
        ["anything else", "ssh-dss AAAA", "(12 characters: not shown)"],
        ["nothing", "", "(empty)"],
        ["a number", 7, "(a number: not shown)"],
    ])("%s", (_what, value, description) => {
        expect(describeKey(value).description).toBe(description);
        const [problem] = tunnelProblems({ publicKey: value, bastionHost: "10.0.0.2", bastionPort: 22, bastionUser: "whaly" }, "db");
        const message = formatProblems([problem]);
        expect(message.startsWith(`- sshTunnel.publicKey ${description}: `)).toBe(true);
        if (typeof value === "string" && value.length > 0)
            for (const part of value.split(/\s+/).filter((p) => p.length >= 16)) expect(message).not.toContain(part);
        expect(JSON.stringify(problem)).not.toContain(typeof value === "string" && value.length > 12 ? value.slice(0, 40) : "\u0000");
    });
});

describe("renderAuthorizedKeysLine", () => {
    it("allows one local forward, and nothing else", () => {
        expect(
            renderAuthorizedKeysLine({
                publicKey: PUBLIC_KEYS.ed25519,
                host: "db.internal",
                port: 5432,
            }),
        ).toBe(`restrict,port-forwarding,permitopen="db.internal:5432",permitlisten="NONE:1",command="false" ${PUBLIC_KEYS.ed25519}`);
    });

    it("writes an IPv6 destination in brackets, and a key without a comment as it is", () => {
        const [type, base64] = PUBLIC_KEYS.ed25519.split(" ");
        expect(renderAuthorizedKeysLine({ publicKey: `${type} ${base64}`, host: "fd00::5", port: 6432 })).toBe(
            `restrict,port-forwarding,permitopen="[fd00::5]:6432",permitlisten="NONE:1",command="false" ${type} ${base64}`,
        );
    });

    it("refuses a private key without quoting it, and a host the line cannot carry", () => {
        const { pkcs8 } = privateKeys();
        const render = (publicKey: string, host: string) => () => renderAuthorizedKeysLine({ publicKey, host, port: 5432 });
        expect(render(pkcs8, "db")).toThrow("(a private key: not shown) is a private key");
        expect(render(pkcs8, "db")).not.toThrow(pkcs8.split("\n")[1]);
        expect(render(PUBLIC_KEYS.ed25519, 'db",permitopen="*:*')).toThrow("is not a host name or IP address");
    });
});

describe("renderSshdConfig", () => {
    it("confines the user to local forwards to the database, and leaves the global section as it was", () => {
        expect(renderSshdConfig({ user: "whaly", host: "db.internal", port: 5432 })).toBe(
            [
                "# Whaly's SSH tunnel: whaly may only forward to db.internal:5432.",
                "Match User whaly",
                "    AllowTcpForwarding local",
                "    PermitOpen db.internal:5432",
                "    PermitListen none",
                "    AllowStreamLocalForwarding no",
                "    GatewayPorts no",
                "    X11Forwarding no",
                "    AllowAgentForwarding no",
                "    PermitTTY no",
                "    PermitTunnel no",
                "    ForceCommand false",
                "Match all",
                "",
            ].join("\n"),
        );
    });

    it("writes an IPv6 destination in brackets; refuses a user sshd would read as a pattern list", () => {
        expect(renderSshdConfig({ user: "whaly", host: "::1", port: 5432 })).toContain("    PermitOpen [::1]:5432\n");
        expect(() => renderSshdConfig({ user: "whaly,root", host: "db", port: 5432 })).toThrow("is not a user name sshd can match");
    });
});

describe("the tunnel's rules", () => {
    const base = { publicKey: PUBLIC_KEYS.ed25519, bastionHost: "10.0.1.5", bastionPort: 22, bastionUser: "whaly" };

    it("asks for bastionAddress when bastionHost is a name, and takes bastionHost's own address otherwise", () => {
        expect(tunnelProblems(base, "db.internal")).toEqual([]);
        expect(tunnelProblems({ ...base, bastionHost: "bastion.example.com" }, "db.internal")).toEqual([
            expect.objectContaining({
                field: "sshTunnel.bastionAddress",
                value: undefined,
                message: expect.stringContaining("is required when bastionHost is a name"),
            }),
        ]);
        expect(tunnelProblems({ ...base, bastionHost: "bastion.example.com", bastionAddress: "10.0.1.0/28" }, "db.internal")).toEqual([]);
    });

    it("names each field that breaks a rule, and the host the line would name", () => {
        expect(
            tunnelProblems(
                { publicKey: "x", bastionHost: "a b", bastionPort: 0, bastionUser: "wh aly", bastionAddress: "10.0.0.300" },
                'db"',
            ).map((p) => p.field),
        ).toEqual([
            "sshTunnel.publicKey",
            "sshTunnel.bastionHost",
            "sshTunnel.bastionPort",
            "sshTunnel.bastionUser",
            "sshTunnel.bastionAddress",
            "host",
        ]);
    });

    it("leaves the values known later to be checked then", () => {
        const later = { later: true };
        expect(tunnelProblems({ ...base, publicKey: later, bastionHost: later, bastionAddress: later }, later, (v) => v === later)).toEqual(
            [],
        );
        expect(tunnelProblems({ ...base, bastionHost: later }, "db", (v) => v === later)).toEqual([]);
    });
});

describe("bastionRange", () => {
    it.each([
        ["10.0.1.5", undefined, "10.0.1.5/32"],
        ["2001:db8::7", undefined, "2001:db8::7/128"],
        ["bastion.example.com", "10.0.1.5", "10.0.1.5/32"],
        ["bastion.example.com", "10.0.1.0/28", "10.0.1.0/28"],
        ["203.0.113.9", "10.0.1.5", "10.0.1.5/32"],
    ])("%s with bastionAddress %s: %s", (host, address, range) => {
        expect(bastionRange(host, address)).toBe(range);
    });
});
