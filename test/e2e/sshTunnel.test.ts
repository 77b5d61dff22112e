/**
 * Whaly through an SSH tunnel, end to end: a real `pulumi up` with `sshTunnel`, its outputs put on
 * a real OpenSSH server (Debian's sshd on a loopback port) in front of a real PostgreSQL. The
 * bastion user's authorized_keys holds exactly `sshAuthorizedKeysLine`: Whaly's key forwards to
 * the database and psql reads through it as Whaly's user, with the output password; the key can
 * do nothing else. Then `sshdConfig` loaded into that sshd, with a plain key line: the same.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { NEWEST_MAJOR, PostgresServer, startPostgres } from "../../scripts/lib/postgresServer";
import { Bastion, bastionUser, EXPECTED, makeClientKey, probed, startBastion } from "../harness/bastion";
import { newTestStack, TestStack } from "../harness/stack";
import { DATABASE, seedWarehouse } from "../harness/warehouse";
import { accessProgram, outputValues } from "./support/program";

jest.setTimeout(300_000);

describe(`PostgreSQL ${NEWEST_MAJOR}: Whaly through an SSH tunnel, from pulumi up's outputs to a real sshd`, () => {
    let server: PostgresServer;
    let keys: string;
    let key: { privateKeyFile: string; publicKey: string };
    let t: TestStack;
    let out: Record<string, unknown>;
    const bastions: Bastion[] = [];

    beforeAll(async () => {
        server = await startPostgres(NEWEST_MAJOR);
        await seedWarehouse(server);
        keys = fs.mkdtempSync(path.join(os.tmpdir(), "whaly-ssh-keys-"));
        key = makeClientKey(keys);
        // Whaly's host and port are the database as the bastion sees it: the same loopback here.
        const bastion = await startBastion();
        bastions.push(bastion);
        t = await newTestStack(
            "ssh-tunnel",
            accessProgram(server, {
                schemas: ["public", "sales"],
                tableCreators: ["etl"],
                host: server.host,
                port: server.port,
                sshTunnel: { publicKey: key.publicKey, bastionHost: bastion.host, bastionPort: bastion.port, bastionUser: bastion.user },
            }),
        );
        await t.stack.up();
        out = await outputValues(t.stack);
    });
    afterAll(async () => {
        bastions.forEach((b) => b.stop());
        await t?.stack.destroy();
        t?.dispose();
        if (keys) fs.rmSync(keys, { recursive: true, force: true });
        server?.stop();
    });

    it("outputs Whaly's SSH fields, and pg_hba.conf lines that admit the bastion", () => {
        expect(out).toMatchObject({
            host: server.host,
            port: server.port,
            sshHost: "127.0.0.1",
            sshPort: bastions[0].port,
            sshUser: bastionUser(),
            pgHbaLines: ['hostssl "analytics" "whaly_bi" 127.0.0.1/32 scram-sha-256'],
        });
        expect(out.sshAuthorizedKeysLine).toBe(
            `restrict,port-forwarding,permitopen="127.0.0.1:${server.port}",permitlisten="NONE:1",command="false" ${key.publicKey}`,
        );
    });

    it("the bastion user holding exactly sshAuthorizedKeysLine: psql reads through the tunnel as Whaly's user; nothing else goes", async () => {
        const [bastion] = bastions;
        bastion.authorize(out.sshAuthorizedKeysLine as string);
        const target = {
            host: out.host as string,
            port: out.port as number,
            database: DATABASE,
            user: out.user as string,
            password: out.password as string,
        };
        expect(await probed(bastion, key.privateKeyFile, target, EXPECTED.keyLine)).toEqual({ results: EXPECTED.keyLine });
    });

    it("sshdConfig included in that sshd, with a plain key line: the same", async () => {
        const bastion = await startBastion({ include: out.sshdConfig as string });
        bastions.push(bastion);
        bastion.authorize(key.publicKey);
        const target = {
            host: out.host as string,
            port: out.port as number,
            database: DATABASE,
            user: out.user as string,
            password: out.password as string,
        };
        expect(await probed(bastion, key.privateKeyFile, target, EXPECTED.sshdBlock)).toEqual({ results: EXPECTED.sshdBlock });
    });
});
