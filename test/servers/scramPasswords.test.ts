/**
 * The component's SCRAM verifier against libpq's own password handling, for passwords a user may
 * give: psql (libpq, which prepares the password with SASLprep as the server does) logs in with
 * each password as typed to a role whose verifier the component computed. SASLprep maps some
 * characters and normalises the rest (NFKC). Where it refuses a password, PostgreSQL and libpq use
 * its bytes as typed; the component does so only where NFKC leaves them as they are (mixed
 * directions here): docs/sql.md says which passwords it cannot take.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { scramVerifier } from "../../components/plan/scram";
import { quoteIdentifier } from "../../components/plan/sql";
import { NEWEST_MAJOR, PostgresServer, startPostgres } from "../../scripts/lib/postgresServer";

jest.setTimeout(120_000);

const PASSWORDS: Array<[string, string]> = [
    ["printable ASCII", "bi-Password-0123456789"],
    ["ASCII with a tab", "bi\tPassword"],
    ["Latin letters with accents", "pässwörd-Été"],
    ["a no-break space, mapped to a space", "Secret\u00a0pass word"],
    ["a soft hyphen, mapped to nothing, and a zero-width space, mapped to a space", "Se\u00adcret\u200bword"],
    ["a ligature, which NFKC splits", "\ufb01ne-password"],
    ["right-to-left letters mixed with left-to-right, which SASLprep refuses: the bytes as typed", "abc\u05d0\u05d1\u05d2"],
    ["right-to-left letters only", "\u05e9\u05dc\u05d5\u05dd"],
    ["an emoji, which SASLprep refuses, in a password the mapping leaves as typed", "secret\u{1f600}word"],
    ["soft hyphens only, which SASLprep maps to nothing and so refuses: the bytes as typed", "\u00ad\u00ad\u00ad"],
];

describe(`PostgreSQL ${NEWEST_MAJOR}: psql logs in with the password as typed to a role given the component's verifier`, () => {
    let server: PostgresServer;

    beforeAll(async () => {
        server = await startPostgres(NEWEST_MAJOR);
    });
    afterAll(() => server?.stop());

    it.each(PASSWORDS.map(([what, password], i) => [what, password, `scram_${i}`]))("%s", async (_what, password, role) => {
        const verifier = scramVerifier(password, randomBytes(16));
        await server.query(`CREATE ROLE ${quoteIdentifier(role)} LOGIN PASSWORD '${verifier}'`);
        const whoami = execFileSync(
            "psql",
            ["-X", "-A", "-t", "-h", server.host, "-p", String(server.port), "-U", role, "-d", "postgres", "-c", "SELECT current_user"],
            {
                encoding: "utf8",
                env: { ...process.env, PGPASSWORD: password, PGSSLMODE: "disable" },
                stdio: ["ignore", "pipe", "pipe"],
            },
        );
        expect(whoami.trim()).toBe(role);
    });
});
