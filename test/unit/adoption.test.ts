import { HeldPrivilege, planAdoption, PlannedRole, RoleHoldings } from "../../components/plan/adoption";
import { planAccess } from "../../components/plan/grants";

/** A role as Whaly's guide leaves it for schema public with creator etl, holding nothing more. */
function guideRole(over: Partial<RoleHoldings> = {}): RoleHoldings {
    const held = (kind: HeldPrivilege["kind"], name: string, privilege: string, schema?: string): HeldPrivilege => ({
        kind,
        name,
        schema,
        privilege,
        grantor: "postgres",
        grantable: false,
        owner: "postgres",
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
        members: [],
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
        owners: { database: "postgres", schemas: { public: "postgres" } },
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
        members: [],
        ...over,
    };
}

describe("adopting a role", () => {
    it("changes nothing when the role already holds exactly the plan", () => {
        expect(planAdoption(guideRole(), planned())).toEqual({ lines: [], grants: [], removals: [], problems: [] });
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
        const { lines, grants, removals, problems } = planAdoption(role, planned());
        expect(problems).toEqual([]);
        expect(grants).toEqual([]);
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
        expect(removals.map((s) => s.as)).toEqual(["postgres", "postgres", "postgres", "postgres", "postgres", "postgres", "etl"]);
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
            memberOf: [{ role: "pg_monitor", grantor: "adm", adminMayRevoke: true, adminOption: false }],
        });
        const lines = (versionNum: number) => planAdoption(role, planned({ versionNum })).lines;
        expect(lines(180000)).toEqual([
            '- CREATEDB: ALTER ROLE "whaly_bi" NOCREATEDB',
            '~ NOINHERIT (the plan: INHERIT): ALTER ROLE "whaly_bi" INHERIT',
            '~ connection limit -1 (the plan: 10): ALTER ROLE "whaly_bi" CONNECTION LIMIT 10',
            "~ valid until 2030-01-01 00:00:00+00 (the plan: no expiry): ALTER ROLE \"whaly_bi\" VALID UNTIL 'infinity'",
            '- setting work_mem = 64MB: ALTER ROLE "whaly_bi" RESET "work_mem"',
            '~ setting statement_timeout = 10min (the plan: 600000): ALTER ROLE "whaly_bi" SET "statement_timeout" TO 600000',
            '~ setting idle_in_transaction_session_timeout unset (the plan: 60000): ALTER ROLE "whaly_bi" SET "idle_in_transaction_session_timeout" TO 60000',
            '- settings in database analytics: ALTER ROLE "whaly_bi" IN DATABASE "analytics" RESET ALL',
            '- member of pg_monitor (granted by adm): REVOKE "pg_monitor" FROM "whaly_bi" GRANTED BY "adm"',
        ]);
        expect(lines(150000).at(-1)).toBe('- member of pg_monitor (granted by adm): REVOKE "pg_monitor" FROM "whaly_bi"');
    });

    it("names a custom setting without its value, which may be a key row-level security checks", () => {
        const sentinel = "tenant-Key-5f3e9a";
        const { lines } = planAdoption(guideRole({ settings: [`app.tenant_key=${sentinel}`] }), planned({ versionNum: 180000 }));
        expect(lines).toContain('- setting app.tenant_key (its value not shown): ALTER ROLE "whaly_bi" RESET "app.tenant_key"');
        expect(lines.join("\n")).not.toContain(sentinel);
    });

    it("makes the alternating rotation's group NOLOGIN with no settings or limit, and keeps pg_read_all_data in the all-data mode", () => {
        const group = planAdoption(
            guideRole({ memberOf: [{ role: "pg_read_all_data", grantor: "postgres", adminMayRevoke: true, adminOption: false }] }),
            planned({ login: false, connectionLimit: -1, settings: {}, plan: planAccess([], [], { readAllData: true }), schemas: [] }),
        );
        expect(group.lines).toEqual([
            '~ LOGIN (the plan: NOLOGIN, a group): ALTER ROLE "whaly_bi" NOLOGIN',
            '~ connection limit 10 (the plan: -1): ALTER ROLE "whaly_bi" CONNECTION LIMIT -1',
            '- setting statement_timeout = 600000: ALTER ROLE "whaly_bi" RESET "statement_timeout"',
            '- setting idle_in_transaction_session_timeout = 60000: ALTER ROLE "whaly_bi" RESET "idle_in_transaction_session_timeout"',
            '- USAGE on schema public (granted by postgres): REVOKE USAGE ON SCHEMA "public" FROM "whaly_bi" (as postgres)',
            '- SELECT on table public.orders (granted by postgres): REVOKE SELECT ON TABLE "public"."orders" FROM "whaly_bi" (as postgres)',
            '- default SELECT on tables that etl creates in schema public: ALTER DEFAULT PRIVILEGES FOR ROLE "etl" IN SCHEMA "public" REVOKE SELECT ON TABLES FROM "whaly_bi"',
            '- default SELECT on sequences that etl creates in schema public: ALTER DEFAULT PRIVILEGES FOR ROLE "etl" IN SCHEMA "public" REVOKE SELECT ON SEQUENCES FROM "whaly_bi"',
        ]);
    });

    it("lists what the plan adds, and grants it first", () => {
        const role = guideRole({
            privileges: [],
            defaults: [],
            unreadable: [
                { schema: "public", name: "orders", sequence: false, owner: "etl" },
                { schema: "public", name: "orders_id_seq", sequence: true, owner: "etl" },
            ],
        });
        const { lines, grants, removals } = planAdoption(
            role,
            planned({ plan: planAccess(["public"], ["etl"], { defaultPrivilegesScope: "database" }) }),
        );
        // The take-over grants it all, in a transaction before the one that revokes; the children then find it in place.
        expect(removals).toEqual([]);
        expect(grants).toEqual([
            { sql: 'GRANT CONNECT ON DATABASE "analytics" TO "whaly_bi"' },
            { sql: 'GRANT USAGE ON SCHEMA "public" TO "whaly_bi"' },
            { sql: 'GRANT SELECT ON ALL TABLES IN SCHEMA "public" TO "whaly_bi"' },
            { sql: 'GRANT SELECT ON ALL SEQUENCES IN SCHEMA "public" TO "whaly_bi"' },
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
            memberOf: [{ role: "reporting", grantor: "owner", adminMayRevoke: false, adminOption: false }],
            beyondReach: [
                { reason: "owns", type: "table", identity: "public.scratch" },
                { reason: "elsewhere", database: "crm", owns: 0, holds: 2 },
            ],
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

    it("names each privilege of every kind the catalog holds for the role, with the SQL that revokes it as its grantor", () => {
        const role = guideRole();
        const extra = (kind: string, name: string, privilege: string, more: Partial<HeldPrivilege> = {}): HeldPrivilege => ({
            kind,
            name,
            privilege,
            grantor: "postgres",
            grantable: false,
            owner: "postgres",
            ...more,
        });
        role.privileges.push(
            extra("column", "people", "UPDATE", { schema: "legacy", detail: "email" }),
            extra("column", "people", "SELECT", { schema: "legacy", detail: "id" }),
            extra("domain", "amount", "USAGE", { schema: "public" }),
            extra("type", "mood", "USAGE", { schema: "public" }),
            extra("procedure", "tidy", "EXECUTE", { schema: "public", detail: "" }),
            extra("aggregate", "total", "EXECUTE", { schema: "public", detail: "integer" }),
            extra("language", "plpgsql", "USAGE"),
            extra("foreign data wrapper", "dummy_fdw", "USAGE"),
            extra("foreign server", "dummy_srv", "USAGE", { grantable: true }),
            extra("parameter", "work_mem", "SET"),
            extra("parameter", "log_min_duration_statement", "ALTER SYSTEM"),
            extra("tablespace", "spare", "CREATE"),
            extra("large object", "424242", "SELECT"),
            extra("large object", "424242", "UPDATE", { grantor: "etl", owner: "etl" }),
        );
        const { lines, grants, removals, problems } = planAdoption(role, planned());
        expect(problems).toEqual([]);
        expect(lines).toEqual([
            '- UPDATE on column legacy.people.email (granted by postgres): REVOKE UPDATE ("email") ON TABLE "legacy"."people" FROM "whaly_bi" (as postgres)',
            '- SELECT on column legacy.people.id (granted by postgres): REVOKE SELECT ("id") ON TABLE "legacy"."people" FROM "whaly_bi" (as postgres)',
            '- USAGE on domain public.amount (granted by postgres): REVOKE USAGE ON DOMAIN "public"."amount" FROM "whaly_bi" (as postgres)',
            '- USAGE on type public.mood (granted by postgres): REVOKE USAGE ON TYPE "public"."mood" FROM "whaly_bi" (as postgres)',
            '- EXECUTE on procedure public.tidy() (granted by postgres): REVOKE EXECUTE ON ROUTINE "public"."tidy"() FROM "whaly_bi" (as postgres)',
            '- EXECUTE on aggregate public.total(integer) (granted by postgres): REVOKE EXECUTE ON ROUTINE "public"."total"(integer) FROM "whaly_bi" (as postgres)',
            '- USAGE on language plpgsql (granted by postgres): REVOKE USAGE ON LANGUAGE "plpgsql" FROM "whaly_bi" (as postgres)',
            '- USAGE on foreign data wrapper dummy_fdw (granted by postgres): REVOKE USAGE ON FOREIGN DATA WRAPPER "dummy_fdw" FROM "whaly_bi" (as postgres)',
            '- USAGE on foreign server dummy_srv (granted by postgres): REVOKE USAGE ON FOREIGN SERVER "dummy_srv" FROM "whaly_bi" CASCADE (as postgres)',
            '- SET on parameter work_mem (granted by postgres): REVOKE SET ON PARAMETER "work_mem" FROM "whaly_bi" (as postgres)',
            '- ALTER SYSTEM on parameter log_min_duration_statement (granted by postgres): REVOKE ALTER SYSTEM ON PARAMETER "log_min_duration_statement" FROM "whaly_bi" (as postgres)',
            '- CREATE on tablespace spare (granted by postgres): REVOKE CREATE ON TABLESPACE "spare" FROM "whaly_bi" (as postgres)',
            '- SELECT on large object 424242 (granted by postgres): REVOKE SELECT ON LARGE OBJECT 424242 FROM "whaly_bi" (as postgres)',
            '- UPDATE on large object 424242 (granted by etl): REVOKE UPDATE ON LARGE OBJECT 424242 FROM "whaly_bi" (as etl)',
        ]);
        expect(grants).toEqual([]);
        expect(removals).toHaveLength(14);
    });

    it("revokes default privileges of every letter pg_default_acl holds, large objects (PostgreSQL 18) included", () => {
        const role = guideRole();
        role.defaults.push(
            { owner: "postgres", objectType: "f", privilege: "EXECUTE", grantable: false },
            { owner: "etl", schema: "public", objectType: "T", privilege: "USAGE", grantable: false },
            { owner: "intruder", objectType: "n", privilege: "CREATE", grantable: false },
            { owner: "postgres", objectType: "L", privilege: "SELECT", grantable: true },
            { owner: "etl", schema: "public", objectType: "S", privilege: "UPDATE", grantable: false },
        );
        expect(planAdoption(role, planned({ versionNum: 180000 })).lines).toEqual([
            '- default EXECUTE on routines that postgres creates in any schema: ALTER DEFAULT PRIVILEGES FOR ROLE "postgres" REVOKE EXECUTE ON ROUTINES FROM "whaly_bi"',
            '- default USAGE on types that etl creates in schema public: ALTER DEFAULT PRIVILEGES FOR ROLE "etl" IN SCHEMA "public" REVOKE USAGE ON TYPES FROM "whaly_bi"',
            '- default CREATE on schemas that intruder creates: ALTER DEFAULT PRIVILEGES FOR ROLE "intruder" REVOKE CREATE ON SCHEMAS FROM "whaly_bi"',
            '- default SELECT on large objects that postgres creates: ALTER DEFAULT PRIVILEGES FOR ROLE "postgres" REVOKE SELECT ON LARGE OBJECTS FROM "whaly_bi" CASCADE',
            '- default UPDATE on sequences that etl creates in schema public: ALTER DEFAULT PRIVILEGES FOR ROLE "etl" IN SCHEMA "public" REVOKE UPDATE ON SEQUENCES FROM "whaly_bi"',
        ]);
    });

    it("refuses an object kind or a default privilege letter it does not know, naming it, and plans nothing for it", () => {
        const role = guideRole();
        role.privileges.push({
            kind: "relation of relkind z",
            schema: "public",
            name: "future_thing",
            privilege: "SELECT",
            grantor: "postgres",
            grantable: false,
            owner: "postgres",
        });
        role.defaults.push({ owner: "etl", objectType: "Z", privilege: "USAGE", grantable: false });
        const { lines, grants, removals, problems } = planAdoption(role, planned());
        expect(problems.map((p) => `${p.field} ${p.value}: ${p.message}`)).toEqual([
            'adoptRole true: role whaly_bi holds SELECT on public.future_thing, which the catalog calls a "relation of relkind z", a kind of object the component does not know: revoke it by hand, then run up again',
            "adoptRole true: role whaly_bi holds default USAGE on objects of pg_default_acl type 'Z' that etl creates, a kind of object the component does not know: revoke it by hand (\\ddp lists it), then run up again",
        ]);
        expect(lines).toEqual([]);
        expect([...grants, ...removals]).toEqual([]);
    });

    it("grants what the plan holds before it revokes anything: the all-data mode's membership comes before the guide's grants go", () => {
        const { grants, removals } = planAdoption(guideRole(), planned({ plan: planAccess([], [], { readAllData: true }), schemas: [] }));
        expect(grants).toEqual([{ sql: 'GRANT "pg_read_all_data" TO "whaly_bi"' }]);
        expect(removals.map((s) => s.sql)).toEqual([
            'ALTER DEFAULT PRIVILEGES FOR ROLE "etl" IN SCHEMA "public" REVOKE SELECT ON TABLES FROM "whaly_bi"',
            'ALTER DEFAULT PRIVILEGES FOR ROLE "etl" IN SCHEMA "public" REVOKE SELECT ON SEQUENCES FROM "whaly_bi"',
            'REVOKE USAGE ON SCHEMA "public" FROM "whaly_bi"',
            'REVOKE SELECT ON TABLE "public"."orders" FROM "whaly_bi"',
        ]);
        // Since PostgreSQL 16 a membership inherits as the role did when granted: the plan's always does.
        const modern = planAdoption(
            guideRole({ attributes: { ...guideRole().attributes, inherit: false } }),
            planned({ plan: planAccess([], [], { readAllData: true }), schemas: [], versionNum: 170000 }),
        );
        expect(modern.grants).toEqual([
            { sql: 'ALTER ROLE "whaly_bi" INHERIT' },
            { sql: 'GRANT "pg_read_all_data" TO "whaly_bi" WITH INHERIT TRUE' },
        ]);
    });

    it("grants the listed schemas before a membership the role reads through goes", () => {
        const role = guideRole({
            privileges: [
                { kind: "database", name: "analytics", privilege: "CONNECT", grantor: "postgres", grantable: false, owner: "postgres" },
            ],
            memberOf: [{ role: "bi_readers", grantor: "postgres", adminMayRevoke: true, adminOption: false }],
            unreadable: [{ schema: "public", name: "orders", sequence: false, owner: "postgres" }],
        });
        const { grants, removals } = planAdoption(role, planned());
        expect(grants.map((s) => s.sql)).toEqual([
            'GRANT USAGE ON SCHEMA "public" TO "whaly_bi"',
            'GRANT SELECT ON ALL TABLES IN SCHEMA "public" TO "whaly_bi"',
        ]);
        expect(removals.map((s) => s.sql)).toEqual(['REVOKE "bi_readers" FROM "whaly_bi"']);
    });

    it("with a non-superuser admin, grants first as each object's owner where it may act as it, and leaves the rest to the children", () => {
        const role = guideRole({
            privileges: [],
            unreadable: [
                { schema: "public", name: "orders", sequence: false, owner: "etl" },
                { schema: "public", name: "audit_log", sequence: false, owner: "auditor" },
                { schema: "public", name: "orders_id_seq", sequence: true, owner: "etl" },
            ],
            owners: { database: "adm", schemas: { public: "pg_database_owner" } },
            adminActsAs: { adm: true, etl: true, pg_database_owner: true, auditor: false },
        });
        expect(planAdoption(role, planned({ admin: { name: "adm", superuser: false } })).grants).toEqual([
            { sql: 'GRANT CONNECT ON DATABASE "analytics" TO "whaly_bi"' },
            { sql: 'GRANT USAGE ON SCHEMA "public" TO "whaly_bi"', as: "pg_database_owner" },
            { sql: 'GRANT SELECT ON TABLE "public"."orders" TO "whaly_bi"', as: "etl" },
            { sql: 'GRANT SELECT ON SEQUENCE "public"."orders_id_seq" TO "whaly_bi"', as: "etl" },
        ]);
    });

    it("holds a privilege of the plan only as its owner grants it: another grantor's copy goes once the owner's is granted", () => {
        const role = guideRole({ unreadable: [{ schema: "public", name: "orders", sequence: false, owner: "postgres" }] });
        role.privileges[2] = { ...role.privileges[2], grantor: "etl" };
        const { lines, grants, removals } = planAdoption(role, planned());
        expect(lines).toEqual([
            '- SELECT on table public.orders (granted by etl; the plan\'s comes from its owner postgres): REVOKE SELECT ON TABLE "public"."orders" FROM "whaly_bi" (as etl)',
            '+ SELECT on 1 relation of schema public (public.orders): GRANT SELECT ON ALL TABLES IN SCHEMA "public" TO "whaly_bi"',
        ]);
        expect(grants).toEqual([{ sql: 'GRANT SELECT ON ALL TABLES IN SCHEMA "public" TO "whaly_bi"' }]);
        expect(removals).toEqual([{ sql: 'REVOKE SELECT ON TABLE "public"."orders" FROM "whaly_bi"', as: "etl" }]);
    });

    it("leaves the plan's membership as a fresh one is: INHERIT and SET back first (PostgreSQL 16+), the admin option gone", () => {
        const role = guideRole({
            privileges: [guideRole().privileges[0]],
            defaults: [],
            memberOf: [
                {
                    role: "pg_read_all_data",
                    grantor: "postgres",
                    adminMayRevoke: true,
                    adminOption: true,
                    inheritOption: false,
                    setOption: true,
                },
            ],
        });
        const { lines, grants, removals } = planAdoption(
            role,
            planned({ versionNum: 170000, plan: planAccess([], [], { readAllData: true }), schemas: [] }),
        );
        expect(lines).toEqual([
            '~ member of pg_read_all_data without INHERIT (granted by postgres; the plan: with INHERIT and SET): GRANT "pg_read_all_data" TO "whaly_bi" WITH INHERIT TRUE, SET TRUE GRANTED BY "postgres"',
            '- the admin option of member of pg_read_all_data (granted by postgres): REVOKE ADMIN OPTION FOR "pg_read_all_data" FROM "whaly_bi" GRANTED BY "postgres"',
        ]);
        expect(grants).toEqual([{ sql: 'GRANT "pg_read_all_data" TO "whaly_bi" WITH INHERIT TRUE, SET TRUE GRANTED BY "postgres"' }]);
        expect(removals).toEqual([{ sql: 'REVOKE ADMIN OPTION FOR "pg_read_all_data" FROM "whaly_bi" GRANTED BY "postgres"' }]);
    });

    it("revokes the role from its members, but for the alternating rotation's users, the admin, and a creator that may only administer it", () => {
        const role = guideRole({
            members: [
                { role: "analyst", grantor: "postgres", adminMayRevoke: true, adminOption: false },
                { role: "whaly_bi_a", grantor: "postgres", adminMayRevoke: true, adminOption: false },
                { role: "postgres", grantor: "postgres", adminMayRevoke: true, adminOption: false },
                { role: "ops", grantor: "postgres", adminMayRevoke: false, adminOption: true, inheritOption: false, setOption: false },
            ],
        });
        expect(planAdoption(role, planned({ members: ["whaly_bi_a", "whaly_bi_b"], versionNum: 160000 })).lines).toEqual([
            '- its member analyst (granted by postgres): REVOKE "whaly_bi" FROM "analyst" GRANTED BY "postgres"',
        ]);
    });

    it("refuses, by name and with the fix, what depends on the role beyond what the take-over removes", () => {
        const role = guideRole({
            beyondReach: [
                { reason: "owns", type: "user mapping", identity: "whaly_bi on server dummy_srv" },
                { reason: "owns", type: "default acl", identity: "for role whaly_bi in schema sales on tables" },
                { reason: "named", deptype: "r", catalog: "pg_policy", type: "policy", identity: "whaly_only on legacy.people" },
                { reason: "named", deptype: "a", catalog: "pg_publication", type: "publication", identity: "pub" },
                { reason: "named", deptype: "i", catalog: "pg_class", type: "table", identity: "ext.settings" },
                { reason: "named", deptype: "x", catalog: "pg_future", type: "future thing", identity: "f" },
                { reason: "elsewhere", database: "crm", owns: 1, holds: 0 },
            ],
        });
        const cannot = "which the component cannot take away from database analytics";
        expect(planAdoption(role, planned()).problems.map((p) => p.message)).toEqual([
            `role whaly_bi owns user mapping whaly_bi on server dummy_srv, ${cannot}: drop it (DROP USER MAPPING FOR "whaly_bi" SERVER dummy_srv), then run up again`,
            `role whaly_bi owns default acl for role whaly_bi in schema sales on tables (the default privileges it gives on what it creates), ${cannot}: revoke them (ALTER DEFAULT PRIVILEGES FOR ROLE "whaly_bi" IN SCHEMA sales REVOKE ALL ON TABLES FROM each role \\ddp shows there), then run up again`,
            `role whaly_bi is named by policy whaly_only on legacy.people, ${cannot}: take it out of the policy (ALTER POLICY whaly_only ON legacy.people TO the other roles, or DROP POLICY whaly_only ON legacy.people), then run up again`,
            `role whaly_bi is named in the privileges of publication pub beyond those the component reads, ${cannot}: revoke them by hand, then run up again`,
            `role whaly_bi is named in the initial privileges of table ext.settings (pg_init_privs, kept for an extension), ${cannot}: revoke them by hand, then run up again`,
            `role whaly_bi depends on future thing f in a way the component does not know (pg_shdepend type 'x', pg_future), ${cannot}: remove that by hand, then run up again`,
            `role whaly_bi owns 1 object in database crm, ${cannot}: the role only reads, so give what it owns to another role first (REASSIGN OWNED BY "whaly_bi" TO "postgres", run in each database concerned), then run up again`,
        ]);
    });
});
