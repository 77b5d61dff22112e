import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseConnectionString, passwordFromFile, resolveSettings } from "../../components/libpq";

describe("libpq connection strings", () => {
    it("read a URI: user, password, host, port, database and the TLS parameters, percent-decoded", () => {
        expect(
            parseConnectionString(
                "postgresql://ad%40min:p%3Ass@db.example.com:6432/ana%20lytics?sslmode=verify-full&sslrootcert=/etc/ca.pem",
            ),
        ).toEqual({
            host: "db.example.com",
            port: 6432,
            user: "ad@min",
            password: "p:ss",
            database: "ana lytics",
            sslMode: "verify-full",
            sslRootCert: "/etc/ca.pem",
            sslCert: undefined,
            sslKey: undefined,
            connectTimeoutSeconds: undefined,
        });
    });

    it("read key=value pairs, quoted values with escapes", () => {
        expect(parseConnectionString("host=db port=5433 dbname='my db' user=adm password='it\\'s' sslmode=require")).toMatchObject({
            host: "db",
            port: 5433,
            database: "my db",
            user: "adm",
            password: "it's",
            sslMode: "require",
        });
    });

    it("refuse what is neither", () => {
        expect(() => parseConnectionString("db.example.com")).toThrow("neither a postgresql:// URI nor key=value pairs");
    });
});

describe("what libpq takes from the environment", () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "whaly-libpq-"));
    afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

    it("fills what is not given from PG* variables, then libpq's defaults", () => {
        const env = { HOME: home, PGHOST: "db.env", PGPORT: "6000", PGUSER: "envuser", PGSSLMODE: "verify-ca", PGSSLROOTCERT: "/ca.pem" };
        expect(resolveSettings({ host: "given" }, "prefer", env)).toMatchObject({
            host: "given",
            port: 6000,
            user: "envuser",
            database: "envuser",
            sslMode: "verify-ca",
            sslRootCert: "/ca.pem",
        });
        expect(resolveSettings({}, "prefer", { HOME: home })).toMatchObject({ host: "localhost", port: 5432, sslMode: "prefer" });
    });

    it("takes sslrootcert=system with verify-full, as libpq does", () => {
        expect(resolveSettings({ sslRootCert: "system" }, "prefer", { HOME: home }).sslMode).toBe("verify-full");
    });

    it("reads the password file: first matching line, * wildcards, escaped colons, and only when others cannot read it", () => {
        const file = path.join(home, ".pgpass");
        fs.writeFileSync(file, "# comment\nother:5432:*:adm:wrong\ndb.internal:*:analytics:adm:p\\:w\\\\d\n*:*:*:adm:fallback\n", {
            mode: 0o600,
        });
        expect(passwordFromFile(file, "db.internal", 5432, "analytics", "adm")).toBe("p:w\\d");
        expect(passwordFromFile(file, "elsewhere", 5432, "analytics", "adm")).toBe("fallback");
        expect(passwordFromFile(file, "elsewhere", 5432, "analytics", "nobody")).toBeUndefined();
        expect(resolveSettings({ host: "db.internal", user: "adm", database: "analytics" }, "prefer", { HOME: home }).password).toBe(
            "p:w\\d",
        );
        fs.chmodSync(file, 0o644);
        expect(passwordFromFile(file, "db.internal", 5432, "analytics", "adm")).toBeUndefined();
    });
});
