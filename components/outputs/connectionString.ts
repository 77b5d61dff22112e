/** The fields of Whaly's connection form, plus the `sslmode` of the connection string. */
export interface ConnectionFields {
    host: string;
    port: number;
    database: string;
    user: string;
    password: string;
    sslMode: string;
}

/**
 * A libpq URI (`postgresql://user:password@host:port/database?sslmode=...`) with every part
 * percent-encoded and IPv6 hosts in brackets, so any password or name survives the trip. An empty
 * password (one the stack does not know) leaves the URI without one.
 */
export function connectionString(fields: ConnectionFields): string {
    const host = fields.host.includes(":") && !fields.host.startsWith("[") ? `[${fields.host}]` : fields.host;
    const e = encodeURIComponent;
    const password = fields.password === "" ? "" : `:${e(fields.password)}`;
    return `postgresql://${e(fields.user)}${password}@${host}:${fields.port}/${e(fields.database)}?sslmode=${e(fields.sslMode)}`;
}
