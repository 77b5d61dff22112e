import {
    PreflightInput,
    preflightProblems,
    publicCreateWarnings,
    roleTakenProblem,
    rotationSwitchWarnings,
    ServerFacts,
} from "../../components/plan/preflight";

const role = (over: Partial<ServerFacts["roles"][string]> = {}): ServerFacts["roles"][string] => ({
    superuser: false,
    adminHoldsAdminOption: false,
    adminIsMember: false,
    canLogin: true,
    memberOf: [],
    ...over,
});

/** A managed-service server: admin `adm` with CREATEROLE, creators `etl` (not the admin's) and `loader` (the admin's). */
function server(versionNum: number, over: Partial<ServerFacts> = {}): ServerFacts {
    return {
        versionNum,
        inRecovery: false,
        admin: { name: "adm", superuser: false, createRole: true },
        roles: { adm: role(), etl: role(), loader: role({ adminHoldsAdminOption: true }) },
        ownersBySchema: { sales: ["adm"] },
        creatorsBySchema: {},
        unlistedSchemas: [],
        publicCreateSchemas: [],
        ...over,
    };
}

const input = (over: Partial<PreflightInput> = {}): PreflightInput => ({
    database: "analytics",
    schemas: ["sales"],
    tableCreators: ["adm", "loader", "etl"],
    roleName: "whaly_bi",
    readAllData: false,
    existingSchemas: ["public", "sales"],
    server: server(150000),
    ...over,
});

const fields = (i: PreflightInput) => preflightProblems(i).map((p) => `${p.field} ${p.value}`);

