/**
 * Stands in for components/server/facts.ts in the unit tests (`jest.mock`), which test the resource
 * graph without a server: every schema but "ghost" exists, so does every role the plan names, and
 * the admin is a superuser (but a user whose name ends in "wrong-password", whose login fails, and a database whose name starts with "gone", missing); Whaly's host, when another server, cannot be reached. With `adopt`, the BI role is one made by hand that holds nothing yet
 * but its attributes, so that adopting it adds grants and revokes nothing (nothing to run).
 * The preflight's verdicts are tested on their own (preflight.test.ts) and on real servers (test/e2e).
 */
import type { RoleHoldings } from "../../components/plan/adoption";
import { ConnectionError } from "../../components/connect/libpq";
import type { ServerFacts } from "../../components/plan/preflight";
import type { StandbyFacts } from "../../components/plan/whalyHost";

const HAND_MADE: RoleHoldings = {
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
    privileges: [],
    defaults: [],
    unreadable: [],
    beyondReach: [],
    adminActsAs: {},
    adminMayAlter: true,
};

export async function readServerFacts(
    settings: { user?: string; database?: string },
    _names: unknown,
    schemas: string[],
    roleNames: string[],
    _biRole: string,
    adopt = false,
): Promise<{ existingSchemas: string[]; server: ServerFacts; holdings?: RoleHoldings }> {
    if (settings.database?.startsWith("gone"))
        throw new ConnectionError(`database "${settings.database}" does not exist`, "database-missing");
    if (settings.user?.endsWith("wrong-password"))
        throw new ConnectionError(
            `password authentication failed for user "${settings.user}": check the user and admin.password`,
            "authentication",
        );
    return {
        holdings: adopt ? HAND_MADE : undefined,
        existingSchemas: schemas.filter((s) => s !== "ghost"),
        server: {
            versionNum: 180000,
            inRecovery: false,
            admin: { name: "postgres", superuser: true, createRole: true },
            roles: Object.fromEntries(
                roleNames.map((r) => [
                    r,
                    { superuser: false, adminHoldsAdminOption: true, adminIsMember: false, canLogin: true, memberOf: [] },
                ]),
            ),
            ownersBySchema: {},
            creatorsBySchema: {},
            unlistedSchemas: [],
            publicCreateSchemas: [],
        },
    };
}

export async function readStandbyFacts(settings: { host: string; port: number }): Promise<StandbyFacts> {
    throw new ConnectionError(`${settings.host}:${settings.port} cannot be reached (ENOTFOUND): check host and the port`, "unreachable");
}
