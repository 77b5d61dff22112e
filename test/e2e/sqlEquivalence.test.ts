/**
 * The rendered SQL (renderAccessSql) is what the component does: on two identical fresh servers,
 * one gets the script through the real `psql -v ON_ERROR_STOP=1 -f`, started in database
 * `postgres` as a DBA would, and the other the component through the real CLI and provider; the
 * role's catalog privileges, attributes and behaviour must be equal. On every major in the default
 * mode, on the newest in the compact, all-data and futureSchemas modes and the alternating
 * rotation, and there again with a database, schemas and a table creator whose names need quoting.
 * After the deploy, each creator also makes a schema of its own with a table in it.
 */
import { randomBytes } from "node:crypto";
import { NEWEST_MAJOR, POSTGRES_MAJORS, PostgresMajor, PostgresServer, startPostgres } from "../../scripts/lib/postgresServer";
import { WhalyPostgresAccessArgs } from "../../index";
import { scramVerifier } from "../../components/plan/scram";
import { quoteIdentifier, renderAccessSql } from "../../components/plan/sql";
import { privilegesOf, roleAttributes } from "../harness/catalog";
import { psql } from "../harness/psql";
import { as } from "../harness/sessions";
import { newTestStack } from "../harness/stack";
import { accessReport, createLaterObjects, DATABASE, laterObjectsReadable, seedWarehouse } from "../harness/warehouse";
import { accessProgram, outputValues } from "./support/program";

jest.setTimeout(300_000);

const BY_HAND_PASSWORD = "by-hand-Password-0123456789";

/** The names of a warehouse: the test warehouse's, or ones that need quoting everywhere. */
interface Names {
    database: string;
    schemas: string[];
    creator: string;
}
const PLAIN: Names = { database: DATABASE, schemas: ["public", "sales"], creator: "etl" };
const QUOTED: Names = { database: "Analytics DB", schemas: ["public", "Sales Data"], creator: "ETL-Bot" };

/** A warehouse with quoted names: a table and a sequence in each schema, a creator that may create in them. */
async function seedQuoted(server: PostgresServer): Promise<void> {
    const [db, creator] = [quoteIdentifier(QUOTED.database), quoteIdentifier(QUOTED.creator)];
    await server.query(`CREATE ROLE ${creator} LOGIN PASSWORD 'creator-password'`);
    await server.query(`CREATE DATABASE ${db}`);
    const schemas = QUOTED.schemas.map(quoteIdentifier);
    await server.query(
        [
            `CREATE SCHEMA ${schemas[1]}`,
            `GRANT USAGE, CREATE ON SCHEMA ${schemas.join(", ")} TO ${creator}`,
            ...schemas.map((s) => `CREATE TABLE ${s}."Orders" (id serial PRIMARY KEY)`),
        ].join(";\n"),
        { database: QUOTED.database },
    );
}

