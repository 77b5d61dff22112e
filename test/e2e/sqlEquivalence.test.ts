/**
 * The rendered SQL (renderAccessSql) is what the component does: on two identical fresh servers,
 * one gets the SQL by hand and the other the component through the real CLI and provider; the
 * role's catalog privileges, attributes and behaviour must be equal. On every major in the
 * default mode, and on the newest in the compact and all-data modes.
 */
import { randomBytes } from "node:crypto";
import { NEWEST_MAJOR, POSTGRES_MAJORS, PostgresMajor, PostgresServer, startPostgres } from "../../scripts/lib/postgresServer";
import { WhalyPostgresAccessArgs } from "../../index";
import { scramVerifier } from "../../components/scram";
import { renderAccessSql } from "../../components/sql";
import { privilegesOf, roleAttributes } from "../harness/catalog";
import { as } from "../harness/sessions";
import { newTestStack } from "../harness/stack";
import { accessReport, createLaterObjects, DATABASE, laterObjectsReadable, seedWarehouse } from "../harness/warehouse";
import { accessProgram, outputValues } from "./support/program";

jest.setTimeout(300_000);

const BY_HAND_PASSWORD = "by-hand-Password-0123456789";

/** Everything observable of the role on `server`, logging in with `password`. */
async function observed(server: PostgresServer, password: string) {
    await createLaterObjects(server, ["etl", "intruder"]);
    return {
        privileges: await privilegesOf(server, DATABASE, "whaly_bi"),
        attributes: await roleAttributes(server, "whaly_bi"),
        access: await as(server, DATABASE, "whaly_bi", password, accessReport),
        later: await as(server, DATABASE, "whaly_bi", password, (s) => laterObjectsReadable(s, ["etl", "intruder"])),
    };
}

const cases: Array<[PostgresMajor, string, Partial<WhalyPostgresAccessArgs>]> = [
    ...POSTGRES_MAJORS.map((major): [PostgresMajor, string, Partial<WhalyPostgresAccessArgs>] => [
        major,
        "listed schemas",
        { schemas: ["public", "sales"], tableCreators: ["etl"] },
    ]),
    [NEWEST_MAJOR, "compact", { schemas: ["public", "sales"], tableCreators: ["etl"], defaultPrivilegesScope: "database" }],
    [NEWEST_MAJOR, "all data", { readAllData: true }],
];

describe.each(cases)("PostgreSQL %i, %s: the rendered SQL by hand and the component", (major, label, args) => {
    it("give the role the same privileges, attributes and behaviour", async () => {
        const [byHand, deployed] = await Promise.all([startPostgres(major), startPostgres(major)]);
        const t = await newTestStack(`sql-${major}-${label.replace(/ /g, "-")}`, accessProgram(deployed, args));
        try {
            await Promise.all([seedWarehouse(byHand), seedWarehouse(deployed)]);
            const sql = renderAccessSql({ database: DATABASE, ...args }, { password: scramVerifier(BY_HAND_PASSWORD, randomBytes(16)) });
            await byHand.query(["BEGIN", ...sql, "COMMIT"].join(";\n"), { database: DATABASE });
            await t.stack.up();
            const password = (await outputValues(t.stack)).password as string;
            const expected = await observed(byHand, BY_HAND_PASSWORD);
            expect(expected.privileges.length).toBeGreaterThan(0);
            expect(await observed(deployed, password)).toEqual(expected);
            await t.stack.destroy();
        } finally {
            t.dispose();
            byHand.stop();
            deployed.stop();
        }
    });
});
