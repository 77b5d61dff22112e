/**
 * Whaly's SSH tunnel through a bastion, as text for the bastion: the `authorized_keys` line that
 * lets Whaly's key do nothing but forward to the database, the sshd `Match` block that enforces
 * the same on the server side, and the range pg_hba.conf then admits. Pure: checks and rendering,
 * no Pulumi and no I/O. Why each option is there: docs/private-networks.md.
 */
import * as net from "node:net";
import { isCidr } from "./network";

/** Key types a current sshd accepts in `authorized_keys` (ssh-dss is refused since OpenSSH 7.0). */
export const SSH_KEY_TYPES = [
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "ssh-rsa",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
] as const;

/** An OpenSSH public key, checked: its type, its base64 blob (whose embedded type matches), and its comment. */
export interface PublicKey {
    type: string;
    base64: string;
    comment: string;
}

/**
 * A value that errors describe instead of printing: a key field may hold a private key pasted by
 * mistake, so no error ever shows what was given.
 */
export class NotShown {
    constructor(readonly description: string) {}
    toJSON(): string {
        return this.description;
    }
}

/** How errors show a `publicKey` value: what it is, never what it holds. */
export function describeKey(value: unknown): NotShown {
    if (value === undefined) return new NotShown("(missing)");
    if (typeof value !== "string") return new NotShown(`(a ${value === null ? "null" : typeof value}: not shown)`);
    if (value.trim() === "") return new NotShown("(empty)");
    if (isPrivateKey(value)) return new NotShown("(a private key: not shown)");
    return new NotShown(`(${value.length} characters: not shown)`);
}

const isPrivateKey = (text: string) => /PRIVATE KEY-----|^PuTTY-User-Key-File-/m.test(text);

const FIX = `give the public key Whaly shows for the warehouse's SSH tunnel: one line starting with ${SSH_KEY_TYPES.slice(0, 2).join(", ")} or ssh-rsa`;

/** The key, or what is wrong with it (in words that never quote it). */
export function parsePublicKey(value: unknown): { key: PublicKey } | { problem: string } {
    if (value === undefined) return { problem: `is required: ${FIX}` };
    if (typeof value !== "string") return { problem: `must be a string: ${FIX}` };
    // A key read from a .pub file ends with a line break: that one is no part of the key.
    const text = value.trim();
    if (text === "") return { problem: `is empty: ${FIX}` };
    if (isPrivateKey(text))
        return {
            problem: `is a private key, which must never leave its owner: ${FIX}. Treat a private key pasted into a program or its config as leaked, and replace it`,
        };
    if (text.includes("BEGIN SSH2 PUBLIC KEY"))
        return { problem: "is in the SSH2 (RFC 4716) format: convert it to OpenSSH's one-line format with ssh-keygen -i -f <file>" };
    if (/BEGIN (RSA )?PUBLIC KEY/.test(text))
        return { problem: "is a PEM public key: convert it to OpenSSH's one-line format with ssh-keygen -i -m PKCS8 -f <file>" };
    if (/[\r\n]/.test(text)) return { problem: `holds ${text.split(/\r?\n|\r/).length} lines: give one key, on one line` };
    const [type, base64 = "", ...comment] = text.split(/\s+/);
    const known = (t: string) => (SSH_KEY_TYPES as readonly string[]).includes(t);
    if (!known(type)) {
        if (type === "ssh-dss")
            return {
                problem: "is a DSA key (ssh-dss), which OpenSSH refuses since version 7.0: ask Whaly for an ed25519, ECDSA or RSA key",
            };
        if (type.endsWith("-cert-v01@openssh.com")) return { problem: `is an SSH certificate, not a key: ${FIX}` };
        if (/[=,]/.test(type) || text.split(/\s+/).some(known))
            return {
                problem:
                    "starts with authorized_keys options: give the key alone (type, base64, comment); the component writes the options",
            };
        return { problem: `is not an OpenSSH public key (it must start with its type: ${SSH_KEY_TYPES.join(", ")}): ${FIX}` };
    }
    // The comment is copied into the line: nothing in it may end the line or an option early.
    if (/["\\\p{Cc}]/u.test(text))
        return {
            problem:
                "holds a double quote, a backslash or a control character, which an authorized_keys line cannot carry as given: give the key as ssh-keygen prints it",
        };
    if (base64 === "") return { problem: `holds a key type and no key: ${FIX}` };
    if (embeddedType(base64) !== type)
        return {
            problem: `is not a whole ${type} key: its base64 part does not decode to one (it may have been cut or altered when copied): ${FIX}`,
        };
    return { key: { type, base64, comment: comment.join(" ") } };
}

/** The key type written at the start of a key blob, or undefined when the blob is not base64 or is cut short. */
function embeddedType(base64: string): string | undefined {
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64) || base64.length % 4 !== 0) return undefined;
    const blob = Buffer.from(base64, "base64");
    if (blob.length < 4) return undefined;
    const length = blob.readUInt32BE(0);
    // The type, then at least one more field (the key material).
    return length > 0 && 4 + length < blob.length ? blob.subarray(4, 4 + length).toString("latin1") : undefined;
}

