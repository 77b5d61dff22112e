import { futureSchemasCoverage, unlistedCreatorSchemas, unlistedSchemaWarning } from "../../components/plan/futureSchemas";
import { ServerFacts, UnlistedSchema } from "../../components/plan/preflight";

const unlisted: UnlistedSchema[] = [
    { schema: "staging", owner: "etl", relations: 3, publicUsage: false, roleUsage: false },
    { schema: "public", owner: "dbt", relations: 1, publicUsage: true, roleUsage: false },
    { schema: "hr", owner: "hr_admin", relations: 12, publicUsage: false, roleUsage: false },
    // Made by dbt since the deploy: its default privileges gave the role USAGE.
    { schema: "dbt_alice", owner: "dbt", relations: 4, publicUsage: false, roleUsage: true },
];
const server = { unlistedSchemas: unlisted } as ServerFacts;

describe("what futureSchemas says at preview and up", () => {
    it("names, in one line, the roles whose new schemas the role reads, and says the rest stay closed", () => {
        expect(futureSchemasCoverage(["etl"], "whaly_bi")).toBe(
            "futureSchemas: the schemas that etl creates from now on, with the tables, views and sequences the table creators make in them, are readable by whaly_bi at once; schemas of other roles stay closed",
        );
        expect(futureSchemasCoverage(["etl", "dbt", "loader"], "bi")).toContain("the schemas that etl, dbt and loader create from now on");
        expect(futureSchemasCoverage(["etl", "dbt"], "bi")).toContain("the schemas that etl and dbt create from now on");
    });

    it("warns of the unlisted schemas a table creator owns that the role may not use, and of no other role's", () => {
        expect(unlistedCreatorSchemas(["etl", "dbt"], server).map((s) => s.schema)).toEqual(["staging", "public"]);
        expect(unlistedCreatorSchemas(["loader"], server)).toEqual([]);
    });

    it("says such a schema stays closed, today and later, and to list it", () => {
        expect(unlistedSchemaWarning(unlisted[0], "whaly_bi")).toBe(
            'schema staging, owned by etl, is not listed: whaly_bi reads nothing in it, neither its 3 relations today nor what is made there later (futureSchemas opens the schemas created from now on); add "staging" to schemas',
        );
    });

    it("says that where PUBLIC may use the schema, what the creators make there from now on is readable, and what exists is not", () => {
        expect(unlistedSchemaWarning(unlisted[1], "whaly_bi")).toBe(
            'schema public, owned by dbt, is not listed: its 1 relation today is not readable by whaly_bi, but the tables and sequences the table creators make there from now on are (PUBLIC may use the schema); add "public" to schemas to read all of it',
        );
    });
});
