/**
 * The tunnel's line and sshd block against a real OpenSSH server (Debian's sshd on a loopback
 * port) in front of a real PostgreSQL: Whaly's key forwards to the database and psql reads through
 * it as the BI role, and every other thing the key tries is refused, a plain key on the same sshd
 * doing them all. The text comes from the pure functions here; test/e2e/sshTunnel.test.ts takes
 * it from a real `pulumi up`'s outputs.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import { renderAuthorizedKeysLine, renderSshdConfig } from "../../components/outputs/sshTunnel";
import { scramVerifier } from "../../components/plan/scram";
import { renderAccessStatements } from "../../components/plan/sql";
import { NEWEST_MAJOR, PostgresServer, startPostgres } from "../../scripts/lib/postgresServer";
import { applyStatements } from "../harness/applySql";
import { Bastion, bastionUser, EXPECTED, makeClientKey, ProbeTarget, probed, startBastion } from "../harness/bastion";
import { DATABASE, seedWarehouse } from "../harness/warehouse";

jest.setTimeout(300_000);

const PASSWORD = "bi-Password-0123456789";

describe(`Whaly's SSH tunnel through a real sshd to PostgreSQL ${NEWEST_MAJOR}`, () => {
    let server: PostgresServer;
    let keys: string;
    let key: { privateKeyFile: string; publicKey: string };
    let target: ProbeTarget;
    const bastions: Bastion[] = [];
    const bastion = async (include?: string) => {
        const b = await startBastion({ include });
        bastions.push(b);
        return b;
    };

    beforeAll(async () => {
        server = await startPostgres(NEWEST_MAJOR);
        await seedWarehouse(server);
        const statements = renderAccessStatements(
            { database: DATABASE, schemas: ["public", "sales"], tableCreators: ["etl"] },
            { password: scramVerifier(PASSWORD, randomBytes(16)) },
        );
        await applyStatements(server, DATABASE, statements);
        keys = fs.mkdtempSync(path.join(os.tmpdir(), "whaly-ssh-keys-"));
        key = makeClientKey(keys);
        target = { host: server.host, port: server.port, database: DATABASE, user: "whaly_bi", password: PASSWORD };
    });
    afterAll(() => {
        bastions.forEach((b) => b.stop());
        if (keys) fs.rmSync(keys, { recursive: true, force: true });
        server?.stop();
    });

    const line = () => renderAuthorizedKeysLine({ publicKey: key.publicKey, host: target.host, port: target.port });
    const block = (user: string) => renderSshdConfig({ user, host: target.host, port: target.port });

    it("a plain key on a stock sshd does everything the probes try (so each of them can succeed)", async () => {
        const b = await bastion();
        b.authorize(key.publicKey);
        expect(await probed(b, key.privateKeyFile, target, EXPECTED.plainKey)).toEqual({ results: EXPECTED.plainKey });
    });

    it("the line on a stock sshd: the tunnel, no command, shell or other forward", async () => {
        const b = await bastion();
        b.authorize(line());
        expect(await probed(b, key.privateKeyFile, target, EXPECTED.keyLine)).toEqual({ results: EXPECTED.keyLine });
        // Refused by the key's options, as sshd says, not by chance.
        expect(b.log()).toMatch(/remote forward to host 127\.0\.0\.1 port \d+, but the request was denied/);
    });

    it("the sshd block with a plain key: the tunnel, no command, shell or other forward", async () => {
        const b = await bastion(block(bastionUser()));
        b.authorize(key.publicKey);
        expect(await probed(b, key.privateKeyFile, target, EXPECTED.sshdBlock)).toEqual({ results: EXPECTED.sshdBlock });
    });

    it("both, as the docs recommend: the tunnel alone", async () => {
        const b = await bastion(block(bastionUser()));
        b.authorize(line());
        expect(await probed(b, key.privateKeyFile, target, EXPECTED.both)).toEqual({ results: EXPECTED.both });
    });
});
