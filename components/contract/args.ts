import * as pulumi from "@pulumi/pulumi";

/**
 * Admin credentials from which the component builds its own `postgresql.Provider`.
 * Use this or pass a provider in `opts.provider` / `opts.providers`, not both.
 * The admin must be able to create roles and grant on the listed schemas: a superuser, or
 * on RDS / Cloud SQL / Azure the master user with `superuser: false`.
 * Every field accepts an Output, e.g. the address of a server declared in the same program.
 */
export interface WhalyPostgresAdminArgs {
    /** Host of the primary server. Replicas refuse writes, so always provision on the primary. */
    host: pulumi.Input<string>;
    /** Port of the primary server. Default `PGPORT`, else `5432`. */
    port?: pulumi.Input<number>;
    /** Admin role used to connect. Also the default `tableCreators` when it is a plain string. */
    username: pulumi.Input<string>;
    /** Password of the admin role. Stored as a Pulumi secret. Default `PGPASSWORD`. */
    password?: pulumi.Input<string>;
    /** TLS mode of the admin connection, with libpq's meaning (`disable`, `allow`, `prefer`, `require`, `verify-ca`, `verify-full`). Default `PGSSLMODE`, else `require`. */
    sslMode?: pulumi.Input<string>;
    /**
     * CA certificates the server's certificate must chain to, for `verify-ca` and `verify-full`:
     * the path of a PEM file every runner has (the stack's state keeps it for refresh and destroy),
     * or `system` for the system's trust store; PEM text is refused. Given to the component's
     * provider (`sslrootcert`) and to its checks. Default `PGSSLROOTCERT`.
     */
    sslRootCert?: pulumi.Input<string>;
    /** Whether the admin is a superuser. Set `false` on managed services (RDS, Cloud SQL, Azure). Default `true`, as the provider. */
    superuser?: pulumi.Input<boolean>;
}

/**
 * An SSH tunnel through a bastion, as Whaly's SSH option connects: Whaly's key logs into the
 * bastion as `bastionUser` and may only forward to the database (`host`:`port`, the database as
 * the bastion sees it). See docs/private-networks.md.
 */
export interface WhalyPostgresSshTunnelArgs {
    /** The public key Whaly gives for the warehouse's SSH tunnel: one OpenSSH line, e.g. `ssh-ed25519 AAAA… whaly`. Never a private key. */
    publicKey: pulumi.Input<string>;
    /** The bastion's address as Whaly reaches it (Whaly's "SSH host"): a host name or an IP address. */
    bastionHost: pulumi.Input<string>;
    /** The bastion's SSH port. Default `22`. */
    bastionPort?: pulumi.Input<number>;
    /** The bastion user whose `authorized_keys` holds Whaly's key. Default `"whaly"`. */
    bastionUser?: pulumi.Input<string>;
    /**
     * The bastion's address as the database sees it, an IP address or a CIDR range, for
     * `pgHbaLines`. Default `bastionHost` when it is an IP address; required when it is a name.
     */
    bastionAddress?: pulumi.Input<string>;
}

/**
 * Inputs of {@link WhalyPostgresAccess}. Every field but `database` has a default.
 *
 * `schemas`, `tableCreators` and `roleName` are plain strings: they name the component's child
 * resources, so they must be known when the program runs. For a schema or role declared in the
 * same program, write its name here and put the resource in the component's `dependsOn`.
 */
