/**
 * libpq's connection strings, read as libpq reads them (fe-connect.c: conninfo_parse,
 * conninfo_uri_parse_options): `key=value` pairs and `postgresql://` URIs, into libpq's keywords.
 * What a string gives empty matters: libpq keeps an empty `key=''` or URI query parameter as a value
 * (so the environment is not consulted, and the setting takes libpq's default), while an empty
 * part of a URI's address or path (`postgresql://:5432/`) is not given at all.
 */

/** The keywords this package reads, with the environment variable that fills each when not given. */
export const KEYWORDS = {
    host: "PGHOST",
    port: "PGPORT",
    user: "PGUSER",
    password: "PGPASSWORD",
    dbname: "PGDATABASE",
    passfile: "PGPASSFILE",
    sslmode: "PGSSLMODE",
    sslrootcert: "PGSSLROOTCERT",
    sslcert: "PGSSLCERT",
    sslkey: "PGSSLKEY",
    connect_timeout: "PGCONNECT_TIMEOUT",
} as const;

export type Keyword = keyof typeof KEYWORDS;

/** libpq's other keywords that change nothing this package checks: accepted, and left to the server's defaults. */
const HARMLESS = [
    "application_name",
    "fallback_application_name",
    "client_encoding",
    "options",
    "keepalives",
    "keepalives_idle",
    "keepalives_interval",
    "keepalives_count",
    "tcp_user_timeout",
    "sslcompression",
    "sslsni",
    "krbsrvname",
    "gsslib",
    "gssdelegation",
    "gssencmode",
    "load_balance_hosts",
];

/**
 * libpq's keywords this package does not implement. Ignoring one could connect where psql refuses
 * (a revocation list, a required authentication method) or somewhere else (a service file), so a
 * string that sets one is refused.
 */
const UNSUPPORTED = [
    "service",
    "hostaddr",
    "channel_binding",
    "sslcertmode",
    "sslpassword",
    "sslcrl",
    "sslcrldir",
    "sslnegotiation",
    "requirepeer",
    "require_auth",
    "ssl_min_protocol_version",
    "ssl_max_protocol_version",
    "replication",
    "target_session_attrs",
    "min_protocol_version",
    "max_protocol_version",
];

/**
 * libpq's environment variables for the keywords above (and PGREQUIRESSL, older libpq's
 * `requiressl`): set, one would make psql connect elsewhere or refuse where this package would
 * not, so a connection is refused while one is set, not empty and not libpq's default. PGSERVICEFILE and PGSYSCONFDIR
 * only say where to find a service, so they change nothing without PGSERVICE.
 */
export const UNSUPPORTED_VARIABLES: Readonly<Record<string, string>> = {
    PGSERVICE: "service",
    PGHOSTADDR: "hostaddr",
    PGCHANNELBINDING: "channel_binding",
    PGREQUIREAUTH: "require_auth",
    PGSSLCERTMODE: "sslcertmode",
    PGSSLCRL: "sslcrl",
    PGSSLCRLDIR: "sslcrldir",
    PGSSLNEGOTIATION: "sslnegotiation",
    PGREQUIREPEER: "requirepeer",
    PGSSLMINPROTOCOLVERSION: "ssl_min_protocol_version",
    PGSSLMAXPROTOCOLVERSION: "ssl_max_protocol_version",
    PGTARGETSESSIONATTRS: "target_session_attrs",
    PGMINPROTOCOLVERSION: "min_protocol_version",
    PGMAXPROTOCOLVERSION: "max_protocol_version",
    PGREQUIRESSL: "requiressl",
};

/** Values of those variables that are libpq's own default: psql then behaves as if they were unset, and so does this package. */
export const LIBPQ_DEFAULT_VALUES: Readonly<Record<string, string>> = {
    PGCHANNELBINDING: "prefer",
    PGSSLCERTMODE: "allow",
    PGTARGETSESSIONATTRS: "any",
    PGSSLMINPROTOCOLVERSION: "TLSv1.2",
    PGSSLNEGOTIATION: "postgres",
    PGMINPROTOCOLVERSION: "3.0",
    PGMAXPROTOCOLVERSION: "3.0",
    PGREQUIRESSL: "0",
};

/** A connection string's settings, by libpq keyword; an empty string is a value given empty. */
export type Conninfo = Partial<Record<Keyword, string>>;

/** A `postgresql://` URI, or libpq's `key=value` pairs (`host=db dbname=analytics`). Throws naming what libpq would refuse. */
export function parseConninfo(text: string): Conninfo {
    const pairs = /^postgres(ql)?:\/\//.test(text) ? uriPairs(text) : keywordPairs(text);
    const values: Conninfo = {};
    for (const [keyword, value] of pairs) {
        if (keyword in KEYWORDS) values[keyword as Keyword] = value;
        else if (UNSUPPORTED.includes(keyword))
            throw new Error(`${keyword} is a libpq setting this package does not implement: leave it out of the connection string`);
        else if (!HARMLESS.includes(keyword)) throw new Error(`${keyword} is not a libpq connection setting`);
    }
    return values;
}

