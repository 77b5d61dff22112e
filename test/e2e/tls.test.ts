/**
 * The component's connections speak libpq, through a real `pulumi up`: against servers whose
 * certificates a CA of their own signed (one accepting TLS only), `require` deploys without the
 * CA; `verify-ca` and `verify-full` deploy with it, whoever gives the component its connection
 * (admin.sslRootCert as a path (PEM text is refused), the provider's sslrootcert, postgresql:sslrootcert,
 * PGSSLROOTCERT); and every misfit fails the preview with the setting to change, before anything
 * reaches the server.
 */
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { NEWEST_MAJOR, PostgresServer, startPostgres } from "../../scripts/lib/postgresServer";
import { catalogSnapshot } from "../harness/catalog";
import { makeCertificates, TestCertificates } from "../harness/certificates";
import { newTestStack, TestStack } from "../harness/stack";
import { DATABASE, seedWarehouse } from "../harness/warehouse";
import { CONNECTION_SOURCES, ConnectionSource, Credentials, failureOf, programFrom } from "./support/program";

jest.setTimeout(300_000);

/** How each source names the CA setting in its errors. */
const ROOT_CERT_SETTING: Record<ConnectionSource, string> = {
    admin: "admin.sslRootCert (or PGSSLROOTCERT)",
    provider: "the provider's sslrootcert",
    "stack config": "postgresql:sslrootcert (or PGSSLROOTCERT)",
};
const MODE_SETTING: Record<ConnectionSource, string> = {
    admin: "admin.sslMode (or PGSSLMODE)",
    provider: "the provider's sslmode",
    "stack config": "postgresql:sslmode (or PGSSLMODE)",
};

let certs: TestCertificates;
let tlsOnly: PostgresServer;
let elsewhere: PostgresServer;

beforeAll(async () => {
    certs = makeCertificates();
    [tlsOnly, elsewhere] = await Promise.all([
        startPostgres(NEWEST_MAJOR, { tls: certs.local, tlsOnly: true }),
        startPostgres(NEWEST_MAJOR, { tls: certs.elsewhere }),
    ]);
    await Promise.all([seedWarehouse(tlsOnly), seedWarehouse(elsewhere)]);
});
afterAll(() => {
    tlsOnly?.stop();
    elsewhere?.stop();
    certs?.dispose();
});

describe.each(CONNECTION_SOURCES)(`PostgreSQL ${NEWEST_MAJOR} over TLS, connected through %s`, (source) => {
    let t: TestStack;
    beforeAll(async () => {
        t = await newTestStack(`tls-${source.replace(" ", "-")}`, async () => undefined);
    });
    afterAll(() => t?.dispose());

    /** Points the stack's program (and, for stack config, its config) at `server` with these TLS settings. */
    async function use(server: PostgresServer, tls: Partial<Credentials>): Promise<void> {
        const { program, config } = programFrom(source, server, { tableCreators: ["etl"] }, tls);
        const stale = Object.keys(await t.stack.getAllConfig()).filter((key) => !(key in config));
        if (stale.length > 0) await t.stack.removeAllConfig(stale);
        await t.stack.setAllConfig(config);
        t.setProgram(program);
    }
    async function deploys(server: PostgresServer, tls: Partial<Credentials>): Promise<void> {
        await use(server, tls);
        await t.stack.up();
        await t.stack.destroy();
    }
    async function refused(server: PostgresServer, tls: Partial<Credentials>, fragments: string[]): Promise<void> {
        const before = await catalogSnapshot(server, DATABASE);
        await use(server, tls);
        const message = await failureOf(t.stack.preview());
        for (const fragment of fragments) expect(message).toContain(fragment);
        expect(await catalogSnapshot(server, DATABASE)).toEqual(before);
    }

    it("require encrypts without verifying: it deploys without the CA", async () => {
        await deploys(tlsOnly, { sslMode: "require" });
    });

    it("verify-ca and verify-full deploy with the CA", async () => {
        await deploys(tlsOnly, { sslMode: "verify-ca", sslRootCert: certs.caFile });
        await deploys(tlsOnly, { sslMode: "verify-full", sslRootCert: certs.caFile });
    });

    it("verify-full without the CA fails at preview, naming the setting that gives one", async () => {
        await refused(tlsOnly, { sslMode: "verify-full" }, [
            "sslmode verify-full verifies the server's certificate, and no CA was given to verify it with",
            `set ${ROOT_CERT_SETTING[source]} to the server's CA bundle`,
        ]);
    });

    it("verify-full fails against a certificate for another host name; verify-ca deploys", async () => {
        await refused(elsewhere, { sslMode: "verify-full", sslRootCert: certs.caFile }, [
            "sslmode verify-full: the server's certificate does not name host 127.0.0.1",
            `or use ${MODE_SETTING[source]} verify-ca`,
        ]);
        await deploys(elsewhere, { sslMode: "verify-ca", sslRootCert: certs.caFile });
    });

    it("disable against a server that accepts TLS only fails at preview, saying so", async () => {
        await refused(tlsOnly, { sslMode: "disable" }, [
            `accepts this user only over TLS (pg_hba.conf hostssl), and sslmode disable sent none: set ${MODE_SETTING[source]} to require or stronger`,
        ]);
    });

    if (source === "admin") {
        it("admin.sslRootCert as PEM text is refused at preview with the fix: the provider's state would keep a file only this runner has", async () => {
            await refused(tlsOnly, { sslMode: "verify-full", sslRootCert: certs.caPem }, [
                "admin.sslRootCert",
                "is PEM text",
                "give the path of the CA bundle as every runner has it",
            ]);
        });

        it("a CA that did not sign the certificate fails at preview, naming admin.sslRootCert", async () => {
            await refused(tlsOnly, { sslMode: "verify-ca", sslRootCert: certs.otherCaFile }, [
                "sslmode verify-ca: the server's certificate is not signed by the CA given",
                "set admin.sslRootCert (or PGSSLROOTCERT) to the server's CA bundle",
            ]);
        });

        it("verify-full deploys with the CA given as PGSSLROOTCERT, to the checks and to the provider alike", async () => {
            // The inline program (the checks) runs in this process; the provider, in the CLI's environment.
            const cliEnv = (t.stack.workspace as LocalWorkspace).envVars;
            try {
                process.env.PGSSLROOTCERT = cliEnv.PGSSLROOTCERT = certs.caFile;
                await deploys(tlsOnly, { sslMode: "verify-full" });
            } finally {
                delete process.env.PGSSLROOTCERT;
                delete cliEnv.PGSSLROOTCERT;
            }
        });
    }
});
