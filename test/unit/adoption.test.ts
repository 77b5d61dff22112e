import { HeldPrivilege, planAdoption, PlannedRole, RoleHoldings } from "../../components/adoption";
import { planAccess } from "../../components/plan";

/** A role as Whaly's guide leaves it for schema public with creator etl, holding nothing more. */
function guideRole(over: Partial<RoleHoldings> = {}): RoleHoldings {
    const held = (kind: HeldPrivilege["kind"], name: string, privilege: string, schema?: string): HeldPrivilege => ({
        kind,
        name,
        schema,
        privilege,
        grantor: "postgres",
        grantable: false,
    });
    return {
        attributes: {
            superuser: false,
            createDatabase: false,
            createRole: false,
            replication: false,
            bypassRowLevelSecurity: false,
            login: true,
            inherit: true,
            connectionLimit: 10,
        },
        settings: ["statement_timeout=600000", "idle_in_transaction_session_timeout=60000"],
        settingsInDatabases: [],
        memberOf: [],
        privileges: [
            held("database", "analytics", "CONNECT"),
            held("schema", "public", "USAGE"),
            held("table", "orders", "SELECT", "public"),
        ],
        defaults: [
            { owner: "etl", schema: "public", objectType: "r", privilege: "SELECT", grantable: false },
            { owner: "etl", schema: "public", objectType: "S", privilege: "SELECT", grantable: false },
        ],
        unreadable: [],
        beyondReach: [],
        adminActsAs: { postgres: true, etl: true, intruder: true },
        adminMayAlter: true,
        ...over,
    };
}

function planned(over: Partial<PlannedRole> = {}): PlannedRole {
    return {
        roleName: "whaly_bi",
        database: "analytics",
        schemas: ["public"],
        plan: planAccess(["public"], ["etl"]),
        login: true,
        connectionLimit: 10,
        settings: { statement_timeout: "600000", idle_in_transaction_session_timeout: "60000" },
        versionNum: 150000,
        admin: { name: "postgres", superuser: true },
        ...over,
    };
}