/** `key=value key='quoted value'`: blanks around `=` skipped, `\` escaping the next character, quoted or not. */
function keywordPairs(text: string): Array<[string, string]> {
    const pairs: Array<[string, string]> = [];
    let i = 0;
    const blank = () => /\s/.test(text[i] ?? "");
    while (i < text.length) {
        if (blank()) {
            i++;
            continue;
        }
        let name = "";
        while (i < text.length && text[i] !== "=" && !blank()) name += text[i++];
        while (blank()) i++;
        if (text[i] !== "=")
            throw new Error(
                `the connection string is neither a postgresql:// URI nor key=value pairs: "=" is missing after a word of ${name.length} characters (not shown)`,
            );
        i++;
        while (blank()) i++;
        let value = "";
        if (text[i] === "'") {
            for (i++; ; i++) {
                if (i >= text.length) throw new Error(`the quoted value of ${name} in the connection string is not closed`);
                if (text[i] === "\\" && i + 1 < text.length) value += text[++i];
                else if (text[i] === "'") break;
                else value += text[i];
            }
            i++;
        } else
            for (; i < text.length && !blank(); i++) {
                if (text[i] === "\\") i++;
                if (i < text.length) value += text[i];
            }
        pairs.push([name, value]);
    }
    return pairs;
}

/** `postgresql://user:password@host:port/dbname?key=value&...`, each part percent-decoded. */
function uriPairs(uri: string): Array<[string, string]> {
    const decode = (part: string, what: string) => {
        try {
            return decodeURIComponent(part);
        } catch {
            throw new Error(`the ${what} in the connection URI is not validly percent-encoded`);
        }
    };
    refuseUnencodedPassword(uri);
    const pairs: Array<[string, string]> = [];
    // Empty parts of the address and the path are not given (libpq leaves them to the environment).
    const given = (keyword: string, part: string | undefined) => part && pairs.push([keyword, decode(part, keyword)]);
    const match = /^postgres(?:ql)?:\/\/(?:([^@/]*)@)?(\[[^\]]*\]|[^:/?]*)(?::([^/?]*))?(?:\/([^?]*))?(?:\?(.*))?$/s.exec(uri);
    if (!match) throw new Error("the connection URI is not of the form postgresql://user:password@host:port/database?key=value");
    const [, credentials, host, port, database, query] = match;
    if (credentials !== undefined) {
        const colon = credentials.indexOf(":");
        given("user", colon < 0 ? credentials : credentials.slice(0, colon));
        if (colon >= 0) given("password", credentials.slice(colon + 1));
    }
    if (host.includes(",")) throw new Error("the connection URI names several hosts, which this package does not implement: give one");
    given("host", host.replace(/^\[(.*)\]$/, "$1"));
    given("port", port);
    given("dbname", database);
    for (const parameter of query ? query.split("&") : []) {
        const [key, value, extra] = parameter.split("=");
        if (value === undefined || extra !== undefined)
            throw new Error(`a query parameter of the connection URI (${parameter.length} characters, not shown) is not key=value`);
        const keyword = decode(key, "query parameter");
        // libpq takes JDBC's ssl=true for sslmode=require.
        if (keyword === "ssl" && value === "true") pairs.push(["sslmode", "require"]);
        else pairs.push([keyword, decode(value, keyword)]);
    }
    return pairs;
}

/**
 * Refuses a URI whose password holds an `@` or a `/` that is not percent-encoded: read as it
 * stands, part of the password would become the host, the port or the database, and be shown in
 * messages. Two `@` in the address, or an `@` in the path (a `/` in the password starts the path
 * early), is taken for that; a database name holding `@` must then be encoded too. The message
 * shows no part of the URI.
 */
function refuseUnencodedPassword(uri: string): void {
    const authority = /^postgres(?:ql)?:\/\/([^/?]*)/.exec(uri)?.[1] ?? "";
    // The path: from the end of the address to the query. An `@` there is a password's `/` read as the path's start.
    const path = /^[^?]*/.exec(uri.slice(uri.indexOf("://") + 3 + authority.length))![0];
    if (authority.split("@").length > 2 || path.includes("@"))
        throw new Error(
            "the connection URI's password holds a character that must be percent-encoded there (@ as %40, / as %2F, ? as %3F, # as %23, : in the user as %3A): " +
                "encode it (encodeURIComponent does), or give the password in PGPASSWORD or the password file instead",
        );
}
