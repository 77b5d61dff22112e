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
import { saslprep } from "@mongodb-js/saslprep";

/** PostgreSQL's default `scram_iterations`. */
export const SCRAM_ITERATIONS = 4096;

/** Bytes of salt, as PostgreSQL generates. */
export const SCRAM_SALT_BYTES = 16;

/**
 * The password as SCRAM hashes it, as PostgreSQL (`pg_saslprep`) and libpq prepare it: ASCII as it
 * is (the only kind the component generates); anything else through SASLprep (RFC 4013), or as
 * typed where SASLprep refuses it (a prohibited or unassigned character, mixed directions).
 */
function prepare(password: string): string {
    if ([...password].every((ch) => ch.charCodeAt(0) < 0x80)) return password;
    try {
        return saslprep(password);
    } catch {
        return password;
    }
}

/** `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`, all base64. */
export function scramVerifier(password: string, salt: Buffer, iterations: number = SCRAM_ITERATIONS): string {
    const salted = pbkdf2Sync(Buffer.from(prepare(password), "utf8"), salt, iterations, 32, "sha256");
    const hmac = (key: Buffer, text: string) => createHmac("sha256", key).update(text).digest();
    const storedKey = createHash("sha256").update(hmac(salted, "Client Key")).digest();
    const serverKey = hmac(salted, "Server Key");
    return `SCRAM-SHA-256$${iterations}:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}
