/**
 * Stands in for components/serverFacts.ts in the unit tests (`jest.mock`), which test the resource
 * graph without a server: every schema but "ghost" exists, so does every role the plan names, and
 * the admin is a superuser. The preflight's verdicts are tested on their own (preflight.test.ts)
 * and on real servers (test/e2e).
 */
import type { ServerFacts } from "../../components/preflight";

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
            unlistedSchemas: [],
        },
    };
}
