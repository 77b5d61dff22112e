/**
 * Preflight: what only the server knows, checked before anything is created, so that `preview`
 * fails where `up` would have failed half-way. Pure: the facts are read elsewhere
 * (server/facts.ts), the verdict is decided here.
 */
import { ArgProblem } from "../contract/validate";

/** The oldest major the component supports. */
export const MIN_SERVER_VERSION_NUM = 120000;

/** One role as the admin sees it. */
export interface RoleFacts {
    superuser: boolean;
    /** The admin may grant this role (ADMIN OPTION), which a non-superuser needs on PostgreSQL 16+. */
    adminHoldsAdminOption: boolean;
    /** The admin is already a direct member with SET, so the provider needs to grant it nothing. */
    adminIsMember: boolean;
    /** The role may log in. */
    canLogin: boolean;
    /** It has a password; known only to a superuser admin, who may read pg_authid. */
    hasPassword?: boolean;
    /** Roles it is a direct member of. */
    memberOf: string[];
}

/** What the check read from the server, connected as the admin or the provider. */
export interface ServerFacts {
    /** The cluster's system identifier (`pg_control_system()`), absent when the admin may not read it. */
    systemIdentifier?: string;
    /** `server_version_num`, e.g. 180004. */
    versionNum: number;
    /** The server is a read replica (in recovery), which refuses every change. */
    inRecovery: boolean;
    admin: { name: string; superuser: boolean; createRole: boolean };
    /** Every role named by the plan or owning what it grants on, by name; missing = does not exist. */
    roles: Record<string, RoleFacts>;
    /** Per listed schema, the roles owning it and its tables (pg_database_owner resolved). */
    ownersBySchema: Record<string, string[]>;
    /** Per listed schema, the roles that may create tables there or own some (see server/facts.ts), with the relations each owns. */
    creatorsBySchema: Record<string, Array<{ role: string; objects: number }>>;
    /** Every schema of the database that is not listed, system schemas left out. */
    unlistedSchemas: UnlistedSchema[];
    /** The schemas where PUBLIC may CREATE, so every role may: `public` on PostgreSQL 12-14, unless revoked. */
    publicCreateSchemas: string[];
}

/** A schema the args do not list, as the futureSchemas warnings need it. */
export interface UnlistedSchema {
    schema: string;
    /** Its owner, pg_database_owner resolved to the database's owner. */
    owner: string;
    /** Tables, views, materialized views and sequences in it. */
    relations: number;
    /** PUBLIC may use it (USAGE), as on `public` by default: then every role may reach what it grants SELECT on. */
    publicUsage: boolean;
    /** The BI role may use it already: a schema made since futureSchemas was deployed, or granted by hand. */
    roleUsage: boolean;
}

