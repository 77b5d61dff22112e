import * as net from "node:net";

/**
 * Date Whaly published {@link WHALY_IP_RANGES} ("Whitelisting Whaly IPs"). Lists like this change:
 * check Whaly's docs and override `ipRanges` when they differ.
 */
export const WHALY_IP_RANGES_PUBLISHED = "2022-06-15";

/** CIDR ranges Whaly's warehouse connections come from, as published on {@link WHALY_IP_RANGES_PUBLISHED}. */
export const WHALY_IP_RANGES: readonly string[] = Object.freeze([
    "8.34.208.0/23",
    "8.34.211.0/24",
    "8.34.220.0/22",
    "23.251.128.0/20",
    "34.22.0.0/16",
    "34.76.0.0/14",
    "34.140.0.0/16",
    "35.187.0.0/17",
    "35.187.160.0/19",
    "35.189.192.0/18",
    "35.190.192.0/19",
    "35.195.0.0/16",
    "35.205.0.0/16",
    "35.206.128.0/18",
    "35.210.0.0/16",
    "35.220.96.0/19",
    "35.233.0.0/17",
    "35.240.0.0/17",
    "35.241.128.0/17",
    "35.242.64.0/19",
    "104.155.0.0/17",
    "104.199.0.0/18",
    "104.199.66.0/23",
    "104.199.68.0/22",
    "104.199.72.0/21",
    "104.199.80.0/20",
    "104.199.96.0/20",
    "130.211.48.0/20",
    "130.211.64.0/19",
    "130.211.96.0/20",
    "146.148.2.0/23",
    "146.148.4.0/22",
    "146.148.8.0/21",
    "146.148.16.0/20",
    "146.148.112.0/20",
    "192.158.28.0/22",
]);

/** Date Whaly published {@link WHALY_CONNECTOR_IPS} ("Whitelisting Whaly connectors IPs"). */
export const WHALY_CONNECTOR_IPS_PUBLISHED = "2023-12-11";

/**
 * Single addresses of Whaly's connectors (which read sources, not the warehouse), as /32 ranges.
 * Not part of the default allowlist; add them to `ipRanges` if Whaly also syncs from this database.
 */
export const WHALY_CONNECTOR_IPS: readonly string[] = Object.freeze(
    ["34.22.141.3", "34.22.218.65", "34.76.210.24", "34.79.63.55", "34.77.135.30", "34.77.115.173", "35.190.212.29", "35.241.143.126"].map(
        (ip) => `${ip}/32`,
    ),
);

/** A C0 or C1 control character, or DEL: pg_hba.conf and psql read a name on one line, and no name needs one. */
// eslint-disable-next-line no-control-regex -- control characters are what it finds
export const CONTROL_CHARACTER = /[\x00-\x1f\x7f-\x9f]/;

/** What {@link renderPgHbaLines} needs. */
export interface PgHbaOptions {
    /** Database the lines admit to. */
    database: string;
    /** Role the lines admit, or roles (each line then lists them all, as pg_hba.conf's comma-separated user field). */
    user: string | readonly string[];
    /** CIDR ranges to admit. Default {@link WHALY_IP_RANGES}. */
    ipRanges?: readonly string[];
    /** Authentication method. Default `scram-sha-256`. */
    method?: string;
    /** Connection type: `hostssl` (TLS only, the default) or `host`. */
    connectionType?: string;
}

/**
 * Renders pg_hba.conf lines that admit only `user` (or the users listed) to `database` from each
 * range, e.g. `hostssl "analytics" "whaly_bi" 34.76.0.0/14 scram-sha-256`. Names are
 * double-quoted, so they match literally and never as keywords such as `all`; a name starting with
 * `/` (a regular expression on PostgreSQL 16+ even quoted) or holding a control character is refused.
 */
export function renderPgHbaLines(options: PgHbaOptions): string[] {
    const { database, user, ipRanges = WHALY_IP_RANGES, method = "scram-sha-256", connectionType = "hostssl" } = options;
    const users = typeof user === "string" ? [user] : [...user];
    for (const [field, name] of [["database", database], ...users.map((u) => ["user", u])]) {
        const what = `renderPgHbaLines: a ${field} name ${name ? `of ${name.length} characters` : "that is empty"} cannot be written to pg_hba.conf`;
        if (!name || name.includes('"') || CONTROL_CHARACTER.test(name))
            throw new Error(`${what}: give a name without quotes or control characters`);
        // PostgreSQL 16+ reads a field starting with / as a regular expression, quoted or not.
        if (name.startsWith("/")) throw new Error(`${what}: it starts with /, which PostgreSQL 16+ reads as a regular expression`);
    }
    if (users.length === 0) throw new Error("renderPgHbaLines: user lists no role: give at least one");
    const userField = users.map((u) => `"${u}"`).join(",");
    return ipRanges.map((range) => `${connectionType} "${database}" ${userField} ${range} ${method}`);
}

/** Whether `value` is `address/prefix` with a valid IPv4 or IPv6 address and prefix length. */
export function isCidr(value: unknown): value is string {
    if (typeof value !== "string") return false;
    const match = /^([^/]+)\/(\d{1,3})$/.exec(value);
    if (!match) return false;
    const family = net.isIP(match[1]);
    const prefix = Number(match[2]);
    return (family === 4 && prefix <= 32) || (family === 6 && prefix <= 128);
}
