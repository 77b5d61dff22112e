/**
 * What futureSchemas covers, said at preview and up: which roles' new schemas the BI role reads
 * (one info line), and each existing schema of those roles that is not listed (one warning each):
 * default privileges apply only to what is created after them, so such a schema stays closed.
 * Pure: the facts are read by serverFacts.ts.
 */
import { ServerFacts, UnlistedSchema } from "./preflight";

/** `a`, `a and b`, `a, b and c`. */
function namesInProse(names: string[]): string {
    return names.length <= 1 ? (names[0] ?? "") : `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}

/** The info line: whose future schemas `roleName` reads. */
export function futureSchemasCoverage(tableCreators: string[], roleName: string): string {
    return (
        `futureSchemas: the schemas that ${namesInProse(tableCreators)} ${tableCreators.length === 1 ? "creates" : "create"} from now on, with the tables, views and sequences ` +
        `the table creators make in them, are readable by ${roleName} at once; schemas of other roles stay closed`
    );
}

/** The unlisted schemas owned by a table creator that the role may not use: those made before futureSchemas, which it does not open. */
export function unlistedCreatorSchemas(tableCreators: string[], server: ServerFacts): UnlistedSchema[] {
    return server.unlistedSchemas.filter((s) => tableCreators.includes(s.owner) && !s.roleUsage);
}

/** The warning for one of {@link unlistedCreatorSchemas}. */
export function unlistedSchemaWarning(s: UnlistedSchema, roleName: string): string {
    const one = s.relations === 1;
    const relations = `${s.relations} relation${one ? "" : "s"}`;
    const fix = `add ${JSON.stringify(s.schema)} to schemas`;
    if (s.publicUsage)
        return (
            `schema ${s.schema}, owned by ${s.owner}, is not listed: its ${relations} today ${one ? "is" : "are"} not readable by ${roleName}, ` +
            `but the tables and sequences the table creators make there from now on are (PUBLIC may use the schema); ${fix} to read all of it`
        );
    return (
        `schema ${s.schema}, owned by ${s.owner}, is not listed: ${roleName} reads nothing in it, neither its ${relations} today ` +
        `nor what is made there later (futureSchemas opens the schemas created from now on); ${fix}`
    );
}
