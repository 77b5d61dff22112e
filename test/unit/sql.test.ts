import { renderAccessSql, WhalyPostgresArgsError } from "../../index";

const ROLE = `CREATE ROLE "whaly_bi" WITH ENCRYPTED PASSWORD '<password elided>' VALID UNTIL 'infinity' CONNECTION LIMIT 10 NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT LOGIN NOBYPASSRLS NOREPLICATION`;
const TIMEOUTS = [
    `ALTER ROLE "whaly_bi" SET statement_timeout TO 600000`,
    `ALTER ROLE "whaly_bi" SET idle_in_transaction_session_timeout TO 60000`,
];

describe("renderAccessSql", () => {
    it("renders the guide's case as the provider runs it, identifiers in double quotes, the password elided", () => {
        expect(renderAccessSql({ database: "analytics", admin: { host: "db", username: "postgres" } })).toEqual([
            ROLE,
            ...TIMEOUTS,
            `GRANT CONNECT ON DATABASE "analytics" TO "whaly_bi"`,
            `GRANT USAGE ON SCHEMA "public" TO "whaly_bi"`,
            `GRANT SELECT ON ALL TABLES IN SCHEMA "public" TO "whaly_bi"`,
            `GRANT SELECT ON ALL SEQUENCES IN SCHEMA "public" TO "whaly_bi"`,
            `ALTER DEFAULT PRIVILEGES FOR ROLE "postgres" IN SCHEMA "public" GRANT SELECT ON TABLES TO "whaly_bi"`,
            `ALTER DEFAULT PRIVILEGES FOR ROLE "postgres" IN SCHEMA "public" GRANT SELECT ON SEQUENCES TO "whaly_bi"`,
        ]);
    });

    it("quotes every name, so names that need quoting stay literal, and escapes quotes in a given password", () => {
        const sql = renderAccessSql(
            { database: "My DB", schemas: ["Sales Data"], tableCreators: ["ETL-Bot"], roleName: "Whaly BI", password: "it's" },
            { password: "it's" },
        );
        expect(sql[0]).toContain(`CREATE ROLE "Whaly BI" WITH ENCRYPTED PASSWORD 'it''s'`);
        expect(sql).toContain(`GRANT CONNECT ON DATABASE "My DB" TO "Whaly BI"`);
        expect(sql).toContain(`ALTER DEFAULT PRIVILEGES FOR ROLE "ETL-Bot" IN SCHEMA "Sales Data" GRANT SELECT ON SEQUENCES TO "Whaly BI"`);
    });

    it("renders the compact mode's database-wide default privileges", () => {
        const sql = renderAccessSql({ database: "a", schemas: ["s"], tableCreators: ["etl"], defaultPrivilegesScope: "database" });
        expect(sql.filter((s) => s.startsWith("ALTER DEFAULT"))).toEqual([
            `ALTER DEFAULT PRIVILEGES FOR ROLE "etl" GRANT SELECT ON TABLES TO "whaly_bi"`,
            `ALTER DEFAULT PRIVILEGES FOR ROLE "etl" GRANT SELECT ON SEQUENCES TO "whaly_bi"`,
        ]);
    });

    it("renders the all-data mode: the membership and CONNECT, nothing per schema", () => {
        expect(renderAccessSql({ database: "a", readAllData: true, statementTimeoutMs: 0 })).toEqual([
            ROLE,
            `GRANT "pg_read_all_data" TO "whaly_bi"`,
            TIMEOUTS[1],
            `GRANT CONNECT ON DATABASE "a" TO "whaly_bi"`,
        ]);
    });

    it("refuses bad args as the component does", () => {
        expect(() => renderAccessSql({ database: "a", readAllData: true, schemas: ["s"] })).toThrow(WhalyPostgresArgsError);
    });
});