export interface WhalyPostgresAccessArgs {
    /**
     * Database Whaly reads. Required. May be an Output, e.g. `db.name` of a `postgresql.Database`
     * in the same program: the component then waits for it. Role drops run in the database the
     * provider connects to: point the provider at this one.
     */
    database: pulumi.Input<string>;
    /**
     * Schemas whose tables and sequences Whaly may read. Default `["public"]`. Names are literal
     * (see README, "Names"). Plain strings: for schemas declared in the same program, add them to `dependsOn`.
     */
    schemas?: string[];
    /**
     * Roles that create tables in those schemas: their future tables and sequences become readable
     * (`ALTER DEFAULT PRIVILEGES FOR ROLE ...`). Default: `admin.username` when `admin` is given
     * with a plain username; required otherwise. Plain strings: for roles declared in the same
     * program, add them to `dependsOn`.
     */
    tableCreators?: string[];
    /**
     * Where the creators' default privileges apply. `"schema"` (default): one per creator, listed
     * schema and object type, so only objects made in the listed schemas get an ACL entry.
     * `"database"` (the compact mode): one per creator and object type, database-wide, so
     * 2·creators resources instead of 2·schemas·creators; objects the creators make in unlisted
     * schemas then get an entry too, unreadable without USAGE on their schema (see README).
     * With `futureSchemas`, `"database"` (the only scope whose default privileges survive a
     * schema's drop). A plain string, not a union type, so that the package schema of other languages can carry it.
     */
    defaultPrivilegesScope?: string;
    /**
     * Cover exactly the roles the catalog shows may create tables in the listed schemas (owners
     * of their tables and sequences, their owners, members of roles granted CREATE on them;
     * superusers left out), read again at every preview and up, instead of listing
     * `tableCreators`. Default `false`. See README, "Table creators".
     */
    discoverTableCreators?: boolean;
    /** Fail, before any change, when a role may create tables in a listed schema and is not in `tableCreators`, instead of warning. Default `false`. */
    strictTableCreators?: boolean;
    /**
     * Read every schema, present and future, through PostgreSQL's predefined role
     * `pg_read_all_data` (PostgreSQL 14+) instead of listing schemas: the role gets CONNECT and
     * that membership, and no per-schema grant or default privilege. `schemas`, `tableCreators`
     * and `defaultPrivilegesScope` are refused with it. Default `false`. See README, "All-data mode".
     */
    readAllData?: boolean;
    /**
     * Make every schema a table creator creates from now on readable the moment it exists, with the
     * tables, views, materialized views and sequences the table creators make in it: database-wide
     * default privileges per creator (`ALTER DEFAULT PRIVILEGES FOR ROLE c GRANT USAGE ON SCHEMAS`,
     * and SELECT on tables and sequences), which survive a creator dropping and recreating a schema,
     * as dbt clean-ups and CI runs do. The listed `schemas` keep their grants on what exists today;
     * schemas of other roles stay closed. Default `false`. Not with `readAllData`, nor with
     * `defaultPrivilegesScope: "schema"`. See docs/dbt.md.
     */
    futureSchemas?: boolean;
    /**
     * Name of the LOGIN role Whaly uses. Default `"whaly_bi"`. A plain string: it names the child
     * resources. Not changed once deployed: refused at preview and at `up` (with `adoptRole`, an
     * `up` that skips the preview refuses it only where the take-over step is in the state and
     * updated). To move Whaly to another role, add a component of another name with that roleName,
     * give Whaly its outputs, then remove the first.
     */
    roleName?: string;
    /**
     * Take over the role named `roleName` when it exists already (made by hand from Whaly's guide,
     * say) instead of refusing it. The `up` that adopts it (the one that creates `<name>/take-over`)
     * makes it hold exactly what the plan holds: what it holds beyond (attributes, settings,
     * memberships, privileges, default privileges) is revoked before any child changes anything,
     * each difference listed at preview with its SQL; later `up`s do not take it over again. Its
     * password is kept until the next `passwordVersion` bump, unless `password` is given. Default
     * `false`: a role of that name that this stack does not manage is refused. See README,
     * "Already followed Whaly's guide by hand?".
     */
    adoptRole?: boolean;
    /** Password of the role. Default: a generated alphanumeric password of `passwordLength` characters. Always a secret. */
    password?: pulumi.Input<string>;
    /** Length of the generated password, 16 to 128. Default `32`. Not allowed together with `password`. */
    passwordLength?: number;
    /**
     * Bump to rotate the generated password: the role is altered in place, not replaced. Default `1`.
     * With `rotation: "alternating"`, one up at a time: any other change is refused before the server changes.
     */
    passwordVersion?: number;
    /**
     * How the password rotates. `"single"` (default, as Whaly's guide): the role logs in, and a new
     * `passwordVersion` changes its password at once, so Whaly cannot log in until its form gets
     * the new one. `"alternating"`: the role becomes a NOLOGIN group holding every grant, and two
     * LOGIN users (`loginUsers`) are its members; each bump gives the user Whaly does not use a new
     * password and makes it current, while the previous credentials keep working until the bump
     * after. A plain string. See README, "Rotating the password".
     */
    rotation?: string;
    /**
     * With `rotation: "alternating"`, the two users' names. Default `[<roleName>_a, <roleName>_b]`. Plain strings: they name
     * children. A new name on a live stack renames the user in place, with a warning; a name some role has is refused.
     */
    loginUsers?: string[];
    /** Host Whaly connects to: the primary or a read replica. Default `admin.host`; required without `admin`. */
    host?: pulumi.Input<string>;
    /** Port Whaly connects to. Default, when `host` is left to default to `admin.host`: the admin's port (`admin.port`, an Output once it resolves, else `PGPORT`); otherwise `5432`. */
    port?: number;
    /** `sslmode` of the connection string given to Whaly. Default `"require"`. */
    sslMode?: string;
    /** Maximum concurrent connections of the role (`-1` = unlimited). Default `10`. */
    connectionLimit?: number;
    /** `statement_timeout` of the role, in milliseconds (`0` = none). Default `600000` (10 minutes). */
    statementTimeoutMs?: number;
    /** `idle_in_transaction_session_timeout` of the role, in milliseconds (`0` = none). Default `60000` (1 minute). */
    idleInTransactionSessionTimeoutMs?: number;
    /** IPv4/IPv6 CIDR ranges Whaly connects from. Default `WHALY_IP_RANGES`, the ranges Whaly's docs list. */
    ipRanges?: string[];
    /** Admin credentials, to let the component build its own provider. */
    admin?: WhalyPostgresAdminArgs;
    /**
     * Whaly connects through an SSH tunnel via this bastion: `host` and `port` are then the
     * database as the bastion sees it, and the `ssh*` outputs hold the bastion's side. Default none.
     */
    sshTunnel?: WhalyPostgresSshTunnelArgs;
}