describe("adopting a role", () => {
    it("changes nothing when the role already holds exactly the plan", () => {
        expect(planAdoption(guideRole(), planned())).toEqual({ lines: [], statements: [], problems: [] });
    });

    it("revokes each privilege beyond the plan as its grantor, and the grant option of a planned one, with CASCADE where it was grantable", () => {
        const role = guideRole();
        role.privileges.push(
            { kind: "table", schema: "public", name: "orders", privilege: "INSERT", grantor: "etl", grantable: false },
            { kind: "column", schema: "hr", name: "people", detail: "salary", privilege: "SELECT", grantor: "postgres", grantable: false },
            {
                kind: "function",
                schema: "public",
                name: "f",
                detail: "integer",
                privilege: "EXECUTE",
                grantor: "postgres",
                grantable: true,
            },
            { kind: "sequence", schema: "hr", name: "ids", privilege: "USAGE", grantor: "postgres", grantable: false },
            { kind: "database", name: "analytics", privilege: "TEMPORARY", grantor: "postgres", grantable: false },
            { kind: "database", name: "other", privilege: "CONNECT", grantor: "postgres", grantable: false },
        );
        role.privileges[2] = { ...role.privileges[2], grantable: true };
        const { lines, statements, problems } = planAdoption(role, planned());
        expect(problems).toEqual([]);
        expect(lines).toEqual([
            '- the grant option of SELECT on table public.orders (granted by postgres): REVOKE GRANT OPTION FOR SELECT ON TABLE "public"."orders" FROM "whaly_bi" CASCADE (as postgres)',
            '- INSERT on table public.orders (granted by etl): REVOKE INSERT ON TABLE "public"."orders" FROM "whaly_bi" (as etl)',
            '- SELECT on column hr.people.salary (granted by postgres): REVOKE SELECT ("salary") ON TABLE "hr"."people" FROM "whaly_bi" (as postgres)',
            '- EXECUTE on function public.f(integer) (granted by postgres): REVOKE EXECUTE ON ROUTINE "public"."f"(integer) FROM "whaly_bi" CASCADE (as postgres)',
            '- USAGE on sequence hr.ids (granted by postgres): REVOKE USAGE ON SEQUENCE "hr"."ids" FROM "whaly_bi" (as postgres)',
            '- TEMPORARY on database analytics (granted by postgres): REVOKE TEMPORARY ON DATABASE "analytics" FROM "whaly_bi" (as postgres)',
            '- CONNECT on database other (granted by postgres): REVOKE CONNECT ON DATABASE "other" FROM "whaly_bi" (as postgres)',
        ]);
        // Grouped by the role they run as: fewer role switches.
        expect(statements.map((s) => s.as)).toEqual(["postgres", "postgres", "postgres", "postgres", "postgres", "postgres", "etl"]);
    });

    it("resets the role's attributes and settings to the plan's, and revokes memberships, per grantor since PostgreSQL 16", () => {
        const role = guideRole({
            attributes: {
                ...guideRole().attributes,
                createDatabase: true,
                inherit: false,
                connectionLimit: -1,
                validUntil: "2030-01-01 00:00:00+00",
            },
            settings: ["statement_timeout=10min", "work_mem=64MB"],
            settingsInDatabases: ["analytics"],
            memberOf: [{ role: "pg_monitor", grantor: "adm", adminMayRevoke: true }],
        });
        const lines = (versionNum: number) => planAdoption(role, planned({ versionNum })).lines;
        expect(lines(180000)).toEqual([
            '- CREATEDB: ALTER ROLE "whaly_bi" NOCREATEDB',
            '~ NOINHERIT (the plan: INHERIT): ALTER ROLE "whaly_bi" INHERIT',
            '~ connection limit -1 (the plan: 10): ALTER ROLE "whaly_bi" CONNECTION LIMIT 10',
            "~ valid until 2030-01-01 00:00:00+00 (the plan: no expiry): ALTER ROLE \"whaly_bi\" VALID UNTIL 'infinity'",
            '- setting work_mem = 64MB: ALTER ROLE "whaly_bi" RESET work_mem',
            '~ setting statement_timeout = 10min (the plan: 600000): ALTER ROLE "whaly_bi" SET statement_timeout TO 600000',
            '~ setting idle_in_transaction_session_timeout unset (the plan: 60000): ALTER ROLE "whaly_bi" SET idle_in_transaction_session_timeout TO 60000',
            '- settings in database analytics: ALTER ROLE "whaly_bi" IN DATABASE "analytics" RESET ALL',
            '- member of pg_monitor (granted by adm): REVOKE "pg_monitor" FROM "whaly_bi" GRANTED BY "adm"',
        ]);
        expect(lines(150000).at(-1)).toBe('- member of pg_monitor (granted by adm): REVOKE "pg_monitor" FROM "whaly_bi"');
    });

    it("makes the alternating rotation's group NOLOGIN with no settings or limit, and keeps pg_read_all_data in the all-data mode", () => {
        const group = planAdoption(
            guideRole({ memberOf: [{ role: "pg_read_all_data", grantor: "postgres", adminMayRevoke: true }] }),
            planned({ login: false, connectionLimit: -1, settings: {}, plan: planAccess([], [], { readAllData: true }), schemas: [] }),
        );
        expect(group.lines).toEqual([
            '~ LOGIN (the plan: NOLOGIN, a group): ALTER ROLE "whaly_bi" NOLOGIN',
            '~ connection limit 10 (the plan: -1): ALTER ROLE "whaly_bi" CONNECTION LIMIT -1',
            '- setting statement_timeout = 600000: ALTER ROLE "whaly_bi" RESET statement_timeout',
            '- setting idle_in_transaction_session_timeout = 60000: ALTER ROLE "whaly_bi" RESET idle_in_transaction_session_timeout',
            '- USAGE on schema public (granted by postgres): REVOKE USAGE ON SCHEMA "public" FROM "whaly_bi" (as postgres)',
            '- SELECT on table public.orders (granted by postgres): REVOKE SELECT ON TABLE "public"."orders" FROM "whaly_bi" (as postgres)',
            '- default SELECT on tables that etl creates in schema public: ALTER DEFAULT PRIVILEGES FOR ROLE "etl" IN SCHEMA "public" REVOKE SELECT ON TABLES FROM "whaly_bi"',
            '- default SELECT on sequences that etl creates in schema public: ALTER DEFAULT PRIVILEGES FOR ROLE "etl" IN SCHEMA "public" REVOKE SELECT ON SEQUENCES FROM "whaly_bi"',
        ]);
    });

    it("lists what the plan adds, for the children to create", () => {
        const role = guideRole({
            privileges: [],
            defaults: [],
            unreadable: [
                { schema: "public", name: "orders", sequence: false },
                { schema: "public", name: "orders_id_seq", sequence: true },
            ],
        });
        const { lines, statements } = planAdoption(
            role,
            planned({ plan: planAccess(["public"], ["etl"], { defaultPrivilegesScope: "database" }) }),
        );
        // The default privileges also run first in the take-over (the admin may act as etl); the rest comes with the children.
        expect(statements).toEqual([
            { sql: 'ALTER DEFAULT PRIVILEGES FOR ROLE "etl" GRANT SELECT ON TABLES TO "whaly_bi"' },
            { sql: 'ALTER DEFAULT PRIVILEGES FOR ROLE "etl" GRANT SELECT ON SEQUENCES TO "whaly_bi"' },
        ]);
        expect(lines).toEqual([
            '+ CONNECT on database analytics: GRANT CONNECT ON DATABASE "analytics" TO "whaly_bi"',
            '+ USAGE on schema public: GRANT USAGE ON SCHEMA "public" TO "whaly_bi"',
            '+ SELECT on 1 relation of schema public (public.orders): GRANT SELECT ON ALL TABLES IN SCHEMA "public" TO "whaly_bi"',
            '+ SELECT on 1 sequence of schema public (public.orders_id_seq): GRANT SELECT ON ALL SEQUENCES IN SCHEMA "public" TO "whaly_bi"',
            '+ default SELECT on tables that etl creates in any schema: ALTER DEFAULT PRIVILEGES FOR ROLE "etl" GRANT SELECT ON TABLES TO "whaly_bi"',
            '+ default SELECT on sequences that etl creates in any schema: ALTER DEFAULT PRIVILEGES FOR ROLE "etl" GRANT SELECT ON SEQUENCES TO "whaly_bi"',
        ]);
    });

    it("with futureSchemas, takes what the creators' defaults gave (their later schemas and tables) for the plan's, and adds the schema default", () => {
        const role = guideRole({ defaults: [] });
        role.privileges.push(
            { kind: "schema", name: "dbt_dev", privilege: "USAGE", grantor: "etl", grantable: false, owner: "etl" },
            { kind: "table", schema: "dbt_dev", name: "model", privilege: "SELECT", grantor: "etl", grantable: false, owner: "etl" },
            { kind: "schema", name: "scratch", privilege: "USAGE", grantor: "intruder", grantable: false, owner: "intruder" },
        );
        const { lines } = planAdoption(role, planned({ plan: planAccess(["public"], ["etl"], { futureSchemas: true }) }));
        expect(lines).toEqual([
            '- USAGE on schema scratch (granted by intruder): REVOKE USAGE ON SCHEMA "scratch" FROM "whaly_bi" (as intruder)',
            '+ default SELECT on tables that etl creates in any schema: ALTER DEFAULT PRIVILEGES FOR ROLE "etl" GRANT SELECT ON TABLES TO "whaly_bi"',
            '+ default SELECT on sequences that etl creates in any schema: ALTER DEFAULT PRIVILEGES FOR ROLE "etl" GRANT SELECT ON SEQUENCES TO "whaly_bi"',
            '+ default USAGE on schemas that etl creates: ALTER DEFAULT PRIVILEGES FOR ROLE "etl" GRANT USAGE ON SCHEMAS TO "whaly_bi"',
        ]);
    });

    it("refuses, with the fix, what a non-superuser admin cannot remove, and what the component cannot reach", () => {
        const role = guideRole({
            attributes: { ...guideRole().attributes, replication: true },
            memberOf: [{ role: "reporting", grantor: "owner", adminMayRevoke: false }],
            beyondReach: ["owns table public.scratch", "holds privileges in database crm (2 objects)"],
            adminActsAs: { postgres: true, etl: false },
            adminMayAlter: false,
        });
        role.privileges.push({ kind: "table", schema: "etl", name: "feed", privilege: "SELECT", grantor: "etl", grantable: false });
        role.defaults.push({ owner: "etl", schema: undefined, objectType: "r", privilege: "INSERT", grantable: false });
        const { problems } = planAdoption(role, planned({ admin: { name: "adm", superuser: false }, versionNum: 160000 }));
        expect(problems.map((p) => `${p.field} ${p.value}: ${p.message}`)).toEqual([
            'adoptRole true: role whaly_bi owns table public.scratch, which the component cannot take away from database analytics: the role only reads, so give what it owns to another role first (REASSIGN OWNED BY "whaly_bi" TO "adm", run in each database concerned), then run up again',
            "adoptRole true: role whaly_bi holds privileges in database crm (2 objects), which the component cannot take away from database analytics: connect to that database and revoke them (`whaly-postgres audit` there lists them), or give this component another roleName",
            'adoptRole true: role whaly_bi has REPLICATION, which only a superuser may take away: run ALTER ROLE "whaly_bi" NOREPLICATION as a superuser',
            'adoptRole true: role whaly_bi is a member of reporting, which the admin adm may not revoke: run REVOKE "reporting" FROM "whaly_bi" GRANTED BY "owner" as a superuser, or GRANT "reporting" TO "adm" WITH ADMIN OPTION',
            'adoptRole true: role whaly_bi holds SELECT on table etl.feed, granted by etl, and the admin adm cannot act as etl to revoke it: run REVOKE SELECT ON TABLE "etl"."feed" FROM "whaly_bi" as etl (or as a superuser after SET ROLE "etl"), or GRANT "etl" TO "adm"',
            'adoptRole true: role whaly_bi holds default INSERT on tables that etl creates in any schema, and the admin adm is not a member of etl: run ALTER DEFAULT PRIVILEGES FOR ROLE "etl" REVOKE INSERT ON TABLES FROM "whaly_bi" as etl or a superuser, or GRANT "etl" TO "adm"',
        ]);
    });

    it("asks for ADMIN OPTION when a non-superuser admin may not alter the role itself", () => {
        const role = guideRole({ attributes: { ...guideRole().attributes, createDatabase: true }, adminMayAlter: false });
        const { problems } = planAdoption(role, planned({ admin: { name: "adm", superuser: false }, versionNum: 170000 }));
        expect(problems.map((p) => p.message)).toEqual([
            'role whaly_bi cannot be altered by the admin adm (since PostgreSQL 16, CREATEROLE covers only the roles it created): run GRANT "whaly_bi" TO "adm" WITH ADMIN OPTION as a superuser or as the role\'s creator',
        ]);
    });
});