describe("preflight verdicts", () => {
    it("refuse the all-data mode before PostgreSQL 14, and on 16+ ask a non-superuser admin for ADMIN OPTION on pg_read_all_data", () => {
        const allData = { readAllData: true, schemas: [], tableCreators: [] };
        expect(fields(input({ ...allData, server: server(130011) }))).toEqual(["readAllData true"]);
        expect(preflightProblems(input({ ...allData, server: server(130011) }))[0].message).toContain("needs PostgreSQL 14 or later");
        expect(fields(input({ ...allData, server: server(150000, { roles: { pg_read_all_data: role() } }) }))).toEqual([]);
        const on18 = preflightProblems(input({ ...allData, server: server(180000, { roles: { pg_read_all_data: role() } }) }));
        expect(on18.map((p) => p.message)).toEqual([expect.stringContaining('run GRANT "pg_read_all_data" TO "adm" WITH ADMIN OPTION')]);
    });

    it("pass when everything exists and the admin can act for every creator (PostgreSQL 15, CREATEROLE)", () => {
        expect(preflightProblems(input())).toEqual([]);
    });

    it("name each missing schema and creator, with the fix", () => {
        const problems = preflightProblems(input({ schemas: ["sales", "ghost"], tableCreators: ["adm", "nobody"] }));
        expect(problems.map((p) => `${p.field} ${p.value}`)).toEqual(["schemas[1] ghost", "tableCreators[1] nobody"]);
        expect(problems[0].message).toContain('CREATE SCHEMA "ghost"');
        expect(problems[1].message).toContain("remove it from tableCreators");
    });

    it("say how to free a BI role name taken by a role this stack does not manage", () => {
        expect(roleTakenProblem("Whaly BI")).toEqual({
            field: "roleName",
            value: "Whaly BI",
            message:
                'already exists on the server and this stack does not manage it: pick another roleName, or drop that role first (DROP ROLE "Whaly BI")',
        });
    });

    it("refuse a read replica, which refuses every change, saying where to point the admin", () => {
        const problems = preflightProblems(input({ server: server(150000, { inRecovery: true }) }));
        expect(problems.map((p) => `${p.field} ${p.value}`)).toEqual(["server a read replica"]);
        expect(problems[0].message).toContain("point the admin (or the provider) at the primary, and give the replica as host");
    });

    it("refuse servers older than PostgreSQL 12", () => {
        expect(fields(input({ server: server(110022) }))).toEqual(["server PostgreSQL 11"]);
    });

    it("on PostgreSQL 16+, ask for ADMIN OPTION on each role the non-superuser admin did not create, with the exact GRANT", () => {
        const problems = preflightProblems(input({ server: server(160000) }));
        expect(problems.map((p) => `${p.field} ${p.value}`)).toEqual(["tableCreators[2] etl"]);
        expect(problems[0].message).toContain('run GRANT "etl" TO "adm" WITH ADMIN OPTION');
        // Owners of the schema or its tables count too, under the schema's field.
        const owned = preflightProblems(
            input({ tableCreators: ["adm"], server: server(180000, { ownersBySchema: { sales: ["adm", "etl"] } }) }),
        );
        expect(owned.map((p) => `${p.field} ${p.value}`)).toEqual(["schemas[0] sales"]);
        expect(owned[0].message).toContain("role etl owns the schema or tables in it, and the admin adm may not grant role etl to itself");
    });

    it("need nothing more of a superuser admin, nor for a role the admin is already a member of", () => {
        expect(fields(input({ server: server(180000, { admin: { name: "adm", superuser: true, createRole: true } }) }))).toEqual([]);
        expect(
            fields(
                input({
                    server: server(180000, {
                        roles: { adm: role(), loader: role({ adminHoldsAdminOption: true }), etl: role({ adminIsMember: true }) },
                    }),
                }),
            ),
        ).toEqual([]);
    });

    it("refuse a non-superuser admin without CREATEROLE, and superuser creators it cannot act for", () => {
        const problems = preflightProblems(
            input({
                server: server(150000, {
                    admin: { name: "adm", superuser: false, createRole: false },
                    roles: { adm: role(), loader: role(), etl: role({ superuser: true }) },
                }),
            }),
        );
        expect(problems.map((p) => `${p.field} ${p.value}`)).toEqual(["admin.username adm", "tableCreators[2] etl"]);
        expect(problems[0].message).toContain('ALTER ROLE "adm" CREATEROLE');
        expect(problems[1].message).toContain("is a superuser");
    });

    it("warn of what a switch of rotation mode stops, and only then", () => {
        const single = server(180000, { roles: { whaly_bi: role() } });
        const alternating = server(180000, {
            roles: {
                whaly_bi: role({ canLogin: false }),
                whaly_bi_a: role({ memberOf: ["whaly_bi"] }),
                whaly_bi_b: role({ memberOf: ["whaly_bi"] }),
            },
        });
        const users = ["whaly_bi_a", "whaly_bi_b"];
        expect(rotationSwitchWarnings("whaly_bi", "alternating", users, single)).toEqual([
            expect.stringContaining(
                "role whaly_bi logs in today and becomes a NOLOGIN group at this up: new logins as whaly_bi stop working",
            ),
        ]);
        expect(rotationSwitchWarnings("whaly_bi", "single", users, alternating)).toEqual([
            expect.stringContaining("whaly_bi_a and whaly_bi_b, members of whaly_bi, are dropped at this up and their logins stop working"),
        ]);
        expect(rotationSwitchWarnings("whaly_bi", "alternating", users, alternating)).toEqual([]);
        expect(rotationSwitchWarnings("whaly_bi", "single", users, single)).toEqual([]);
        // Roles of those names that are not members of the group are none of the component's business.
        expect(rotationSwitchWarnings("whaly_bi", "single", users, server(180000, { roles: { whaly_bi_a: role() } }))).toEqual([]);
    });
});

describe("PUBLIC's CREATE", () => {
    it("warns once per schema where PUBLIC may create, naming the REVOKE that fixes it, and the default that gives it before 15", () => {
        expect(publicCreateWarnings("analytics", "whaly_bi", server(140000, { publicCreateSchemas: ["public", "Scratch"] }))).toEqual([
            "PUBLIC may create in schema public of database analytics (PostgreSQL 14 and earlier grant it by default), so whaly_bi, like every role, " +
                'can create tables there and is not read-only: run REVOKE CREATE ON SCHEMA "public" FROM PUBLIC in database analytics as the ' +
                "schema's owner or a superuser (PostgreSQL 15 ships so)",
            "PUBLIC may create in schema Scratch of database analytics, so whaly_bi, like every role, can create tables there and is not " +
                'read-only: run REVOKE CREATE ON SCHEMA "Scratch" FROM PUBLIC in database analytics as the schema\'s owner or a superuser ' +
                "(PostgreSQL 15 ships so)",
        ]);
        expect(publicCreateWarnings("analytics", "whaly_bi", server(120000))).toEqual([]);
    });
});
