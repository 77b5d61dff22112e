/**
 * What libpq reads, without a server: connection strings (URIs and key=value pairs, empty values
 * included), the environment (a variable set empty counts as set), libpq's defaults, and the
 * password file line by line, where the `pgpass` module that `pg` ships reads otherwise.
 * test/servers/libpqDifferential.test.ts holds the same rules to psql itself.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseConninfo } from "../../components/connect/conninfo";
import { connect, parseConnectionString, passwordFromFile, resolveSettings } from "../../components/connect/libpq";

describe("libpq connection strings", () => {
    it("read a URI: user, password, host, port, database and the TLS parameters, percent-decoded", () => {
        expect(
            parseConnectionString(
                "postgresql://ad%40min:p%3Ass@db.example.com:6432/ana%20lytics?sslmode=verify-full&sslrootcert=/etc/ca.pem",
            ),
        ).toEqual({
            host: "db.example.com",
            port: "6432",
            user: "ad@min",
            password: "p:ss",
            database: "ana lytics",
            sslMode: "verify-full",
            sslRootCert: "/etc/ca.pem",
        });
        expect(parseConninfo("postgresql://[::1]:5433/db")).toEqual({ host: "::1", port: "5433", dbname: "db" });
        expect(parseConninfo("postgres://h/d?ssl=true")).toEqual({ host: "h", dbname: "d", sslmode: "require" });
    });

    it("leave out the empty parts of a URI's address and path, and keep empty query parameters as values", () => {
        expect(parseConninfo("postgresql://:@:/")).toEqual({});
        expect(parseConninfo("postgresql://u:@h:/?host=&port=&dbname=&sslmode=&sslrootcert=&connect_timeout=")).toEqual({
            user: "u",
            host: "",
            port: "",
            dbname: "",
            sslmode: "",
            sslrootcert: "",
            connect_timeout: "",
        });
    });

    it("read key=value pairs: quoted values with escapes, escapes outside quotes, empty values kept", () => {
        expect(parseConnectionString("host=db port=5433 dbname='my db' user=adm password='it\\'s' sslmode=require")).toMatchObject({
            host: "db",
            port: "5433",
            database: "my db",
            user: "adm",
            password: "it's",
            sslMode: "require",
        });
        expect(parseConninfo("password=a\\ b host = h")).toEqual({ password: "a b", host: "h" });
        expect(parseConninfo("host='' sslrootcert=''")).toEqual({ host: "", sslrootcert: "" });
        // As libpq: blanks after "=" are skipped, so an unquoted empty value takes the next word.
        expect(parseConninfo("host= port=5")).toEqual({ host: "port=5" });
        expect(parseConninfo("application_name=bi host=h")).toEqual({ host: "h" });
    });

    it("refuse what libpq refuses, and what this package does not implement", () => {
        expect(() => parseConnectionString("db.example.com")).toThrow("neither a postgresql:// URI nor key=value pairs");
        expect(() => parseConninfo("host='db")).toThrow("quoted value of host in the connection string is not closed");
        expect(() => parseConninfo("hots=db")).toThrow("hots is not a libpq connection setting");
        expect(() => parseConninfo("postgresql://h/d?sslcrl=/crl.pem")).toThrow(
            "sslcrl is a libpq setting this package does not implement",
        );
        expect(() => parseConninfo("postgresql://a,b/d")).toThrow("several hosts");
        expect(() => parseConninfo("postgresql://h/d?sslmode")).toThrow(
            "a query parameter of the connection URI (7 characters, not shown) is not key=value",
        );
    });
});

describe("what libpq takes from the environment, and its defaults", () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "whaly-libpq-"));
    afterAll(() => fs.rmSync(home, { recursive: true, force: true }));
    const socketDirectory = fs.existsSync("/var/run/postgresql") ? "/var/run/postgresql" : "/tmp";

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
        expect(resolveSettings({}, "prefer", { HOME: home })).toMatchObject({
            host: socketDirectory,
            port: 5432,
            user: os.userInfo().username,
            sslMode: "prefer",
            sslRootCert: path.join(home, ".postgresql", "root.crt"),
            sslCert: path.join(home, ".postgresql", "postgresql.crt"),
            sslKey: path.join(home, ".postgresql", "postgresql.key"),
            connectTimeoutSeconds: 15,
            refused: [],
        });
    });

    it("reads a variable set empty as set, and then as libpq's default", () => {
        const empty = Object.fromEntries(
            ["PGHOST", "PGPORT", "PGUSER", "PGDATABASE", "PGSSLROOTCERT", "PGSSLCERT", "PGSSLKEY"].map((v) => [v, ""]),
        );
        expect(resolveSettings({}, "prefer", { HOME: home, ...empty })).toMatchObject(resolveSettings({}, "prefer", { HOME: home }));
        // A value given empty is given: the environment is not read.
        expect(
            resolveSettings({ host: "", sslRootCert: "" }, "prefer", { HOME: home, PGHOST: "db", PGSSLROOTCERT: "/ca.pem" }),
        ).toMatchObject({
            host: socketDirectory,
            sslRootCert: path.join(home, ".postgresql", "root.crt"),
        });
        // libpq refuses an empty sslmode (connect says so) and an empty connect_timeout.
        expect(resolveSettings({}, "require", { HOME: home, PGSSLMODE: "" }).sslMode).toBe("");
        expect(resolveSettings({}, "prefer", { HOME: home, PGCONNECT_TIMEOUT: "" }).refused).toEqual([
            { setting: "connectTimeout", value: "", why: "is not a whole number of seconds (0 for no limit)" },
        ]);
        expect(resolveSettings({}, "prefer", { HOME: home, PGPORT: "54x" }).refused).toEqual([
            { setting: "port", value: "54x", why: "is not a TCP port (1 to 65535)" },
        ]);
    });

    it("reads connect_timeout as libpq: 0 or less for no limit, 2 s at least", () => {
        const timeout = (value: string) => resolveSettings({}, "prefer", { HOME: home, PGCONNECT_TIMEOUT: value }).connectTimeoutSeconds;
        expect([timeout("0"), timeout("-3"), timeout("1"), timeout(" 7 ")]).toEqual([0, 0, 2, 7]);
    });

    it("takes sslrootcert=system with verify-full, as libpq does", () => {
        expect(resolveSettings({ sslRootCert: "system" }, "prefer", { HOME: home }).sslMode).toBe("verify-full");
    });

    it("takes the password from the password file when none is given or it is given empty, and PGPASSFILE empty means ~/.pgpass", () => {
        const file = path.join(home, ".pgpass");
        fs.writeFileSync(file, "db.internal:5432:analytics:adm:from-file\n", { mode: 0o600 });
        const given = { host: "db.internal", user: "adm", database: "analytics" };
        for (const env of [{}, { PGPASSWORD: "" }, { PGPASSFILE: "" }])
            expect(resolveSettings(given, "prefer", { HOME: home, ...env }).password).toBe("from-file");
        expect(resolveSettings({ ...given, password: "" }, "prefer", { HOME: home, PGPASSWORD: "env" }).password).toBe("from-file");
        expect(resolveSettings(given, "prefer", { HOME: home, PGPASSWORD: "env" }).password).toBe("env");
        expect(resolveSettings(given, "prefer", { HOME: home, PGPASSFILE: path.join(home, "none") }).password).toBeUndefined();
        // The default socket directory matches the lines for localhost.
        fs.writeFileSync(file, "localhost:5432:analytics:adm:local\n", { mode: 0o600 });
        expect(resolveSettings({ user: "adm", database: "analytics" }, "prefer", { HOME: home }).password).toBe("local");
        fs.rmSync(file);
    });
});

describe("the password file, line by line as libpq reads it", () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "whaly-pgpass-"));
    const file = path.join(home, ".pgpass");
    afterAll(() => fs.rmSync(home, { recursive: true, force: true }));
    const lookup = (lines: string, mode = 0o600, user = "adm") => {
        fs.writeFileSync(file, lines, { mode });
        fs.chmodSync(file, mode);
        return passwordFromFile(file, "db.internal", "5432", "analytics", user);
    };

    it("first matching line, * wildcards, escapes, and only when others cannot read it", () => {
        expect(lookup("# comment\nother:5432:*:adm:wrong\ndb.internal:*:analytics:adm:p\\:w\\\\d\n*:*:*:adm:fallback\n")).toBe("p:w\\d");
        expect(lookup("*:*:*:adm:fallback\r\n")).toBe("fallback");
        expect(lookup("*:*:*:nobody:x\n")).toBeUndefined();
        expect(lookup("db\\.internal:5432:analytics:adm:escaped-dot\n")).toBe("escaped-dot");
        // An escaped * is a star, not a wildcard.
        expect(lookup("\\*:5432:analytics:adm:star\n")).toBeUndefined();
        expect(lookup("*:*:*:adm:fallback\n", 0o644)).toBeUndefined();
        expect(lookup("*:*:*:adm:fallback\n", 0o640)).toBeUndefined();
    });

    // The pgpass module (what pg falls back to) reads each of these lines otherwise; pg never uses it
    // here, as the connection gives the driver its password through a function.
    describe("where the pgpass module reads otherwise", () => {
        const helper: {
            parseLine(line: string): Record<string, string> | null;
            isValidEntry(entry: Record<string, string>): boolean;
            usePgPass(stats: fs.Stats, file: string): boolean;
            warnTo(stream: unknown): unknown;
        } = jest.requireActual("pgpass/lib/helper");
        const pgpassModule = (line: string) => {
            const entry = helper.parseLine(line);
            return entry && helper.isValidEntry(entry) ? entry.password : undefined;
        };
        beforeAll(() => helper.warnTo(null));

        it.each([
            ["a line shorter than 11 characters", "*:*:*:u:pw", "pw", undefined],
            ["an empty password (libpq takes it, and fails: no password supplied)", "*:*:*:adm:", "", undefined],
            ["an unescaped colon in the password (libpq ends it there)", "*:*:*:adm:pass:word", "pass", "pass:word"],
            ["a backslash before another character (libpq drops it)", "*:*:*:adm:pass\\word", "password", "pass\\word"],
        ])("%s", (_, line, libpq, module) => {
            expect(lookup(`${line}\n`, 0o600, line.split(":")[3])).toBe(libpq);
            expect(pgpassModule(line)).toBe(module);
        });

        it("PGPASSWORD set empty: libpq reads the file; the module does not", () => {
            expect(lookup("*:*:*:adm:from-file\n")).toBe("from-file");
            const given = { host: "db.internal", user: "adm", database: "analytics", port: 5432 };
            expect(resolveSettings(given, "prefer", { HOME: home, PGPASSWORD: "" }).password).toBe("from-file");
            const saved = process.env.PGPASSWORD;
            process.env.PGPASSWORD = "";
            try {
                expect(helper.usePgPass(fs.statSync(file), file)).toBe(false);
            } finally {
                if (saved === undefined) delete process.env.PGPASSWORD;
                else process.env.PGPASSWORD = saved;
            }
        });
    });
});

describe("libpq environment variables the package does not implement", () => {
    it("are refused when set, before connecting, by name; set empty, they are not", async () => {
        const given = { host: "127.0.0.1", port: 1, sslMode: "disable" };
        await expect(connect(resolveSettings(given, "prefer", { PGSERVICE: "warehouse" }))).rejects.toThrow(
            /^PGSERVICE is set, and this package does not implement libpq's service setting/,
        );
        await expect(connect(resolveSettings(given, "prefer", { PGCHANNELBINDING: "require", PGHOSTADDR: "10.0.0.1" }))).rejects.toThrow(
            /^PGHOSTADDR and PGCHANNELBINDING are set/,
        );
        await expect(connect(resolveSettings(given, "prefer", { PGSERVICE: "", PGAPPNAME: "x" }))).rejects.toThrow(/ECONNREFUSED/);
    });
});
