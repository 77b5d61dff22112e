import { renderAccessSql, renderAccessStatements, WhalyPostgresArgsError } from "../../index";
import { psqlConnect } from "../../components/plan/sql";

const ROLE = `CREATE ROLE "whaly_bi" WITH ENCRYPTED PASSWORD '<password elided>' VALID UNTIL 'infinity' CONNECTION LIMIT 10 NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT LOGIN NOBYPASSRLS NOREPLICATION`;
const TIMEOUTS = [
    `ALTER ROLE "whaly_bi" SET statement_timeout TO 600000`,
    `ALTER ROLE "whaly_bi" SET idle_in_transaction_session_timeout TO 60000`,
];

describe("renderAccessSql", () => {
    it("renders the guide's case as a psql script: cluster-wide statements, \\connect, then the rest, identifiers in double quotes, the password elided", () => {
        expect(renderAccessSql({ database: "analytics", admin: { host: "db", username: "postgres" } })).toBe(
            [
                "\\set ON_ERROR_STOP on",
                `${ROLE};`,
                ...TIMEOUTS.map((s) => `${s};`),
                `GRANT CONNECT ON DATABASE "analytics" TO "whaly_bi";`,
                `\\connect "analytics"`,
                `GRANT USAGE ON SCHEMA "public" TO "whaly_bi";`,
                `GRANT SELECT ON ALL TABLES IN SCHEMA "public" TO "whaly_bi";`,
                `GRANT SELECT ON ALL SEQUENCES IN SCHEMA "public" TO "whaly_bi";`,
                `ALTER DEFAULT PRIVILEGES FOR ROLE "postgres" IN SCHEMA "public" GRANT SELECT ON TABLES TO "whaly_bi";`,
                `ALTER DEFAULT PRIVILEGES FOR ROLE "postgres" IN SCHEMA "public" GRANT SELECT ON SEQUENCES TO "whaly_bi";`,
                "",
            ].join("\n"),
        );
    });

    it("quotes every name, so names that need quoting stay literal, and escapes quotes in a given password", () => {
        const { cluster, inDatabase } = renderAccessStatements(
            { database: "My DB", schemas: ["Sales Data"], tableCreators: ["ETL-Bot"], roleName: "Whaly BI", password: "it's" },
            { password: "it's" },
        );
        expect(cluster[0]).toContain(`CREATE ROLE "Whaly BI" WITH ENCRYPTED PASSWORD 'it''s'`);
        expect(cluster).toContain(`GRANT CONNECT ON DATABASE "My DB" TO "Whaly BI"`);
        expect(inDatabase).toContain(
            `ALTER DEFAULT PRIVILEGES FOR ROLE "ETL-Bot" IN SCHEMA "Sales Data" GRANT SELECT ON SEQUENCES TO "Whaly BI"`,
        );
    });

    it("connects as psql reads names: in double quotes, or as a connection string where psql would take the name for one", () => {
        expect(psqlConnect("My DB")).toBe('\\connect "My DB"');
        expect(psqlConnect("a=b")).toBe("\\connect -reuse-previous=on 'dbname=''a=b'''");
        expect(psqlConnect("it's=x\\y")).toBe("\\connect -reuse-previous=on 'dbname=''it\\\\''s=x\\\\\\\\y'''");
    });

    it("refuses a database name holding a control character: psql reads a meta-command to the end of its line", () => {
        expect(() => psqlConnect("x\n\\! touch pwned #")).toThrow(/a database name of 18 characters holds a control character/);
        expect(() => psqlConnect("x\n\\! touch pwned #")).not.toThrow(/pwned/);
    });

    it("renders the compact mode's database-wide default privileges", () => {
        const { inDatabase } = renderAccessStatements({
            database: "a",
            schemas: ["s"],
            tableCreators: ["etl"],
            defaultPrivilegesScope: "database",
        });
        expect(inDatabase.filter((s) => s.startsWith("ALTER DEFAULT"))).toEqual([
            `ALTER DEFAULT PRIVILEGES FOR ROLE "etl" GRANT SELECT ON TABLES TO "whaly_bi"`,
            `ALTER DEFAULT PRIVILEGES FOR ROLE "etl" GRANT SELECT ON SEQUENCES TO "whaly_bi"`,
        ]);
    });

    it("renders futureSchemas: per creator, database-wide SELECT on tables and sequences and USAGE on the schemas it creates", () => {
        const { inDatabase } = renderAccessStatements({
            database: "a",
            schemas: ["s"],
            tableCreators: ["etl", "DBT Runner"],
            futureSchemas: true,
        });
        expect(inDatabase).toEqual([
            `GRANT USAGE ON SCHEMA "s" TO "whaly_bi"`,
            `GRANT SELECT ON ALL TABLES IN SCHEMA "s" TO "whaly_bi"`,
            `GRANT SELECT ON ALL SEQUENCES IN SCHEMA "s" TO "whaly_bi"`,
            ...["etl", "DBT Runner"].flatMap((c) => [
                `ALTER DEFAULT PRIVILEGES FOR ROLE "${c}" GRANT SELECT ON TABLES TO "whaly_bi"`,
                `ALTER DEFAULT PRIVILEGES FOR ROLE "${c}" GRANT SELECT ON SEQUENCES TO "whaly_bi"`,
                `ALTER DEFAULT PRIVILEGES FOR ROLE "${c}" GRANT USAGE ON SCHEMAS TO "whaly_bi"`,
            ]),
        ]);
    });

    it("renders the all-data mode: the membership and CONNECT, nothing inside the database", () => {
        expect(renderAccessStatements({ database: "a", readAllData: true, statementTimeoutMs: 0 })).toEqual({
            cluster: [ROLE, `GRANT "pg_read_all_data" TO "whaly_bi"`, TIMEOUTS[1], `GRANT CONNECT ON DATABASE "a" TO "whaly_bi"`],
            inDatabase: [],
        });
    });

    it("renders the alternating rotation: the NOLOGIN group with the grants, two users as its members with the role guards", () => {
        const { cluster, inDatabase } = renderAccessStatements({
            database: "a",
            tableCreators: ["etl"],
            rotation: "alternating",
            passwordVersion: 2,
        });
        const user = (name: string) => [
            `CREATE ROLE "${name}" WITH ENCRYPTED PASSWORD '<password elided>' VALID UNTIL 'infinity' CONNECTION LIMIT 10 NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT LOGIN NOBYPASSRLS NOREPLICATION`,
            `GRANT "whaly_bi" TO "${name}"`,
            `ALTER ROLE "${name}" SET statement_timeout TO 600000`,
            `ALTER ROLE "${name}" SET idle_in_transaction_session_timeout TO 60000`,
        ];
        expect(cluster).toEqual([
            `CREATE ROLE "whaly_bi" WITH VALID UNTIL 'infinity' CONNECTION LIMIT -1 NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT NOLOGIN NOBYPASSRLS NOREPLICATION`,
            ...user("whaly_bi_a"),
            ...user("whaly_bi_b"),
            `GRANT CONNECT ON DATABASE "a" TO "whaly_bi"`,
        ]);
        expect(inDatabase.every((s) => s.endsWith(' TO "whaly_bi"'))).toBe(true);
        // Before the first rotation, b exists without a password and cannot log in.
        expect(renderAccessStatements({ database: "a", tableCreators: ["etl"], rotation: "alternating" }).cluster).toContain(
            `CREATE ROLE "whaly_bi_b" WITH VALID UNTIL 'infinity' CONNECTION LIMIT 10 NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT NOLOGIN NOBYPASSRLS NOREPLICATION`,
        );
    });

    it("refuses one password for the two users of the alternating rotation once both log in: each needs its own", () => {
        const alternating = { database: "a", tableCreators: ["etl"], rotation: "alternating" };
        expect(() => renderAccessSql({ ...alternating, passwordVersion: 2 }, { password: "given-Password-123" })).toThrow(
            '- password (a secret: not shown): with rotation "alternating" at passwordVersion 2, both users log in, each with its own password',
        );
        // Before the first rotation only user a logs in: one password is its own.
        expect(renderAccessSql(alternating, { password: "given-Password-123" }).match(/given-Password-123/g)).toHaveLength(1);
        expect(renderAccessSql({ ...alternating, passwordVersion: 2 }).match(/<password elided>/g)).toHaveLength(2);
    });

    it("refuses bad args as the component does", () => {
        expect(() => renderAccessSql({ database: "a", readAllData: true, schemas: ["s"] })).toThrow(WhalyPostgresArgsError);
    });
});
