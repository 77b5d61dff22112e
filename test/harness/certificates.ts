/**
 * A throwaway certificate authority and server certificates made with openssl, as a managed
 * service's own CA signs its servers' certificates: none of them is in Node's trust store.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export interface TestCertificates {
    dir: string;
    /** The CA's certificate, as a file and as PEM text. */
    caFile: string;
    caPem: string;
    /** Another CA's certificate, which signed none of these. */
    otherCaFile: string;
    /** A server certificate for 127.0.0.1 and localhost. */
    local: { cert: string; key: string };
    /** A server certificate for db.example.test only. */
    elsewhere: { cert: string; key: string };
    /** A server certificate for 127.0.0.1 and localhost that the other CA signed. */
    otherCaLocal: { cert: string; key: string };
    /** A client certificate (CN client) and its key, as files (the key private to its owner). */
    client: { certFile: string; keyFile: string };
    dispose(): void;
}

const openssl = (dir: string, ...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
const EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

function makeCa(dir: string, name: string): void {
    openssl(dir, "req", "-x509", ...EC_KEY, "-keyout", `${name}.key`, "-out", `${name}.crt`, "-days", "2", "-subj", `/CN=${name}`);
}

function makeServer(dir: string, name: string, altNames: string, ca = "ca"): { cert: string; key: string } {
    openssl(dir, "req", ...EC_KEY, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${name}`);
    fs.writeFileSync(path.join(dir, `${name}.ext`), `subjectAltName=${altNames}\n`);
    openssl(
        dir,
        "x509",
        "-req",
        "-in",
        `${name}.csr`,
        "-CA",
        `${ca}.crt`,
        "-CAkey",
        `${ca}.key`,
        "-CAcreateserial",
        "-days",
        "2",
        "-out",
        `${name}.crt`,
        "-extfile",
        `${name}.ext`,
    );
    return { cert: fs.readFileSync(path.join(dir, `${name}.crt`), "utf8"), key: fs.readFileSync(path.join(dir, `${name}.key`), "utf8") };
}

function makeClient(dir: string): { certFile: string; keyFile: string } {
    makeServer(dir, "client", "DNS:client");
    fs.chmodSync(path.join(dir, "client.key"), 0o600);
    return { certFile: path.join(dir, "client.crt"), keyFile: path.join(dir, "client.key") };
}

export function makeCertificates(): TestCertificates {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "whaly-tls-"));
    makeCa(dir, "ca");
    makeCa(dir, "other-ca");
    return {
        dir,
        caFile: path.join(dir, "ca.crt"),
        caPem: fs.readFileSync(path.join(dir, "ca.crt"), "utf8"),
        otherCaFile: path.join(dir, "other-ca.crt"),
        local: makeServer(dir, "local", "IP:127.0.0.1,DNS:localhost"),
        elsewhere: makeServer(dir, "elsewhere", "DNS:db.example.test"),
        otherCaLocal: makeServer(dir, "other-ca-local", "IP:127.0.0.1,DNS:localhost", "other-ca"),
        client: makeClient(dir),
        dispose: () => fs.rmSync(dir, { recursive: true, force: true }),
    };
}
