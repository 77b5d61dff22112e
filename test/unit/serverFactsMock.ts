/**
 * Stands in for components/serverFacts.ts in the unit tests (`jest.mock`), which test the resource
 * graph without a server: every schema but "ghost" exists, so does every role the plan names, and
 * the admin is a superuser; Whaly's host, when another server, cannot be reached. The preflight's verdicts are tested on their own (preflight.test.ts)
 * and on real servers (test/e2e).
 */
import { ConnectionError } from "../../components/libpq";
import type { ServerFacts } from "../../components/preflight";
import type { StandbyFacts } from "../../components/whalyHost";

export async function readServerFacts(
    _settings: unknown,
    _names: unknown,
    schemas: string[],
    roleNames: string[],
): Promise<{ existingSchemas: string[]; server: ServerFacts }> {
    return {
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
        },
    };
}

export async function readStandbyFacts(settings: { host: string; port: number }): Promise<StandbyFacts> {
    throw new ConnectionError(`${settings.host}:${settings.port} cannot be reached (ENOTFOUND): check host and the port`, "unreachable");
}
