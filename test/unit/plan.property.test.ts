import fc from "fast-check";
import { AccessPlan, DefaultPrivilegesScope, planAccess } from "../../components/plan/grants";

// Literal PostgreSQL names: any text the validator accepts, including "/", "%", spaces and non-ASCII.
const identifier = fc
    .string({ unit: fc.constantFrom("a", "B", "_", "-", "/", "%", " ", "é", "2", "x"), minLength: 1, maxLength: 8 })
    .filter((s) => s.trim() === s && !s.startsWith("pg_"));
const names = (min: number) => fc.uniqueArray(identifier, { minLength: min, maxLength: 6 });

function byName(plan: AccessPlan): Map<string, unknown> {
    return new Map([...plan.grants, ...plan.defaultPrivileges].map((item) => [item.name, item]));
}

describe("planAccess", () => {
    it("plans CONNECT once and, per schema, exactly one USAGE, one table and one sequence grant", () => {
        fc.assert(
            fc.property(names(1), names(1), (schemas, creators) => {
                const { grants } = planAccess(schemas, creators);
                expect(grants.filter((g) => g.objectType === "database")).toEqual([
                    { name: "connect", objectType: "database", privileges: ["CONNECT"] },
                ]);
                for (const schema of schemas) {
                    for (const [objectType, privileges] of [
                        ["schema", ["USAGE"]],
                        ["table", ["SELECT"]],
                        ["sequence", ["SELECT"]],
                    ]) {
                        const matching = grants.filter((g) => g.schema === schema && g.objectType === objectType);
                        expect(matching.map((g) => g.privileges)).toEqual([privileges]);
                    }
                }
                expect(grants).toHaveLength(1 + 3 * schemas.length);
            }),
        );
    });

    it("in the compact mode, plans SELECT default privileges on tables and on sequences once per creator, database-wide", () => {
        fc.assert(
            fc.property(names(1), names(1), (schemas, creators) => {
                const { grants, defaultPrivileges } = planAccess(schemas, creators, { defaultPrivilegesScope: "database" });
                expect(grants).toEqual(planAccess(schemas, creators).grants);
                expect(defaultPrivileges).toHaveLength(2 * creators.length);
                for (const owner of creators)
                    expect(
                        defaultPrivileges
                            .filter((d) => d.owner === owner)
                            .map((d) => `${d.name} ${d.schema} ${d.objectType}:${d.privileges.join()}`)
                            .sort(),
                    ).toEqual([
                        `default-sequences/${encodeURIComponent(owner)} undefined sequence:SELECT`,
                        `default-tables/${encodeURIComponent(owner)} undefined table:SELECT`,
                    ]);
            }),
        );
    });

    it("with futureSchemas, plans the compact mode's defaults and default USAGE on schemas, once per creator, whatever scope is asked", () => {
        fc.assert(
            fc.property(names(1), names(1), fc.constantFrom("schema", "database", undefined), (schemas, creators, scope) => {
                const plan = planAccess(schemas, creators, {
                    futureSchemas: true,
                    defaultPrivilegesScope: scope as DefaultPrivilegesScope,
                });
                const compact = planAccess(schemas, creators, { defaultPrivilegesScope: "database" });
                expect(plan.grants).toEqual(compact.grants);
                const schemaDefaults = plan.defaultPrivileges.filter((d) => d.objectType === "schema");
                expect(plan.defaultPrivileges.filter((d) => d.objectType !== "schema")).toEqual(compact.defaultPrivileges);
                expect(schemaDefaults.map((d) => [d.name, d.owner, d.schema, d.privileges])).toEqual(
                    creators.map((owner) => [`default-schemas/${encodeURIComponent(owner)}`, owner, undefined, ["USAGE"]]),
                );
                const all = [...plan.grants, ...plan.defaultPrivileges];
                expect(new Set(all.map((i) => i.name)).size).toBe(all.length);
                expect(all.flatMap((i) => i.privileges)).not.toContain("CREATE");
            }),
        );
    });

    it("plans SELECT default privileges on tables and on sequences for every (creator, schema) pair", () => {
        fc.assert(
            fc.property(names(1), names(1), (schemas, creators) => {
                const { defaultPrivileges } = planAccess(schemas, creators);
                expect(defaultPrivileges).toHaveLength(2 * schemas.length * creators.length);
                for (const schema of schemas)
                    for (const owner of creators)
                        expect(
                            defaultPrivileges
                                .filter((d) => d.schema === schema && d.owner === owner)
                                .map((d) => `${d.objectType}:${d.privileges.join()}`)
                                .sort(),
                        ).toEqual(["sequence:SELECT", "table:SELECT"]);
            }),
        );
    });

    it("gives every child a unique name", () => {
        fc.assert(
            fc.property(names(1), names(1), (schemas, creators) => {
                const plan = planAccess(schemas, creators);
                const all = [...plan.grants, ...plan.defaultPrivileges].map((i) => i.name);
                expect(new Set(all).size).toBe(all.length);
            }),
        );
    });

    it("names do not depend on the order of schemas or creators", () => {
        fc.assert(
            fc.property(
                names(1).chain((s) => fc.tuple(fc.constant(s), fc.shuffledSubarray(s, { minLength: s.length }))),
                names(1).chain((c) => fc.tuple(fc.constant(c), fc.shuffledSubarray(c, { minLength: c.length }))),
                ([schemas, shuffledSchemas], [creators, shuffledCreators]) => {
                    expect(byName(planAccess(shuffledSchemas, shuffledCreators))).toEqual(byName(planAccess(schemas, creators)));
                },
            ),
        );
    });

    it("adding or removing a schema or a creator leaves every other child as it was", () => {
        fc.assert(
            fc.property(names(2), names(2), fc.boolean(), (schemas, creators, dropSchema) => {
                const full = byName(planAccess(schemas, creators));
                const smaller = dropSchema ? planAccess(schemas.slice(1), creators) : planAccess(schemas, creators.slice(1));
                // Every child of the smaller plan is in the larger one, unchanged; the extra ones all
                // mention the added item.
                for (const [name, item] of byName(smaller)) expect(full.get(name)).toEqual(item);
                const added = [...full.keys()].filter((n) => !byName(smaller).has(n));
                const addedItem = dropSchema ? schemas[0] : creators[0];
                expect(added.length).toBe(dropSchema ? 3 + 2 * creators.length : 2 * schemas.length);
                for (const name of added) expect(name.split("/").map(decodeURIComponent)).toContain(addedItem);
            }),
        );
    });

    it("a name stands for one child: any two plans, whatever their schemas, creators and mode, agree on every name they share", () => {
        // What the gate's keepers rest on: an existing child is replaced only when its database or role changes.
        const mode = fc.record({
            defaultPrivilegesScope: fc.constantFrom<DefaultPrivilegesScope | undefined>("schema", "database", undefined),
            readAllData: fc.boolean(),
            futureSchemas: fc.boolean(),
        });
        // Two plans over parts of the same schemas and creators, so that they share many names.
        const plans = fc.tuple(names(1), names(1)).chain(([schemas, creators]) => {
            const plan = fc.tuple(fc.subarray(schemas), fc.subarray(creators), mode).map(([s, c, m]) => byName(planAccess(s, c, m)));
            return fc.tuple(plan, plan);
        });
        fc.assert(
            fc.property(plans, ([one, other]) => {
                for (const [name, item] of one) if (other.has(name)) expect([name, other.get(name)]).toEqual([name, item]);
            }),
        );
    });
});
