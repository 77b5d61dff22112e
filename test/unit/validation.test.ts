import * as pulumi from "@pulumi/pulumi";
import { providerWithConfig, registrationCount, valueOf } from "./pulumiMocks";
import { WhalyPostgresAccess, WhalyPostgresAccessArgs, WhalyPostgresArgsError } from "../../index";
import { BAD_INPUTS, hiddenParts } from "../harness/badInputs";
import { validateArgs } from "../../components/contract/validate";

jest.mock("../../components/server/facts", () => jest.requireActual("./serverFactsMock"));

const admin = { host: "db.internal", username: "postgres" };
const valid: WhalyPostgresAccessArgs = { database: "analytics", admin };

describe("bad input fails at construction, before anything is registered, naming the field, the value and the fix", () => {
    const provider = providerWithConfig("validation-pg", { host: "db.internal" });

    it.each(BAD_INPUTS)("$what", ({ args, withProvider, says, hidden }) => {
        const before = registrationCount();
        let thrown: unknown;
        try {
            new WhalyPostgresAccess("bad", { ...valid, ...args } as WhalyPostgresAccessArgs, withProvider ? { provider } : undefined);
        } catch (e) {
            thrown = e;
        }
        expect(thrown).toBeInstanceOf(WhalyPostgresArgsError);
        const message = (thrown as Error).message;
        expect(message).toContain('Invalid args for WhalyPostgresAccess "bad"');
        for (const fragment of says) expect(message).toContain(fragment);
        // Neither the message nor the problems the error carries.
        const shown = message + JSON.stringify((thrown as WhalyPostgresArgsError).problems);
        for (const part of hiddenParts(hidden)) expect(shown).not.toContain(part);
        expect(registrationCount()).toBe(before);
    });

    it("a secret or another resource's output where the arg must be plain is refused as such, not as a wrong value", () => {
        const thrown = (() => {
            try {
                new WhalyPostgresAccess("plain", {
                    ...valid,
                    roleName: pulumi.secret("whaly_bi"),
                    connectionLimit: pulumi.secret(7),
                    schemas: pulumi.output(["public"]),
                    tableCreators: ["etl", pulumi.output("dbt")],
                } as unknown as WhalyPostgresAccessArgs);
            } catch (e) {
                return e as WhalyPostgresArgsError;
            }
        })();
        expect(thrown).toBeInstanceOf(WhalyPostgresArgsError);
        const plain =
            "is an Output (a secret, or another resource's output): this arg decides the component's children, so give its value itself";
        expect(thrown!.problems.map((p) => `${p.field}: ${p.message}`)).toEqual(
            ["schemas", "tableCreators[1]", "roleName", "connectionLimit"].map((field) => `${field}: ${plain}`),
        );
    });

    it("lists every problem at once", () => {
        expect(() => new WhalyPostgresAccess("bad", { ...valid, port: 0, schemas: ["pg_x", "pg_x"] })).toThrow(
            expect.objectContaining({
                problems: [
                    expect.objectContaining({ field: "schemas[0]", value: "pg_x" }),
                    expect.objectContaining({ field: "schemas[1]", value: "pg_x", message: expect.stringContaining("reserved") }),
                    expect.objectContaining({
                        field: "schemas[1]",
                        value: "pg_x",
                        message: expect.stringContaining("duplicates schemas[0]"),
                    }),
                    expect.objectContaining({ field: "port", value: 0 }),
                ],
            }),
        );
    });

    it("never shows the password in an error", () => {
        expect(() => new WhalyPostgresAccess("bad", { ...valid, password: "hunter2-secret-pw", passwordLength: 20 })).toThrow(
            expect.objectContaining({ message: expect.not.stringContaining("hunter2") }),
        );
    });

    it("accepts literal names that need quoting: mixed case, hyphen, space, non-ASCII", async () => {
        const component = new WhalyPostgresAccess("quoted", {
            ...valid,
            roleName: "Whaly BI",
            schemas: ["Sales", "sales", "ventes-été", "Finance Data"],
            tableCreators: ["ETL-Bot", "PG_admin"],
        });
        expect(await valueOf(component.user)).toBe("Whaly BI");
    });
});

describe("futureSchemas", () => {
    it("takes database-wide default privileges, whether the scope is left out or asked for; without it the scope stays per schema", () => {
        for (const scope of [undefined, "database"])
            expect(validateArgs("f", { ...valid, futureSchemas: true, defaultPrivilegesScope: scope }, false)).toMatchObject({
                futureSchemas: true,
                defaultPrivilegesScope: "database",
            });
        expect(validateArgs("f", valid, false)).toMatchObject({ futureSchemas: false, defaultPrivilegesScope: "schema" });
    });

    it("works with discoverTableCreators and the alternating rotation", () => {
        expect(
            validateArgs("f", { ...valid, futureSchemas: true, discoverTableCreators: true, rotation: "alternating" }, false),
        ).toMatchObject({ futureSchemas: true, discoverTableCreators: true, rotation: "alternating", tableCreators: [] });
    });
});