export interface PreflightInput {
    database: string;
    schemas: string[];
    tableCreators: string[];
    roleName: string;
    /** The all-data mode: membership in pg_read_all_data, which PostgreSQL 14 introduced. */
    readAllData: boolean;
    /** Schemas that exist in the database. */
    existingSchemas: string[];
    server: ServerFacts;
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Every problem the server's state poses to the plan, in the style of the args' errors. */
export function preflightProblems(input: PreflightInput): ArgProblem[] {
    const problems: ArgProblem[] = [];
    const problem = (field: string, value: unknown, message: string) => problems.push({ field, value, message });
    const { server } = input;

    if (server.inRecovery)
        problem(
            "server",
            "a read replica",
            "refuses every change: point the admin (or the provider) at the primary, and give the replica as host, where Whaly reads",
        );
    const major = Math.floor(server.versionNum / 10000);
    if (server.versionNum < MIN_SERVER_VERSION_NUM)
        problem("server", `PostgreSQL ${major}`, "is not supported: use PostgreSQL 12 or later");
    else if (input.readAllData && server.versionNum < 140000)
        problem(
            "readAllData",
            true,
            `needs PostgreSQL 14 or later (its predefined role pg_read_all_data), and the server runs PostgreSQL ${major}: list the schemas instead (readAllData: false)`,
        );

    input.schemas.forEach((schema, i) => {
        if (!input.existingSchemas.includes(schema))
            problem(
                `schemas[${i}]`,
                schema,
                `does not exist in database ${input.database}: create it first (CREATE SCHEMA ${quote(schema)}) or remove it from schemas (names are case-sensitive)`,
            );
    });

    input.tableCreators.forEach((creator, i) => {
        if (!server.roles[creator])
            problem(
                `tableCreators[${i}]`,
                creator,
                "is not a role on this server: create it first, or remove it from tableCreators (names are case-sensitive)",
            );
    });
    if (!server.admin.superuser) problems.push(...nonSuperuserAdminProblems(input, server));
    return problems;
}

/** A name of the plan's roles (`roleName`, or one of `loginUsers`) is taken by a role this stack does not manage. */
export function roleTakenProblem(roleName: string, field = "roleName"): ArgProblem {
    return {
        field,
        value: roleName,
        message: `already exists on the server and this stack does not manage it: pick another ${field}, or drop that role first (DROP ROLE ${quote(roleName)})`,
    };
}

/**
 * A login user of a deployed component given a new name some role has: the provider renames the
 * user in place (ALTER ROLE … RENAME), which PostgreSQL refuses; the other user's name included.
 */
export function loginUserTakenProblem(user: string): ArgProblem {
    return {
        field: "loginUsers",
        value: user,
        message:
            "is a role that already exists on the server: a deployed login user is renamed in place, which needs a name no role has " +
            "(the two users cannot swap names in one update): pick another name",
    };
}

/**
 * A new roleName for a role the stack deployed: the provider would rename it in place (ALTER ROLE
 * … RENAME), and the grants, replaced because their role changed, would REVOKE from the old name.
 */
export function roleRenamedProblem(from: string, to: string): ArgProblem {
    return {
        field: "roleName",
        value: to,
        message:
            `would rename the role ${from} this stack deployed, which its grants cannot follow: keep roleName ${JSON.stringify(from)}; ` +
            `to move Whaly to ${to}, add a component of another name with that roleName, give Whaly its outputs, then remove this one`,
    };
}

/**
 * A non-superuser admin (RDS, Cloud SQL, Azure) needs CREATEROLE for the BI role, and must become
 * a member of each table creator and of each owner of a listed schema or its tables: the provider
 * grants itself that membership for the length of each statement. Superusers cannot be granted
 * so, and since PostgreSQL 16 granting a role takes ADMIN OPTION on it, which CREATEROLE gives only
 * over the roles the admin created itself.
 */
function nonSuperuserAdminProblems(input: PreflightInput, server: ServerFacts): ArgProblem[] {
    const problems: ArgProblem[] = [];
    const admin = server.admin.name;
    if (!server.admin.createRole)
        problems.push({
            field: "admin.username",
            value: admin,
            message: `is neither a superuser nor has CREATEROLE, so it cannot create the BI role: run ALTER ROLE ${quote(admin)} CREATEROLE as a superuser`,
        });

    // Each role the provider must act for, with the arg that brings it in.
    const needs = new Map<string, { field: string; value: string; via: string }>();
    input.tableCreators.forEach((creator, i) => needs.set(creator, { field: `tableCreators[${i}]`, value: creator, via: "" }));
    if (input.readAllData) needs.set("pg_read_all_data", { field: "readAllData", value: "true", via: "" });
    input.schemas.forEach((schema, i) => {
        for (const owner of server.ownersBySchema[schema] ?? [])
            if (!needs.has(owner))
                needs.set(owner, { field: `schemas[${i}]`, value: schema, via: `role ${owner} owns the schema or tables in it, and ` });
    });
    for (const [role, { field, value, via }] of needs) {
        const facts = server.roles[role];
        if (!facts || role === admin) continue;
        if (facts.superuser)
            problems.push({
                field,
                value,
                message: `${via}${via ? "it " : ""}is a superuser, which the non-superuser admin ${admin} cannot act for: have a non-superuser role own the tables, or deploy with a superuser admin`,
            });
        else if (server.versionNum >= 160000 && !facts.adminHoldsAdminOption && !facts.adminIsMember)
            problems.push({
                field,
                value,
                message: `${via}the admin ${admin} may not grant role ${role} to itself (since PostgreSQL 16, CREATEROLE covers only the roles it created): run GRANT ${quote(role)} TO ${quote(admin)} WITH ADMIN OPTION as a superuser or as the role's creator`,
            });
    }
    return problems;
}

/**
 * With the alternating rotation, a passwordVersion other than the last one or the next: each user
 * keeps the password of the last version of its parity, so a jump (2 to 4) or a step back (3 to 2)
 * gives both users new passwords at once, the one Whaly logs in with among them.
 */
export function passwordVersionJumpProblem(was: number, to: number): ArgProblem {
    return {
        field: "passwordVersion",
        value: to,
        message:
            `goes from ${was} at this update, and with rotation "alternating" it must go one up at a time: ` +
            `any other change gives both users new passwords at once, and Whaly's login stops working. ` +
            `Keep ${was}, or set ${was + 1} to rotate once; once Whaly has the new credentials, the next bump may follow`,
    };
}

/** With the alternating rotation, a new passwordVersion in an update without the step that holds it (`up --target`). */
export function passwordVersionLeftOutProblem(component: string, was: number, to: number): ArgProblem {
    return {
        field: "passwordVersion",
        value: to,
        message:
            `${component}/password-version holds ${was}, and this update leaves it out (up --target): with rotation "alternating" ` +
            `a new version goes through that step, which checks it: run up without --target, or add that step's URN to the targets`,
    };
}

/** A deployed login user renamed (ALTER ROLE … RENAME), for a warning at preview and up, as a switch of rotation mode has. */
export function loginUserRenamedWarning(from: string, to: string): string {
    return (
        `loginUsers: user ${from} is renamed ${to} at this up: new logins as ${from} stop working (open sessions go on). ` +
        `Put the user and password outputs into Whaly's form`
    );
}

/**
 * What a switch of rotation mode on a live deployment stops, for a warning at preview and up:
 * to alternating, the role that Whaly logs in as becomes a NOLOGIN group; to single, the two users
 * (members of the role) are dropped. Sessions already open go on; new logins with them fail.
 */
export function rotationSwitchWarnings(
    roleName: string,
    rotation: "single" | "alternating",
    loginUsers: string[],
    server: ServerFacts,
): string[] {
    if (rotation === "alternating" && server.roles[roleName]?.canLogin)
        return [
            `rotation "alternating": role ${roleName} logs in today and becomes a NOLOGIN group at this up: new logins as ${roleName} stop working ` +
                `(open sessions go on). Put the user and password outputs (user ${loginUsers[0]}) into Whaly's form`,
        ];
    const members = loginUsers.filter((user) => server.roles[user]?.memberOf.includes(roleName));
    if (rotation === "single" && members.length > 0)
        return [
            `rotation "single": ${members.join(" and ")}, member${members.length === 1 ? "" : "s"} of ${roleName}, ` +
                `${members.length === 1 ? "is" : "are"} dropped at this up and their logins stop working. Put the user and password outputs (user ${roleName}) into Whaly's form`,
        ];
    return [];
}

/**
 * Where PUBLIC may CREATE (the `public` schema on PostgreSQL 12-14, as they ship), the BI role may
 * too, whatever the component grants: one warning per schema, with the fix.
 */
export function publicCreateWarnings(database: string, roleName: string, server: ServerFacts): string[] {
    return server.publicCreateSchemas.map(
        (schema) =>
            `PUBLIC may create in schema ${schema} of database ${database}${schema === "public" && server.versionNum < 150000 ? " (PostgreSQL 14 and earlier grant it by default)" : ""}, ` +
            `so ${roleName}, like every role, can create tables there and is not read-only: run REVOKE CREATE ON SCHEMA ${quote(schema)} FROM PUBLIC ` +
            `in database ${database} as the schema's owner or a superuser (PostgreSQL 15 ships so)`,
    );
}

/** A role that may create tables in a listed schema, or owns some there, and is not a table creator. */
export interface UncoveredCreator {
    schema: string;
    role: string;
    /** Tables, views and sequences it owns in the schema. */
    objects: number;
}

/** The roles of `creatorsBySchema` missing from `tableCreators`, per listed schema. */
export function uncoveredCreators(schemas: string[], tableCreators: string[], server: ServerFacts): UncoveredCreator[] {
    return schemas.flatMap((schema) =>
        (server.creatorsBySchema[schema] ?? []).filter((c) => !tableCreators.includes(c.role)).map((c) => ({ schema, ...c })),
    );
}

/** Every role found by `creatorsBySchema` in any listed schema, sorted: what discoverTableCreators covers. */
export function discoveredCreators(schemas: string[], server: ServerFacts): string[] {
    return [...new Set(schemas.flatMap((schema) => (server.creatorsBySchema[schema] ?? []).map((c) => c.role)))].sort();
}

/** The warning (or, with strictTableCreators, the problem) for one uncovered creator. */
export function uncoveredCreatorMessage(c: UncoveredCreator, roleName: string): string {
    return (
        `role ${c.role} may create tables in schema ${c.schema} and owns ${c.objects} relation${c.objects === 1 ? "" : "s"} there, ` +
        `but is not in tableCreators: what it creates later will be unreadable to ${roleName} until the next up --refresh. ` +
        `Add ${JSON.stringify(c.role)} to tableCreators, or set discoverTableCreators`
    );
}
