/**
 * `whaly-postgres audit` speaks libpq: against real servers that serve TLS with certificates of a
 * CA of their own (one accepting TLS only), each sslmode behaves as psql's, the CA is taken from
 * --sslrootcert, the URI or PGSSLROOTCERT, a failure names the setting to change, and ~/.pgpass
 * supplies the password.
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { main } from "../../audit/cli";
import { scramVerifier } from "../../components/plan/scram";
import { renderAccessStatements } from "../../components/plan/sql";
import { NEWEST_MAJOR, PostgresServer, startPostgres } from "../../scripts/lib/postgresServer";
import { applyStatements } from "../harness/applySql";
import { makeCertificates, TestCertificates } from "../harness/certificates";
import { DATABASE, seedWarehouse } from "../harness/warehouse";

jest.setTimeout(120_000);

describe(`PostgreSQL ${NEWEST_MAJOR} over TLS: the audit connects as psql would`, () => {
    let certs: TestCertificates;
    let tlsOnly: PostgresServer;
    let elsewhere: PostgresServer;
    let home: string;

    /** The audit with `env` as its whole environment (a throwaway HOME, no PG* but those given). */
    async function audit(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; err: string }> {
        let err = "";
        const code = await main(["audit", ...argv], { out: () => undefined, err: (t) => (err += t), env: { HOME: home, ...env } });
        return { code, err };
    }
    const url = (server: PostgresServer, query: string) =>
        `postgresql://postgres:${encodeURIComponent(server.adminPassword)}@127.0.0.1:${server.port}/${DATABASE}?${query}`;

    beforeAll(async () => {
        certs = makeCertificates();
        home = fs.mkdtempSync(path.join(os.tmpdir(), "whaly-home-"));
        [tlsOnly, elsewhere] = await Promise.all([
            startPostgres(NEWEST_MAJOR, { tls: certs.local, tlsOnly: true }),
            startPostgres(NEWEST_MAJOR, { tls: certs.elsewhere }),
        ]);
        for (const server of [tlsOnly, elsewhere]) {
            await seedWarehouse(server);
            const sql = renderAccessStatements(
                { database: DATABASE, tableCreators: ["etl"] },
                { password: scramVerifier("bi-password-0123456789", randomBytes(16)) },
            );
            await applyStatements(server, DATABASE, sql);
        }
    });
    afterAll(() => {
        tlsOnly?.stop();
        elsewhere?.stop();
        certs?.dispose();
        if (home) fs.rmSync(home, { recursive: true, force: true });
    });

    it("require encrypts without verifying: it connects to a server whose CA it does not know, as psql does", async () => {
        expect(await audit([url(tlsOnly, "sslmode=require")])).toEqual({ code: 0, err: "" });
        expect(await audit([url(tlsOnly, "")], { PGSSLMODE: "require" })).toEqual({ code: 0, err: "" });
    });

    it("prefer (libpq's default) and allow reach a server that accepts TLS only", async () => {
        expect((await audit([url(tlsOnly, "")])).code).toBe(0);
        expect((await audit([url(tlsOnly, "sslmode=allow")])).code).toBe(0);
    });

    it.each(["verify-ca", "verify-full"])(
        "%s connects with the CA given as --sslrootcert, in the URI, or as PGSSLROOTCERT",
        async (mode) => {
            expect(await audit([url(tlsOnly, `sslmode=${mode}`), "--sslrootcert", certs.caFile])).toEqual({ code: 0, err: "" });
            expect(await audit([url(tlsOnly, `sslmode=${mode}&sslrootcert=${encodeURIComponent(certs.caFile)}`)])).toEqual({
                code: 0,
                err: "",
            });
            expect(await audit([url(tlsOnly, `sslmode=${mode}`)], { PGSSLROOTCERT: certs.caFile })).toEqual({ code: 0, err: "" });
        },
    );

    it.each(["verify-ca", "verify-full"])("%s without a CA fails, saying which setting gives one", async (mode) => {
        const { code, err } = await audit([url(tlsOnly, `sslmode=${mode}`)]);
        expect(code).toBe(2);
        expect(err).toContain(`sslmode ${mode} verifies the server's certificate, and no CA was given to verify it with`);
        expect(err).toContain("set sslrootcert (--sslrootcert, the connection string or PGSSLROOTCERT) to the server's CA bundle");
    });

    it("a CA that did not sign the server's certificate fails, in require too (libpq verifies whenever it has one)", async () => {
        for (const mode of ["require", "verify-ca"]) {
            const { code, err } = await audit([url(tlsOnly, `sslmode=${mode}`), "--sslrootcert", certs.otherCaFile]);
            expect(code).toBe(2);
            expect(err).toContain(`sslmode ${mode}: the server's certificate is not signed by the CA given`);
        }
    });

    it("verify-full fails against a certificate for another host name; verify-ca, which checks the CA only, connects", async () => {
        const { code, err } = await audit([url(elsewhere, "sslmode=verify-full"), "--sslrootcert", certs.caFile]);
        expect(code).toBe(2);
        expect(err).toContain("sslmode verify-full: the server's certificate does not name host 127.0.0.1 (it names DNS:db.example.test)");
        expect(err).toContain("or use sslmode (connection string or PGSSLMODE) verify-ca");
        expect((await audit([url(elsewhere, "sslmode=verify-ca"), "--sslrootcert", certs.caFile])).code).toBe(0);
    });

    it("disable against a server that accepts TLS only fails, saying so", async () => {
        const { code, err } = await audit([url(tlsOnly, "sslmode=disable")]);
        expect(code).toBe(2);
        expect(err).toContain("accepts this user only over TLS (pg_hba.conf hostssl), and sslmode disable sent none");
    });

    it("takes the password from ~/.pgpass when none is given", async () => {
        const env = { PGHOST: "127.0.0.1", PGPORT: String(tlsOnly.port), PGUSER: "postgres", PGDATABASE: DATABASE, PGSSLMODE: "require" };
        expect((await audit([], env)).code).toBe(2);
        fs.writeFileSync(path.join(home, ".pgpass"), `127.0.0.1:${tlsOnly.port}:*:postgres:${tlsOnly.adminPassword}\n`, { mode: 0o600 });
        expect(await audit([], env)).toEqual({ code: 0, err: "" });
        expect(await audit([`host=127.0.0.1 port=${tlsOnly.port} user=postgres dbname=${DATABASE} sslmode=require`])).toEqual({
            code: 0,
            err: "",
        });
        fs.rmSync(path.join(home, ".pgpass"));
    });
});
