import { WhalyPostgresAccessArgs } from "../../index";
import { privateKeys, PUBLIC_KEYS } from "./sshKeys";

/** One bad configuration and what its error must say. */
export interface BadInput {
    what: string;
    args: Partial<WhalyPostgresAccessArgs> & Record<string, unknown>;
    withProvider?: boolean;
    /** Fragments the error must contain: the field, the value as shown, and the fix. */
    says: string[];
    /** What must appear nowhere in the output, not a line of it: a key given by mistake. */
    hidden?: string;
}

const PRIVATE = privateKeys();
const tunnel = (fields: Record<string, unknown>) => ({
    sshTunnel: { publicKey: PUBLIC_KEYS.ed25519, bastionHost: "10.0.1.5", ...fields } as never,
});

/**
 * Bad configurations, each applied over a valid base (`database` and `admin` given). Every
 * one must fail at construction with an error naming the field, the value and the fix.
 */
export const BAD_INPUTS: BadInput[] = [
    { what: "database missing", args: { database: undefined }, says: ["database (missing)", "must be a string"] },
    { what: "database empty", args: { database: "" }, says: ['database ""', "is empty: give the database name"] },
    {
        what: "role name over 63 bytes",
        args: { roleName: "r".repeat(64) },
        says: ["roleName (a string of 64 characters: not shown)", "64 bytes", "shorten it"],
        hidden: "r".repeat(64),
    },
    {
        what: "schema of 32 characters but 64 bytes",
        args: { schemas: ["é".repeat(32)] },
        says: ["schemas[0] (a string of 32 characters: not shown)", "64 bytes", "at most 63 bytes"],
        hidden: "é".repeat(32),
    },
    {
        what: "role name starting with pg_",
        args: { roleName: "pg_reader" },
        says: ['roleName "pg_reader"', "reserved", "starting with pg_", "rename it"],
    },
    { what: "schema starting with pg_", args: { schemas: ["public", "pg_temp"] }, says: ['schemas[1] "pg_temp"', "reserved"] },
    {
        what: "creator starting with pg_",
        args: { tableCreators: ["pg_write_all_data"] },
        says: ['tableCreators[0] "pg_write_all_data"', "reserved"],
    },
    {
        what: "NUL byte in a schema",
        args: { schemas: ["sa\0les"] },
        says: ["schemas[0] (a string of 6 characters: not shown)", "NUL byte", "remove it"],
    },
    {
        what: "SQL-quoted schema",
        args: { schemas: ['"Sales"'] },
        says: ["schemas[0] (a string of 7 characters: not shown)", "double quote", "write the name without them"],
    },
    {
        what: "white space around a name",
        args: { tableCreators: ["etl "] },
        says: ["tableCreators[0] (a string of 4 characters: not shown)", "white space", "remove it"],
    },
    {
        what: "adoptRole not a boolean",
        args: { adoptRole: "yes" as unknown as boolean },
        says: ["adoptRole (a string of 3 characters: not shown)", "must be true or false"],
    },
    {
        what: "duplicate schemas",
        args: { schemas: ["sales", "hr", "sales"] },
        says: ['schemas[2] "sales"', "duplicates schemas[0]", "list each schema once"],
    },
    {
        what: "duplicate creators",
        args: { tableCreators: ["etl", "etl"] },
        says: ['tableCreators[1] "etl"', "duplicates tableCreators[0]"],
    },
    {
        what: "BI role among the creators",
        args: { tableCreators: ["etl", "whaly_bi"] },
        says: ['tableCreators[1] "whaly_bi"', "is the BI role itself (roleName), which must only read", "remove it"],
    },
    { what: "empty schema list", args: { schemas: [] }, says: ["schemas []", "is empty", 'omit schemas for ["public"]'] },
    { what: "empty creator list", args: { tableCreators: [] }, says: ["tableCreators []", "is empty", "at least one role"] },
    {
        what: "no creators and no admin to infer one from",
        args: { admin: undefined, host: "db.internal" },
        withProvider: true,
        says: ["tableCreators (missing)", "is required", "list the roles that create tables"],
    },
    { what: "port 0", args: { port: 0 }, says: ["port 0", "from 1 to 65535"] },
    { what: "port 70000", args: { port: 70000 }, says: ["port 70000", "from 1 to 65535"] },
    { what: "fractional port", args: { port: 5432.5 }, says: ["port 5432.5", "whole number"] },
    { what: "password too short", args: { passwordLength: 8 }, says: ["passwordLength 8", "from 16 to 128"] },
    { what: "password too long", args: { passwordLength: 500 }, says: ["passwordLength 500", "from 16 to 128"] },
    {
        what: "password and length together",
        args: { password: "a-given-password-1234", passwordLength: 40 },
        says: ["passwordLength 40", "conflicts with `password`"],
    },
    {
        what: "password and version together",
        args: { password: "a-given-password-1234", passwordVersion: 2 },
        says: ["passwordVersion 2", "conflicts with `password`"],
    },
    { what: "empty password", args: { password: "" }, says: ["password (a secret: not shown)", "is empty"] },
    { what: "password version 0", args: { passwordVersion: 0 }, says: ["passwordVersion 0", "from 1"] },
    {
        what: "no host and no admin",
        args: { admin: undefined, tableCreators: ["etl"] },
        says: ["host (missing)", "is required", "read replica"],
    },
    {
        what: "host with spaces",
        args: { host: "db internal" },
        says: ["host (a string of 11 characters: not shown)", "not a host name"],
        hidden: "db internal",
    },
    {
        what: "unknown sslMode",
        args: { sslMode: "on" },
        says: ["sslMode (a string of 2 characters: not shown)", "is not one of disable, allow, prefer, require"],
    },
    {
        what: "readAllData with listed schemas",
        args: { readAllData: true, schemas: ["sales"] },
        says: ['schemas ["sales"]', "cannot be combined with readAllData", "readAllData already covers every schema"],
    },
    {
        what: "readAllData with table creators",
        args: { readAllData: true, tableCreators: ["etl"] },
        says: ['tableCreators ["etl"]', "cannot be combined with readAllData"],
    },
    {
        what: "readAllData not a boolean",
        args: { readAllData: "yes" as unknown as boolean },
        says: ["readAllData (a string of 3 characters: not shown)", "must be true or false"],
    },
    {
        what: "discoverTableCreators with tableCreators",
        args: { discoverTableCreators: true, tableCreators: ["etl"] },
        says: ['tableCreators ["etl"]', "conflicts with discoverTableCreators, which finds them"],
    },
    {
        what: "an arg the component does not know (a typo)",
        args: { tableCreator: ["etl"] },
        says: ["tableCreator (a list of 1 item: not shown)", "is not an arg of WhalyPostgresAccess: did you mean tableCreators?"],
    },
    {
        what: "an admin field the component does not know",
        args: { admin: { host: "db.internal", username: "postgres", passwrd: "x" } as never },
        says: ["admin.passwrd (a string of 1 character: not shown)", "did you mean admin.password?"],
    },
    {
        what: "strictTableCreators with discoverTableCreators",
        args: { discoverTableCreators: true, strictTableCreators: true },
        says: ["strictTableCreators true", "has nothing to check with discoverTableCreators"],
    },
    {
        what: "strictTableCreators with readAllData",
        args: { strictTableCreators: true, readAllData: true },
        says: ["strictTableCreators true", "means nothing with readAllData"],
    },
    {
        what: "unknown default privileges scope",
        args: { defaultPrivilegesScope: "global" },
        says: ["defaultPrivilegesScope (a string of 6 characters: not shown)", "is not one of schema, database: pick one of them"],
    },
    {
        what: "futureSchemas with readAllData",
        args: { futureSchemas: true, readAllData: true },
        says: [
            "futureSchemas true",
            "is redundant with readAllData, which already reads every schema, present and future",
            "drop futureSchemas",
        ],
    },
    {
        what: "futureSchemas with per-schema default privileges",
        args: { futureSchemas: true, defaultPrivilegesScope: "schema" },
        says: [
            'defaultPrivilegesScope "schema"',
            "conflicts with futureSchemas: default privileges IN SCHEMA go with their schema when a creator drops it",
            'set it to "database"',
        ],
    },
    {
        what: "futureSchemas not a boolean",
        args: { futureSchemas: "yes" as unknown as boolean },
        says: ["futureSchemas (a string of 3 characters: not shown)", "must be true or false"],
    },
    { what: "connection limit below -1", args: { connectionLimit: -2 }, says: ["connectionLimit -2", "-1 for unlimited"] },
    {
        what: "connection limit 0, which locks Whaly out",
        args: { connectionLimit: 0 },
        says: ["connectionLimit 0", "no connection at all", "-1 for unlimited"],
    },
    {
        what: "a line break inside the role name",
        args: { roleName: "whaly\nbi" },
        says: ["roleName (a string of 8 characters: not shown)", "control character", "remove it"],
    },
    {
        what: "a tab inside a login user's name",
        args: { rotation: "alternating", loginUsers: ["whaly_a", "whaly\tb"] },
        says: ["loginUsers[1] (a string of 7 characters: not shown)", "control character", "remove it"],
    },
    {
        what: "a database whose name, with a line break, would add a psql command to accessSql",
        args: { database: "x\n\\! touch pwned #" },
        says: ["database (a string of 18 characters: not shown)", "control character", "remove it"],
    },
    {
        what: "a password pasted into host",
        args: { host: "Tr0ub4dor&3!xK9q#Z" },
        says: ["host (a string of 18 characters: not shown)", "is not a host name or IP address"],
        hidden: "Tr0ub4dor&3!xK9q#Z",
    },
    {
        what: "a password pasted into admin.host",
        args: { admin: { host: "s3cr3t:pw@db.internal", username: "postgres" } },
        says: ["admin.host (a string of 21 characters: not shown)", "is not a host name or IP address"],
        hidden: "s3cr3t:pw@db.internal",
    },
    {
        what: "admin.host a Unix socket's directory, and no host",
        args: { admin: { host: "/var/run/postgresql", username: "postgres" } },
        says: ["host (missing)", "is required when admin.host is a Unix socket's directory", "give the server's address"],
    },
    {
        what: "a role name that pg_hba.conf would read as a regular expression",
        args: { roleName: "/whaly" },
        says: ['roleName "/whaly"', "starts with /", "regular expression", "rename it"],
    },
    {
        what: "a database name that pg_hba.conf would read as a regular expression",
        args: { database: "/analytics" },
        says: ['database "/analytics"', "starts with /", "regular expression", "rename it"],
    },
    { what: "negative statement timeout", args: { statementTimeoutMs: -1 }, says: ["statementTimeoutMs -1", "milliseconds"] },
    {
        what: "malformed IP range",
        args: { ipRanges: ["34.76.0.0"] },
        says: ["ipRanges[0] (a string of 9 characters: not shown)", "not a CIDR range", "34.76.0.0/14"],
    },
    {
        what: "IP prefix out of range",
        args: { ipRanges: ["10.0.0.0/33"] },
        says: ["ipRanges[0] (a string of 11 characters: not shown)", "not a CIDR range"],
    },
    { what: "empty IP range list", args: { ipRanges: [] }, says: ["ipRanges []", "omit it to use Whaly's published ranges"] },
    {
        what: "admin sslMode libpq does not know",
        args: { admin: { host: "db.internal", username: "postgres", sslMode: "on" } },
        says: [
            "admin.sslMode (a string of 2 characters: not shown)",
            "is not one of disable, allow, prefer, require, verify-ca, verify-full",
        ],
    },
    {
        what: "admin sslRootCert that cannot be read",
        args: { admin: { host: "db.internal", username: "postgres", sslMode: "verify-full", sslRootCert: "/nonexistent/ca.pem" } },
        says: ["admin.sslRootCert (a string of 19 characters: not shown)", "cannot be read (ENOENT)", "the server's CA bundle"],
    },
    {
        what: "unknown rotation",
        args: { rotation: "weekly" },
        says: ["rotation (a string of 6 characters: not shown)", "is not one of single, alternating"],
    },
    {
        what: "login users without the alternating rotation",
        args: { loginUsers: ["a", "b"] },
        says: ['loginUsers ["a","b"]', 'only serves rotation "alternating"'],
    },
    {
        what: "one login user",
        args: { rotation: "alternating", loginUsers: ["only_one"] },
        says: ['loginUsers ["only_one"]', "must list exactly two user names"],
    },
    {
        what: "a login user named as the group",
        args: { rotation: "alternating", loginUsers: ["whaly_bi", "whaly_b"] },
        says: ['loginUsers[0] "whaly_bi"', "is the group role's name"],
    },
    {
        what: "a given password with the alternating rotation",
        args: { rotation: "alternating", password: "a-given-password-1234" },
        says: ["password (a secret: not shown)", 'conflicts with rotation "alternating"'],
        hidden: "a-given-password-1234",
    },
    {
        what: "sshTunnel: an empty publicKey",
        args: tunnel({ publicKey: "" }),
        says: ["sshTunnel.publicKey (empty): is empty", "give the public key Whaly shows"],
    },
    {
        what: "sshTunnel: a private key as publicKey (PKCS#8)",
        args: tunnel({ publicKey: PRIVATE.pkcs8 }),
        says: ["sshTunnel.publicKey (a private key: not shown): is a private key", "replace it"],
        hidden: PRIVATE.pkcs8,
    },
    {
        what: "sshTunnel: an OpenSSH private key as publicKey",
        args: tunnel({ publicKey: PRIVATE.openssh }),
        says: ["sshTunnel.publicKey (a private key: not shown): is a private key"],
        hidden: PRIVATE.openssh,
    },
    {
        what: "sshTunnel: a PuTTY private key file as publicKey",
        args: tunnel({ publicKey: PRIVATE.putty }),
        says: ["sshTunnel.publicKey (a private key: not shown): is a private key"],
        hidden: PRIVATE.putty,
    },
    {
        what: "sshTunnel: garbage as publicKey",
        args: tunnel({ publicKey: "hunter2-not-a-key" }),
        says: ["sshTunnel.publicKey (17 characters: not shown): is not an OpenSSH public key"],
        hidden: "hunter2-not-a-key",
    },
    {
        what: "sshTunnel: a key with an options prefix",
        args: tunnel({ publicKey: `no-pty,command="/bin/sh" ${PUBLIC_KEYS.ed25519}` }),
        says: ["sshTunnel.publicKey (", "characters: not shown): starts with authorized_keys options", "the component writes the options"],
        hidden: PUBLIC_KEYS.ed25519.split(" ")[1],
    },
    {
        what: "sshTunnel: two keys, one a line after the other",
        args: tunnel({ publicKey: `${PUBLIC_KEYS.ed25519}\n${PUBLIC_KEYS.rsa}` }),
        says: ["sshTunnel.publicKey (", "holds 2 lines: give one key, on one line"],
        hidden: PUBLIC_KEYS.rsa.split(" ")[1],
    },
    {
        what: "sshTunnel: a DSA key",
        args: tunnel({ publicKey: PUBLIC_KEYS.dsa }),
        says: ["sshTunnel.publicKey (", "ssh-dss), which OpenSSH refuses since version 7.0"],
    },
    {
        what: "sshTunnel: a bastion named without its address for pg_hba.conf",
        args: tunnel({ bastionHost: "bastion.example.com" }),
        says: ["sshTunnel.bastionAddress (missing): is required when bastionHost is a name (bastion.example.com)"],
    },
    {
        what: "sshTunnel: a bastion port out of range",
        args: tunnel({ bastionPort: 70000 }),
        says: ["sshTunnel.bastionPort 70000: is not a whole number from 1 to 65535"],
    },
    {
        what: "sshTunnel: a bastion user sshd would read as a list",
        args: tunnel({ bastionUser: "whaly,root" }),
        says: ["sshTunnel.bastionUser (a string of 10 characters: not shown): is not a user name sshd can match"],
    },
    {
        what: "sshTunnel: a field it does not know",
        args: tunnel({ bastionPrt: 2222 }),
        says: [
            "sshTunnel.bastionPrt (a number: not shown): is not an arg of WhalyPostgresAccess's sshTunnel: did you mean sshTunnel.bastionPort?",
        ],
    },
    {
        what: "sshTunnel: a host the key line cannot name",
        args: { ...tunnel({}), host: 'db",permitopen="*:*' },
        says: ["host (a string of 19 characters: not shown)", "is not a host name or IP address the tunnel can name"],
    },
    {
        what: "admin and a provider together",
        args: {},
        withProvider: true,
        says: ["admin", "conflicts with the postgresql provider", "not both"],
    },
];

/** The parts of a hidden value (between white space) long enough to tell; a header such as "-----BEGIN" may well be named. */
export function hiddenParts(hidden: string | undefined): string[] {
    return (hidden ?? "").split(/\s+/).filter((part) => part.length >= 16 && !part.startsWith("-----"));
}