export const DEFAULTS = {
    schemas: ["public"],
    defaultPrivilegesScope: "schema",
    roleName: "whaly_bi",
    passwordLength: 32,
    passwordVersion: 1,
    rotation: "single",
    port: 5432,
    sslMode: "require",
    connectionLimit: 10,
    statementTimeoutMs: 600_000,
    idleInTransactionSessionTimeoutMs: 60_000,
    bastionPort: 22,
    bastionUser: "whaly",
} as const;

/** Every arg, so that an unknown one is refused; the Record's type keeps the list complete. */
const ARGS: Record<keyof WhalyPostgresAccessArgs, true> = {
    database: true,
    schemas: true,
    tableCreators: true,
    defaultPrivilegesScope: true,
    discoverTableCreators: true,
    strictTableCreators: true,
    readAllData: true,
    futureSchemas: true,
    roleName: true,
    adoptRole: true,
    password: true,
    passwordLength: true,
    passwordVersion: true,
    rotation: true,
    loginUsers: true,
    host: true,
    port: true,
    sslMode: true,
    connectionLimit: true,
    statementTimeoutMs: true,
    idleInTransactionSessionTimeoutMs: true,
    ipRanges: true,
    admin: true,
    sshTunnel: true,
};
const ADMIN_ARGS: Record<keyof WhalyPostgresAdminArgs, true> = {
    host: true,
    port: true,
    username: true,
    password: true,
    sslMode: true,
    sslRootCert: true,
    superuser: true,
};
const SSH_TUNNEL_ARGS: Record<keyof WhalyPostgresSshTunnelArgs, true> = {
    publicKey: true,
    bastionHost: true,
    bastionPort: true,
    bastionUser: true,
    bastionAddress: true,
};
export const ARG_NAMES: readonly string[] = Object.keys(ARGS);
export const ADMIN_ARG_NAMES: readonly string[] = Object.keys(ADMIN_ARGS);
export const SSH_TUNNEL_ARG_NAMES: readonly string[] = Object.keys(SSH_TUNNEL_ARGS);
