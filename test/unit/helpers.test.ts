import { connectionString } from "../../components/outputs/connectionString";
import { isCidr } from "../../components/outputs/network";
import { renderPgHbaLines, WHALY_CONNECTOR_IPS, WHALY_IP_RANGES } from "../../index";

describe("connectionString", () => {
    it("percent-encodes user, password and database so any character survives", () => {
        const uri = connectionString({
            host: "db",
            port: 5432,
            database: "my db",
            user: "Whaly BI",
            password: "p@ss:w/rd?#&%",
            sslMode: "require",
        });
        expect(uri).toBe("postgresql://Whaly%20BI:p%40ss%3Aw%2Frd%3F%23%26%25@db:5432/my%20db?sslmode=require");
        const parsed = new URL(uri);
        expect(decodeURIComponent(parsed.password)).toBe("p@ss:w/rd?#&%");
        expect(decodeURIComponent(parsed.username)).toBe("Whaly BI");
    });

    it("puts an IPv6 host in brackets", () => {
        expect(connectionString({ host: "::1", port: 5433, database: "d", user: "u", password: "p", sslMode: "disable" })).toBe(
            "postgresql://u:p@[::1]:5433/d?sslmode=disable",
        );
    });
});

describe("Whaly's IP ranges", () => {
    it("are all valid CIDR ranges, 36 warehouse ranges and 8 connector addresses as published", () => {
        expect(WHALY_IP_RANGES).toHaveLength(36);
        expect(WHALY_CONNECTOR_IPS).toHaveLength(8);
        for (const range of [...WHALY_IP_RANGES, ...WHALY_CONNECTOR_IPS]) expect(isCidr(range)).toBe(true);
        expect(new Set(WHALY_IP_RANGES).size).toBe(36);
    });

    it("render as pg_hba.conf lines admitting only the role to the database", () => {
        expect(renderPgHbaLines({ database: "analytics", user: "whaly_bi", ipRanges: ["34.76.0.0/14", "2001:db8::/32"] })).toEqual([
            'hostssl "analytics" "whaly_bi" 34.76.0.0/14 scram-sha-256',
            'hostssl "analytics" "whaly_bi" 2001:db8::/32 scram-sha-256',
        ]);
        expect(renderPgHbaLines({ database: "d", user: "u" })).toHaveLength(36);
    });

    it("render one line per range admitting each user listed, as pg_hba.conf's comma-separated user field", () => {
        expect(renderPgHbaLines({ database: "analytics", user: ["whaly_bi_b", "whaly_bi_a"], ipRanges: ["10.0.0.0/8"] })).toEqual([
            'hostssl "analytics" "whaly_bi_b","whaly_bi_a" 10.0.0.0/8 scram-sha-256',
        ]);
        expect(() => renderPgHbaLines({ database: "d", user: [] })).toThrow(/user lists no role/);
    });

    it("refuse names that would break pg_hba.conf", () => {
        expect(() => renderPgHbaLines({ database: "d", user: 'a"secret' })).toThrow(
            /a user name of 8 characters cannot be written to pg_hba.conf/,
        );
        expect(() => renderPgHbaLines({ database: "d", user: 'a"secret' })).not.toThrow(/secret/);
        expect(() => renderPgHbaLines({ database: "d", user: "a\tb" })).toThrow(/a user name of 3 characters cannot be written/);
        expect(() => renderPgHbaLines({ database: "d\u0085", user: "u" })).toThrow(/a database name of 2 characters cannot be written/);
    });

    it("refuse a name starting with /, which pg_hba.conf on PostgreSQL 16+ reads as a regular expression, quoted or not", () => {
        expect(() => renderPgHbaLines({ database: "/analytics", user: "u" })).toThrow(
            /a database name of 10 characters .*regular expression/,
        );
        expect(() => renderPgHbaLines({ database: "d", user: ["u", "/^e"] })).toThrow(/a user name of 3 characters .*regular expression/);
    });
});