/** Everything observable of the role (and its users) on `server`, logging in as `user` with `password`. */
async function observed(server: PostgresServer, names: Names, user: string, password: string) {
    const roles = user === "whaly_bi" ? ["whaly_bi"] : ["whaly_bi", "whaly_bi_a", "whaly_bi_b"];
    const common = {
        privileges: await privilegesOf(server, names.database, "whaly_bi"),
        attributes: await Promise.all(roles.map((role) => roleAttributes(server, role))),
    };
    if (names === PLAIN) {
        await createLaterObjects(server, ["etl", "intruder"]);
        // And a schema of each, made after the deploy (what futureSchemas opens for a creator).
        await server.query(`GRANT CREATE ON DATABASE ${DATABASE} TO etl, intruder`);
        for (const creator of ["etl", "intruder"])
            await server.query(`CREATE SCHEMA ${creator}_fresh; CREATE TABLE ${creator}_fresh.t (id serial)`, {
                database: DATABASE,
                user: creator,
                password: "creator-password",
            });
        return {
            ...common,
            access: await as(server, DATABASE, user, password, accessReport),
            later: await as(server, DATABASE, user, password, (s) => laterObjectsReadable(s, ["etl", "intruder"])),
            freshSchemas: await as(server, DATABASE, user, password, async (s) => ({
                etl: await s.canSelect("etl_fresh.t"),
                intruder: await s.canSelect("intruder_fresh.t"),
            })),
            privilegesAfter: await privilegesOf(server, DATABASE, "whaly_bi"),
        };
    }
    const later = `${quoteIdentifier(QUOTED.schemas[1])}."Later"`;
    const creator = { database: QUOTED.database, user: QUOTED.creator, password: "creator-password" };
    await server.query(`CREATE TABLE ${later} (id int)`, creator);
    await server.query(`GRANT CREATE ON DATABASE ${quoteIdentifier(QUOTED.database)} TO ${quoteIdentifier(QUOTED.creator)}`);
    await server.query(`CREATE SCHEMA "Fresh Data"; CREATE TABLE "Fresh Data"."Loads" (id int)`, creator);
    return {
        ...common,
        privileges: await privilegesOf(server, QUOTED.database, "whaly_bi"),
        reads: await as(server, QUOTED.database, user, password, async (s) => ({
            orders: await s.canSelect(`${quoteIdentifier(QUOTED.schemas[1])}."Orders"`),
            later: await s.canSelect(later),
            fresh: await s.canSelect(`"Fresh Data"."Loads"`),
        })),
    };
}

type Case = [PostgresMajor, string, Names, Partial<WhalyPostgresAccessArgs>];
const modes = (names: Names): Array<[string, Partial<WhalyPostgresAccessArgs>]> => [
    ["listed schemas", { schemas: names.schemas, tableCreators: [names.creator] }],
    ["compact", { schemas: names.schemas, tableCreators: [names.creator], defaultPrivilegesScope: "database" }],
    ["all data", { readAllData: true }],
    ["future schemas", { schemas: names.schemas, tableCreators: [names.creator], futureSchemas: true }],
];
const cases: Case[] = [
    ...POSTGRES_MAJORS.map((major): Case => [major, "listed schemas", PLAIN, modes(PLAIN)[0][1]]),
    ...modes(PLAIN)
        .slice(1)
        .map(([label, args]): Case => [NEWEST_MAJOR, label, PLAIN, args]),
    [NEWEST_MAJOR, "alternating rotation, version 2", PLAIN, { ...modes(PLAIN)[0][1], rotation: "alternating", passwordVersion: 2 }],
    ...modes(QUOTED).map(([label, args]): Case => [NEWEST_MAJOR, `${label}, names that need quoting`, QUOTED, args]),
];

describe.each(cases)("PostgreSQL %i, %s: the rendered SQL through psql and the component", (major, label, names, args) => {
    it("give the role the same privileges, attributes and behaviour", async () => {
        const [byHand, deployed] = await Promise.all([startPostgres(major), startPostgres(major)]);
        const t = await newTestStack(
            `sql-${major}-${label.replace(/[ ,]+/g, "-")}`,
            accessProgram(deployed, { database: names.database, ...args }),
        );
        try {
            const seed = names === PLAIN ? seedWarehouse : seedQuoted;
            await Promise.all([seed(byHand), seed(deployed)]);
            // Each placeholder filled by hand, as docs/sql.md says (renderAccessSql takes one password for one login only).
            const verifier = scramVerifier(BY_HAND_PASSWORD, randomBytes(16));
            psql(
                byHand,
                renderAccessSql({ database: names.database, ...args }).replaceAll("'<password elided>'", () => `'${verifier}'`),
            );
            await t.stack.up();
            const out = await outputValues(t.stack);
            // By hand, every PASSWORD clause got the same password: log in as the user the component made current.
            const expected = await observed(byHand, names, out.user as string, BY_HAND_PASSWORD);
            expect(expected.privileges.length).toBeGreaterThan(0);
            expect(await observed(deployed, names, out.user as string, out.password as string)).toEqual(expected);
            await t.stack.destroy();
        } finally {
            t.dispose();
            byHand.stop();
            deployed.stop();
        }
    });
});
