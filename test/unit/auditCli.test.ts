/**
 * `whaly-postgres audit` refusing, before it connects, what it cannot honour: a libpq environment
 * variable whose setting the package does not implement, and a URI whose password holds a
 * character that should have been percent-encoded. No server: every case is refused first, and
 * no message shows a value that could be a secret.
 */
import { main } from "../../audit/cli";

async function audit(env: NodeJS.ProcessEnv, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = "";
    let err = "";
    const code = await main(["audit", ...argv], { out: (t) => (out += t), err: (t) => (err += t), env: { HOME: "/nonexistent", ...env } });
    return { code, out, err };
}

// Port 1 is closed: a case that is not refused first fails to connect, saying otherwise.
const CLOSED = "postgresql://postgres:pw-0123456789@127.0.0.1:1/analytics?sslmode=disable";

describe("whaly-postgres audit: libpq environment variables it does not implement", () => {
    const refused = [
        "PGSERVICE",
        "PGHOSTADDR",
        "PGCHANNELBINDING",
        "PGREQUIREAUTH",
        "PGSSLCRL",
        "PGSSLCRLDIR",
        "PGSSLCERTMODE",
        "PGSSLNEGOTIATION",
        "PGREQUIREPEER",
        "PGSSLMINPROTOCOLVERSION",
        "PGSSLMAXPROTOCOLVERSION",
        "PGTARGETSESSIONATTRS",
        "PGMINPROTOCOLVERSION",
        "PGMAXPROTOCOLVERSION",
        "PGREQUIRESSL",
    ];
    it.each(refused)("%s set: refused, naming it, never its value", async (variable) => {
        const value = "Value-Not-To-Show-42";
        const { code, out, err } = await audit({ [variable]: value }, CLOSED);
        expect([code, out]).toEqual([2, ""]);
        expect(err).toContain(`${variable} is set`);
        expect(err).not.toContain("ECONNREFUSED");
        expect(err).not.toContain(value);
    });

    it("PGGSSENCMODE require is refused (libpq fails without GSSAPI encryption); disable and prefer are not", async () => {
        expect((await audit({ PGGSSENCMODE: "require" }, CLOSED)).err).toContain("PGGSSENCMODE (requiring GSSAPI encryption) is set");
        for (const mode of ["disable", "prefer"]) expect((await audit({ PGGSSENCMODE: mode }, CLOSED)).err).toContain("ECONNREFUSED");
    });

    it("set empty, to libpq's default, or one that changes nothing it checks (PGAPPNAME, PGCLIENTENCODING, PGTZ, PGSERVICEFILE alone, ...): not refused", async () => {
        const env = {
            PGSERVICE: "",
            PGHOSTADDR: "",
            PGAPPNAME: "app",
            PGCLIENTENCODING: "UTF8",
            PGTZ: "UTC",
            PGDATESTYLE: "ISO",
            PGOPTIONS: "-c work_mem=64MB",
            PGSERVICEFILE: "/nonexistent/pg_service.conf",
            PGSSLSNI: "0",
            PGLOADBALANCEHOSTS: "disable",
            // libpq's own defaults: psql behaves as if they were unset.
            PGCHANNELBINDING: "prefer",
            PGSSLCERTMODE: "allow",
            PGTARGETSESSIONATTRS: "any",
            PGSSLMINPROTOCOLVERSION: "TLSv1.2",
            PGSSLNEGOTIATION: "postgres",
            PGMINPROTOCOLVERSION: "3.0",
            PGREQUIRESSL: "0",
        };
        const { code, err } = await audit(env, CLOSED);
        expect(code).toBe(2);
        expect(err).toContain("ECONNREFUSED");
    });
});

describe("whaly-postgres audit: a URI password holding an unencoded @ or /", () => {
    it.each([
        ["@", "postgresql://postgres:S3cr3tW0rd@Pa55word99@127.0.0.1:45289/analytics?sslmode=disable", ["S3cr3tW0rd", "Pa55word99"]],
        ["/", "postgresql://postgres:S3cr3tW0rd/Pa55word99@127.0.0.1:45289/analytics?sslmode=disable", ["S3cr3tW0rd", "Pa55word99"]],
        ["/ first", "postgresql://whaly_admin:/S3cretPw@127.0.0.1:1/app", ["S3cretPw"]],
        ["digits then /", "postgresql://whaly_admin:2024/S3cretPw@127.0.0.1:1/app", ["2024", "S3cretPw"]],
    ])("%s: refused, saying how to encode it, showing no part of the password, the host or the database", async (_, uri, secrets) => {
        const { code, out, err } = await audit({}, uri);
        expect([code, out]).toEqual([2, ""]);
        expect(err).toMatch(/^whaly-postgres audit: /);
        expect(err).toContain("percent-encoded");
        expect(err).toContain("%40");
        expect(err).toContain("%2F");
        for (const part of [...secrets, "45289", "analytics", "127.0.0.1"]) expect(err).not.toContain(part);
    });

    it("an encoded @ or / is read as part of the password", async () => {
        const { err } = await audit({}, "postgresql://postgres:S3cr3t%40W0rd%2F99@127.0.0.1:1/analytics?sslmode=disable");
        expect(err).toContain("ECONNREFUSED");
        expect(err).not.toContain("W0rd");
    });
});
