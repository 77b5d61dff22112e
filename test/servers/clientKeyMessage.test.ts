/**
 * A client key given as PEM text (the provider's clientcert with sslinline, or the key's
 * setting) that does not match its certificate: the error names the setting, never the key.
 */
import * as fs from "node:fs";
import * as net from "node:net";
import { connect, resolveSettings } from "../../components/connect/libpq";
import { makeCertificates, TestCertificates } from "../harness/certificates";

let certs: TestCertificates;
beforeAll(() => (certs = makeCertificates()));
afterAll(() => certs?.dispose());

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    return port;
}

it("a client key that does not match its certificate is not quoted in the error", async () => {
    const key = certs.local.key; // PEM text of another key than the client certificate's
    const settings = resolveSettings(
        {
            host: "127.0.0.1",
            port: await closedPort(),
            user: "admin",
            password: "x",
            database: "analytics",
            sslMode: "prefer",
            sslCert: fs.readFileSync(certs.client.certFile, "utf8"),
            sslKey: key,
        },
        "prefer",
        {},
    );
    const message = await connect(settings).then(
        () => "connected",
        (e: Error) => e.message,
    );
    const body = key.split("\n")[1];
    expect(message).not.toContain(body);
});
