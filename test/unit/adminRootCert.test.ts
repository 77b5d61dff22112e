/**
 * The admin's CA as the component's checks read it: whatever they say about a CA that cannot be
 * used names a fix that the component accepts (admin.sslRootCert refuses PEM text).
 */
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { connect } from "../../components/connect/libpq";
import { fromAdmin } from "../../components/server/location";
import { validateArgs } from "../../components/contract/validate";

describe("the admin's CA", () => {
    let dir: string;
    /** A server that says yes to TLS (libpq reads the CA once the server offers it). */
    let offersTls: net.Server;
    beforeAll(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "whaly-root-cert-"));
        offersTls = net.createServer((socket) => socket.once("data", () => socket.end(Buffer.from("S"))));
        await new Promise<void>((resolve) => offersTls.listen(0, "127.0.0.1", resolve));
    });
    afterAll(async () => {
        fs.rmSync(dir, { recursive: true, force: true });
        await new Promise((resolve) => offersTls.close(resolve));
    });

    it("in a file that holds no certificate: the error's fix is a PEM file, not the PEM text admin.sslRootCert refuses", async () => {
        const notPem = path.join(dir, "ca.txt");
        fs.writeFileSync(notPem, "not a certificate\n");
        const { port } = offersTls.address() as net.AddressInfo;
        const admin = { host: "127.0.0.1", port, username: "postgres", password: "pw", sslMode: "verify-full", sslRootCert: notPem };
        // validateArgs accepts it: the file exists and is readable.
        expect(() => validateArgs("whaly", { database: "analytics", admin }, false)).not.toThrow();
        const { settings, names } = fromAdmin("analytics", admin, { HOME: dir });
        const message = await connect(settings!, names).then(
            () => "connected",
            (e: Error) => e.message,
        );
        expect(message).toContain("admin.sslRootCert");
        expect(message).toContain("holds no PEM certificate");
        expect(message).not.toContain("PEM text");
    });
});