/** A host name or an IP address, in the characters an authorized_keys option or sshd_config line carries unquoted. */
export function isPlainHost(value: unknown): value is string {
    return (
        typeof value === "string" &&
        (net.isIP(value) !== 0 ||
            /^(?=.{1,253}$)[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?)*\.?$/.test(value))
    );
}

/** A user name sshd can match: letters, digits, `.`, `_` and `-`, not starting with `-`, at most 32 characters. */
export function isPlainUser(value: unknown): value is string {
    return typeof value === "string" && /^[A-Za-z0-9._][A-Za-z0-9._-]{0,31}$/.test(value);
}

/** The tunnel's settings, known (resolved), as the renderers take them. */
export interface TunnelSettings {
    publicKey: string;
    bastionHost: string;
    bastionPort: number;
    bastionUser: string;
    bastionAddress?: string;
}

/** One broken rule, as validate.ts reports it. */
export interface TunnelProblem {
    field: string;
    value: unknown;
    message: string;
}

/**
 * Every rule of the tunnel's fields (defaults applied) and of `host` (the database as the bastion
 * sees it, which the line names), skipping the values `later` says are not known yet (Outputs,
 * checked once resolved). A key is described, never shown.
 */
export function tunnelProblems(
    tunnel: Partial<Record<keyof TunnelSettings, unknown>>,
    host: unknown,
    later: (value: unknown) => boolean = () => false,
): TunnelProblem[] {
    const problems: TunnelProblem[] = [];
    const problem = (field: string, value: unknown, message: string) => problems.push({ field: `sshTunnel.${field}`, value, message });
    const { publicKey, bastionHost, bastionPort, bastionUser, bastionAddress } = tunnel;
    if (!later(publicKey)) {
        const parsed = parsePublicKey(publicKey);
        if ("problem" in parsed) problem("publicKey", describeKey(publicKey), parsed.problem);
    }
    if (bastionHost === undefined)
        problem("bastionHost", undefined, "is required: the bastion's address as Whaly reaches it (Whaly's SSH host)");
    else if (!later(bastionHost) && !isPlainHost(bastionHost))
        problem(
            "bastionHost",
            bastionHost,
            "is not a host name or IP address: give the bastion's address as Whaly reaches it, e.g. bastion.example.com",
        );
    if (
        !later(bastionPort) &&
        !(typeof bastionPort === "number" && Number.isInteger(bastionPort) && bastionPort >= 1 && bastionPort <= 65535)
    )
        problem("bastionPort", bastionPort, "is not a whole number from 1 to 65535: use the bastion's SSH port, or omit it for 22");
    if (!later(bastionUser) && !isPlainUser(bastionUser))
        problem(
            "bastionUser",
            bastionUser,
            "is not a user name sshd can match (letters, digits, ., _ and -, up to 32): use the bastion user Whaly logs in as, or omit it for whaly",
        );
    if (!later(bastionAddress) && bastionAddress !== undefined && !(net.isIP(String(bastionAddress)) !== 0 || isCidr(bastionAddress)))
        problem(
            "bastionAddress",
            bastionAddress,
            "is not an IP address or CIDR range: give the bastion's address as the database sees it, e.g. 10.0.1.5",
        );
    else if (bastionAddress === undefined && isPlainHost(bastionHost) && net.isIP(bastionHost) === 0)
        problem(
            "bastionAddress",
            undefined,
            `is required when bastionHost is a name (${bastionHost}): give the bastion's IP address as the database sees it (its private address, usually), for pgHbaLines`,
        );
    return problems.concat(tunnelHostProblems(host, later));
}

