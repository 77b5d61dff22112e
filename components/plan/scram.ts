/**
 * SCRAM-SHA-256 password verifiers, as PostgreSQL stores them in `pg_authid.rolpassword`
 * (RFC 5802 and RFC 7677; PostgreSQL's `scram_build_secret`).
 *
 * The component gives the role this verifier instead of the password. PostgreSQL stores a
 * verifier as it is, so the catalog then holds exactly what the stack holds: a superuser
 * provider reads it back at refresh and sees a password changed by hand as drift, which the next
 * `up` repairs. The plain password never reaches the server in a statement or in its logs.
 */
import { createHash, createHmac, pbkdf2Sync } from "node:crypto";

/** PostgreSQL's default `scram_iterations`. */
export const SCRAM_ITERATIONS = 4096;

/** Bytes of salt, as PostgreSQL generates. */
export const SCRAM_SALT_BYTES = 16;

/**
 * The password as SCRAM hashes it. PostgreSQL applies SASLprep (RFC 4013); for printable ASCII,
 * the only kind the component generates, that is the identity. Other passwords get, as in
 * PostgreSQL's pg_saslprep, the non-ASCII spaces (RFC 3454 C.1.2) mapped to a space first, then the
 * characters of table B.1 removed, then NFKC. Where SASLprep refuses a password (a prohibited or
 * unassigned character, mixed directions), PostgreSQL hashes it as typed, and this does not: see
 * docs/sql.md.
 */
function prepare(password: string): string {
    if (/^[\x20-\x7e]*$/.test(password)) return password;
    const mapped = [...password]
        .map((ch) => (NON_ASCII_SPACES.test(ch) ? " " : ch))
        .filter((ch) => !MAPPED_TO_NOTHING.has(ch.codePointAt(0)!))
        .join("");
    // Mapped to nothing, SASLprep refuses it: PostgreSQL then hashes it as typed.
    return mapped === "" ? password : mapped.normalize("NFKC");
}

/** RFC 3454 table C.1.2: the non-ASCII spaces, which SASLprep maps to a space. */
const NON_ASCII_SPACES = /^[\u00a0\u1680\u2000-\u200b\u202f\u205f\u3000]$/;

/** RFC 3454 table B.1: characters SASLprep removes. */
const MAPPED_TO_NOTHING = new Set([
    0xad,
    0x34f,
    0x1806,
    0x180b,
    0x180c,
    0x180d,
    0x200b,
    0x200c,
    0x200d,
    0x2060,
    0xfeff,
    ...Array.from({ length: 16 }, (_, i) => 0xfe00 + i),
]);

/** `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`, all base64. */
export function scramVerifier(password: string, salt: Buffer, iterations: number = SCRAM_ITERATIONS): string {
    const salted = pbkdf2Sync(Buffer.from(prepare(password), "utf8"), salt, iterations, 32, "sha256");
    const hmac = (key: Buffer, text: string) => createHmac("sha256", key).update(text).digest();
    const storedKey = createHash("sha256").update(hmac(salted, "Client Key")).digest();
    const serverKey = hmac(salted, "Server Key");
    return `SCRAM-SHA-256$${iterations}:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}