/** With a tunnel, `host` (the database as the bastion sees it) is written into the line and the block: a host name or an IP address. */
export function tunnelHostProblems(host: unknown, later: (value: unknown) => boolean = () => false): TunnelProblem[] {
    if (host === undefined || later(host) || isPlainHost(host)) return [];
    const message =
        "is not a host name or IP address the tunnel can name: with sshTunnel, give the database's address as the bastion sees it";
    return [{ field: "host", value: host, message }];
}

/** `host:port` as OpenSSH writes a destination: an IPv6 address in brackets. */
export function destination(host: string, port: number): string {
    return `${net.isIPv6(host) ? `[${host}]` : host}:${port}`;
}

/**
 * The bastion user's `authorized_keys` line for Whaly's key: `restrict` takes away everything
 * (a terminal, agent and X11 forwarding, port forwarding, ~/.ssh/rc), `port-forwarding` gives back
 * forwarding both ways, `permitopen` limits local forwards to the database, `permitlisten` names a listen
 * address no request can match (requests are lowercased before matching, the pattern is upper
 * case: `none` is not accepted there), so remote TCP forwards are refused, the forced `command`
 * replaces any command or shell with `false`. Where the key may log in from is the firewall's
 * to say (Whaly's ranges to the SSH port): a `from` here would lock Whaly out the day its ranges
 * change. Throws when `publicKey` is not a public key (the message never quotes it).
 */
export function renderAuthorizedKeysLine(options: { publicKey: string; host: string; port: number }): string {
    const parsed = parsePublicKey(options.publicKey);
    if ("problem" in parsed)
        throw new Error(`renderAuthorizedKeysLine: publicKey ${describeKey(options.publicKey).description} ${parsed.problem}`);
    if (!isPlainHost(options.host))
        throw new Error(`renderAuthorizedKeysLine: host ${JSON.stringify(options.host)} is not a host name or IP address`);
    const { type, base64, comment } = parsed.key;
    const restrictions = [
        "restrict",
        "port-forwarding",
        `permitopen="${destination(options.host, options.port)}"`,
        'permitlisten="NONE:1"',
        'command="false"',
    ];
    return [restrictions.join(","), type, base64, comment].filter((part) => part !== "").join(" ");
}

/**
 * The sshd_config block that confines `user` to local forwards to `host:port`, whatever its
 * keys say: for `/etc/ssh/sshd_config.d/whaly.conf` or the end of sshd_config. `Match all` at its
 * end puts what may follow it back in the global section.
 */
export function renderSshdConfig(options: { user: string; host: string; port: number }): string {
    if (!isPlainUser(options.user))
        throw new Error(`renderSshdConfig: user ${JSON.stringify(options.user)} is not a user name sshd can match`);
    if (!isPlainHost(options.host))
        throw new Error(`renderSshdConfig: host ${JSON.stringify(options.host)} is not a host name or IP address`);
    const to = destination(options.host, options.port);
    return [
        `# Whaly's SSH tunnel: ${options.user} may only forward to ${to}.`,
        `Match User ${options.user}`,
        "    AllowTcpForwarding local",
        `    PermitOpen ${to}`,
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
    ].join("\n");
}

/** The range pg_hba.conf admits with a tunnel: `bastionAddress` (an address as a /32 or /128), else `bastionHost` when it is an IP address. */
export function bastionRange(bastionHost: string, bastionAddress?: string): string {
    const address = bastionAddress ?? bastionHost;
    if (isCidr(address)) return address;
    const family = net.isIP(address);
    if (family === 0) throw new Error(`bastionRange: ${JSON.stringify(address)} is not an IP address: give bastionAddress`);
    return `${address}/${family === 4 ? 32 : 128}`;
}
