/**
 * A `whaly_bi` made by hand, as teams made it from Whaly's guide before the component: the guide's
 * SQL for the `public` schema and a second one (`sales`), run with psql as the admin, plus the
 * extras such a role picks up over the years: INSERT on a table someone added while debugging,
 * USAGE and SELECT in a schema of an old project (`secret`), CREATEDB, and a membership.
 *
 * And a generator of such roles ({@link drawCases}): from a seed, roles that read through the
 * guide's grants, a group or pg_read_all_data, with extras of every kind the catalog can hold for a
 * role, each with what the preview must say of it.
 */
import { PostgresServer } from "../../scripts/lib/postgresServer";
import { psql } from "./psql";
import { DATABASE } from "./warehouse";

export const HAND_MADE_PASSWORD = "hand-made-Password-42";

/** Step 1 of Whaly's guide, as written, for `public` and `sales` (default privileges for the admin and for `etl`). */
export const GUIDE_SQL = `
CREATE USER whaly_bi WITH ENCRYPTED PASSWORD '${HAND_MADE_PASSWORD}';
GRANT CONNECT ON DATABASE ${DATABASE} to whaly_bi;
\\c ${DATABASE}
GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO whaly_bi;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO whaly_bi;
GRANT USAGE ON SCHEMA sales TO whaly_bi;
GRANT SELECT ON ALL SEQUENCES IN SCHEMA sales TO whaly_bi;
GRANT SELECT ON ALL TABLES IN SCHEMA sales TO whaly_bi;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON tables TO whaly_bi;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON sequences TO whaly_bi;
ALTER DEFAULT PRIVILEGES FOR ROLE etl IN SCHEMA sales GRANT SELECT ON tables TO whaly_bi;
ALTER DEFAULT PRIVILEGES FOR ROLE etl IN SCHEMA sales GRANT SELECT ON sequences TO whaly_bi;
`;

/** What such a role picked up later. */
export const EXTRAS_SQL = `
\\c ${DATABASE}
GRANT INSERT ON public.customers TO whaly_bi;
GRANT USAGE ON SCHEMA secret TO whaly_bi;
GRANT SELECT ON secret.salaries TO whaly_bi;
ALTER ROLE whaly_bi CREATEDB;
GRANT pg_monitor TO whaly_bi;
`;

/** Makes the hand-made role on a seeded warehouse (harness/warehouse.ts), with psql. */
export function makeByHand(server: PostgresServer, extras = true): void {
    psql(server, GUIDE_SQL + (extras ? EXTRAS_SQL : ""));
}

/**
 * The objects a hand-made role may hold privileges on beyond the guide's, made on both servers of
 * a comparison: a table with columns (`legacy.people`), a type, a domain, a function, a procedure,
 * an aggregate, a foreign-data wrapper and its server, a large object of a fixed OID, a tablespace,
 * and another database (`crm`). `CREATE ON SCHEMA public` is taken from PUBLIC (PostgreSQL 12-14
 * give it) so that the audit judges the role alone.
 */
export function kindsSetupSql(): string {
    return `
SET allow_in_place_tablespaces = on;
CREATE TABLESPACE spare LOCATION '';
CREATE DATABASE crm;
\\c crm
CREATE TABLE leads (id int);
\\c ${DATABASE}
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
CREATE SCHEMA legacy;
CREATE TABLE legacy.people (id int, email text);
INSERT INTO legacy.people VALUES (1, 'ada@example.com');
CREATE TYPE public.mood AS ENUM ('ok', 'meh');
CREATE DOMAIN public.amount AS integer;
CREATE FUNCTION public.answer(n integer) RETURNS integer LANGUAGE sql AS 'SELECT n';
CREATE PROCEDURE public.tidy() LANGUAGE sql AS 'SELECT 1';
CREATE AGGREGATE public.total(integer) (sfunc = int4pl, stype = integer);
CREATE FOREIGN DATA WRAPPER dummy_fdw;
CREATE SERVER dummy_srv FOREIGN DATA WRAPPER dummy_fdw;
SELECT lo_create(424242);
`;
}

/** The modes a hand-made role is adopted in. */
export type AdoptionMode = "listed" | "compact" | "futureSchemas" | "readAllData" | "alternating";

/** How a hand-made role reads before it is adopted: the guide's grants, the same through a group, or pg_read_all_data. */
export type ReadsThrough = "guide" | "group" | "pg_read_all_data";

/** The kinds of extra a hand-made role may hold; the last five are refused at preview. */
export const EXTRA_KINDS = [
    "column",
    "table",
    "schema",
    "sequence",
    "database",
    "function",
    "procedure",
    "aggregate",
    "type",
    "domain",
    "language",
    "foreign data wrapper",
    "foreign server",
    "parameter",
    "tablespace",
    "large object",
    "default on tables",
    "default on sequences",
    "default on routines",
    "default on types",
    "default on schemas",
    "default on large objects",
    "predefined role",
    "attribute",
    "member",
    "owned object",
    "privileges in another database",
    "policy",
    "user mapping",
    "default privileges it gives",
] as const;
export type ExtraKind = (typeof EXTRA_KINDS)[number];

/** The kinds the component refuses, by name, at preview. */
export const REFUSED_KINDS: ReadonlySet<ExtraKind> = new Set<ExtraKind>([
    "owned object",
    "privileges in another database",
    "policy",
    "user mapping",
    "default privileges it gives",
]);

/** The first major that has each kind (the rest exist on every major from 12). */
const SINCE: Partial<Record<ExtraKind, number>> = { parameter: 15, "default on large objects": 18 };

/** One extra: the psql lines that grant it, and what the preview must say of it (its SQL, or for a refused kind the refusal's words). */
export interface Extra {
    kind: ExtraKind;
    sql: string;
    says: string;
}

/** One hand-made role to adopt. */
export interface HandMadeCase {
    name: string;
    mode: AdoptionMode;
    reads: ReadsThrough;
    extras: Extra[];
    /** Whether the preview refuses it (it holds a refused kind). */
    refused: boolean;
    /** The psql script that makes the role, from the `postgres` database. */
    sql: string;
    /** What the preview says of how it reads, when the adoption changes that. */
    readsSays?: string;
}

/** mulberry32: a small seeded generator, so that a seed always draws the same roles. */
export function seededRandom(seed: number): () => number {
    let state = seed >>> 0;
    return () => {
        state = (state + 0x6d2b79f5) >>> 0;
        let t = state;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

interface Draw {
    pick<T>(items: readonly T[]): T;
    chance(p: number): boolean;
}

const ROLE = '"whaly_bi"';

/** A default privilege of `objects` (TABLES, ...): for an owner, in a schema unless `global`. */
function defaultPrivilege(d: Draw, objects: string, privileges: string[], global = false): { sql: string; says: string } {
    const owner = d.pick(["postgres", "etl", "intruder"]);
    const schema = global ? undefined : d.pick([undefined, "public", "sales", "secret"]);
    const privilege = d.pick(privileges);
    const where = schema === undefined ? "" : ` IN SCHEMA ${schema}`;
    return {
        sql: `ALTER DEFAULT PRIVILEGES FOR ROLE ${owner}${where} GRANT ${privilege} ON ${objects} TO whaly_bi;`,
        says: `ALTER DEFAULT PRIVILEGES FOR ROLE "${owner}"${schema === undefined ? "" : ` IN SCHEMA "${schema}"`} REVOKE ${privilege} ON ${
            objects === "FUNCTIONS" ? "ROUTINES" : objects
        } FROM ${ROLE}`,
    };
}

/** Draws one extra of `kind`, fitting the mode, the way the role reads, and the server's major. */
function drawExtra(kind: ExtraKind, d: Draw, mode: AdoptionMode, reads: ReadsThrough, major: number): Extra {
    const of = (sql: string, says: string): Extra => ({ kind, sql, says });
    switch (kind) {
        case "column": {
            const [privilege, column] = [d.pick(["SELECT", "UPDATE", "INSERT", "REFERENCES"]), d.pick(["id", "email"])];
            return of(
                `GRANT ${privilege} (${column}) ON legacy.people TO whaly_bi;`,
                `REVOKE ${privilege} ("${column}") ON TABLE "legacy"."people" FROM ${ROLE}`,
            );
        }
        case "table": {
            if (d.chance(0.25))
                return of(
                    "GRANT SELECT ON public.customers TO whaly_bi WITH GRANT OPTION;",
                    mode === "readAllData"
                        ? `REVOKE SELECT ON TABLE "public"."customers" FROM ${ROLE} CASCADE`
                        : `REVOKE GRANT OPTION FOR SELECT ON TABLE "public"."customers" FROM ${ROLE} CASCADE`,
                );
            const [privilege, table] = d.chance(0.2)
                ? ["SELECT", "secret.salaries"]
                : [
                      d.pick(["INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"]),
                      d.pick(["public.customers", "sales.orders"]),
                  ];
            const [schema, name] = table.split(".");
            return of(`GRANT ${privilege} ON ${table} TO whaly_bi;`, `REVOKE ${privilege} ON TABLE "${schema}"."${name}" FROM ${ROLE}`);
        }
        case "schema": {
            const [privilege, schema] = d.pick([
                ["USAGE", "secret"],
                ["CREATE", "sales"],
                ["CREATE", "secret"],
                ["CREATE", "legacy"],
            ]);
            return of(`GRANT ${privilege} ON SCHEMA ${schema} TO whaly_bi;`, `REVOKE ${privilege} ON SCHEMA "${schema}" FROM ${ROLE}`);
        }
        case "sequence": {
            const [privilege, sequence] = d.pick([
                ["USAGE", "sales.invoice_no"],
                ["UPDATE", "public.customers_id_seq"],
            ]);
            const [schema, name] = sequence.split(".");
            return of(
                `GRANT ${privilege} ON SEQUENCE ${sequence} TO whaly_bi;`,
                `REVOKE ${privilege} ON SEQUENCE "${schema}"."${name}" FROM ${ROLE}`,
            );
        }
        case "database": {
            const [privilege, database] = d.pick([
                ["CREATE", DATABASE],
                ["TEMPORARY", DATABASE],
                ["CONNECT", "postgres"],
                ["CONNECT", "crm"],
            ]);
            return of(
                `GRANT ${privilege} ON DATABASE ${database} TO whaly_bi;`,
                `REVOKE ${privilege} ON DATABASE "${database}" FROM ${ROLE}`,
            );
        }
        case "function":
            return of(
                `GRANT EXECUTE ON FUNCTION public.answer(integer) TO whaly_bi${d.chance(0.5) ? " WITH GRANT OPTION" : ""};`,
                `REVOKE EXECUTE ON ROUTINE "public"."answer"(integer) FROM ${ROLE}`,
            );
        case "procedure":
            return of("GRANT EXECUTE ON PROCEDURE public.tidy() TO whaly_bi;", `REVOKE EXECUTE ON ROUTINE "public"."tidy"() FROM ${ROLE}`);
        case "aggregate":
            return of(
                "GRANT EXECUTE ON FUNCTION public.total(integer) TO whaly_bi;",
                `REVOKE EXECUTE ON ROUTINE "public"."total"(integer) FROM ${ROLE}`,
            );
        case "type":
            return of("GRANT USAGE ON TYPE public.mood TO whaly_bi;", `REVOKE USAGE ON TYPE "public"."mood" FROM ${ROLE}`);
        case "domain":
            return of("GRANT USAGE ON DOMAIN public.amount TO whaly_bi;", `REVOKE USAGE ON DOMAIN "public"."amount" FROM ${ROLE}`);
        case "language": {
            const language = d.pick(["plpgsql", "sql"]);
            return of(`GRANT USAGE ON LANGUAGE ${language} TO whaly_bi;`, `REVOKE USAGE ON LANGUAGE "${language}" FROM ${ROLE}`);
        }
        case "foreign data wrapper":
            return of(
                "GRANT USAGE ON FOREIGN DATA WRAPPER dummy_fdw TO whaly_bi;",
                `REVOKE USAGE ON FOREIGN DATA WRAPPER "dummy_fdw" FROM ${ROLE}`,
            );
        case "foreign server":
            return of("GRANT USAGE ON FOREIGN SERVER dummy_srv TO whaly_bi;", `REVOKE USAGE ON FOREIGN SERVER "dummy_srv" FROM ${ROLE}`);
        case "parameter": {
            const [privilege, parameter] = d.pick([
                ["SET", "work_mem"],
                ["SET", "search_path"],
                ["ALTER SYSTEM", "log_min_duration_statement"],
            ]);
            return of(
                `GRANT ${privilege} ON PARAMETER ${parameter} TO whaly_bi;`,
                `REVOKE ${privilege} ON PARAMETER "${parameter}" FROM ${ROLE}`,
            );
        }
        case "tablespace":
            return of("GRANT CREATE ON TABLESPACE spare TO whaly_bi;", `REVOKE CREATE ON TABLESPACE "spare" FROM ${ROLE}`);
        case "large object": {
            const privilege = d.pick(["SELECT", "UPDATE"]);
            return of(`GRANT ${privilege} ON LARGE OBJECT 424242 TO whaly_bi;`, `REVOKE ${privilege} ON LARGE OBJECT 424242 FROM ${ROLE}`);
        }
        case "default on tables": {
            const { sql, says } = defaultPrivilege(d, "TABLES", ["INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"]);
            return of(sql, says);
        }
        case "default on sequences": {
            const { sql, says } = defaultPrivilege(d, "SEQUENCES", ["USAGE", "UPDATE"]);
            return of(sql, says);
        }
        case "default on routines": {
            const { sql, says } = defaultPrivilege(d, "FUNCTIONS", ["EXECUTE"]);
            return of(sql, says);
        }
        case "default on types": {
            const { sql, says } = defaultPrivilege(d, "TYPES", ["USAGE"]);
            return of(sql, says);
        }
        case "default on schemas": {
            // USAGE on what a table creator makes is the plan's with futureSchemas: CREATE is never.
            const { sql, says } = defaultPrivilege(d, "SCHEMAS", ["CREATE"], true);
            return of(sql, says);
        }
        case "default on large objects": {
            const { sql, says } = defaultPrivilege(d, "LARGE OBJECTS", ["SELECT", "UPDATE"], true);
            return of(sql, says);
        }
        case "predefined role": {
            const revokedBy = major >= 16 ? ' GRANTED BY "postgres"' : "";
            if (mode === "readAllData") {
                // The plan's own membership, held otherwise than a fresh one is.
                if (major >= 16 && d.chance(0.5))
                    return of(
                        "GRANT pg_read_all_data TO whaly_bi WITH INHERIT FALSE;",
                        `GRANT "pg_read_all_data" TO ${ROLE} WITH INHERIT TRUE, SET TRUE GRANTED BY "postgres"`,
                    );
                return of(
                    "GRANT pg_read_all_data TO whaly_bi WITH ADMIN OPTION;",
                    `REVOKE ADMIN OPTION FOR "pg_read_all_data" FROM ${ROLE}${revokedBy}`,
                );
            }
            const roles = [
                "pg_monitor",
                "pg_read_all_settings",
                "pg_read_all_stats",
                "pg_stat_scan_tables",
                "pg_signal_backend",
                ...(major >= 14 ? ["pg_write_all_data", ...(reads === "pg_read_all_data" ? [] : ["pg_read_all_data"])] : []),
                ...(major >= 15 ? ["pg_checkpoint"] : []),
                ...(major >= 16 ? ["pg_create_subscription"] : []),
                ...(major >= 17 ? ["pg_maintain"] : []),
            ];
            const role = d.pick(roles);
            return of(`GRANT ${role} TO whaly_bi;`, `REVOKE "${role}" FROM ${ROLE}${revokedBy}`);
        }
        case "attribute": {
            const [sql, says] = d.pick([
                ["ALTER ROLE whaly_bi CREATEDB;", `ALTER ROLE ${ROLE} NOCREATEDB`],
                ["ALTER ROLE whaly_bi CREATEROLE;", `ALTER ROLE ${ROLE} NOCREATEROLE`],
                ["ALTER ROLE whaly_bi NOINHERIT;", `ALTER ROLE ${ROLE} INHERIT`],
                ["ALTER ROLE whaly_bi VALID UNTIL '2031-01-01';", `ALTER ROLE ${ROLE} VALID UNTIL 'infinity'`],
                ["ALTER ROLE whaly_bi SET work_mem TO '64MB';", `ALTER ROLE ${ROLE} RESET "work_mem"`],
                [
                    `ALTER ROLE whaly_bi IN DATABASE ${DATABASE} SET work_mem TO '64MB';`,
                    `ALTER ROLE ${ROLE} IN DATABASE "${DATABASE}" RESET ALL`,
                ],
            ]);
            return of(sql, says);
        }
        case "member":
            return of("GRANT whaly_bi TO intruder;", `REVOKE ${ROLE} FROM "intruder"${major >= 16 ? ' GRANTED BY "postgres"' : ""}`);
        case "owned object":
            return of("CREATE TABLE public.scratch (id int);\nALTER TABLE public.scratch OWNER TO whaly_bi;", "owns table public.scratch");
        case "privileges in another database":
            return of(`\\c crm\nGRANT SELECT ON leads TO whaly_bi;\n\\c ${DATABASE}`, "holds privileges in database crm");
        case "policy":
            return of(
                "CREATE POLICY whaly_only ON legacy.people TO whaly_bi USING (true);",
                "is named by policy whaly_only on legacy.people",
            );
        case "user mapping":
            return of("CREATE USER MAPPING FOR whaly_bi SERVER dummy_srv;", "owns user mapping whaly_bi on server dummy_srv");
        case "default privileges it gives":
            return of(
                "ALTER DEFAULT PRIVILEGES FOR ROLE whaly_bi GRANT SELECT ON TABLES TO etl;",
                "owns default acl for role whaly_bi on tables",
            );
    }
}

/** The role as it reads before the adoption, from the `postgres` database to the warehouse's; and what the preview says of it when that changes. */
function readsSql(reads: ReadsThrough, mode: AdoptionMode, major: number): { sql: string; says?: string } {
    const revokedBy = major >= 16 ? ' GRANTED BY "postgres"' : "";
    const login = `CREATE USER whaly_bi WITH ENCRYPTED PASSWORD '${HAND_MADE_PASSWORD}';\nGRANT CONNECT ON DATABASE ${DATABASE} TO whaly_bi;\n`;
    if (reads === "guide") return { sql: GUIDE_SQL };
    if (reads === "pg_read_all_data")
        return {
            sql: `${login}GRANT pg_read_all_data TO whaly_bi;\n\\c ${DATABASE}\n`,
            says: mode === "readAllData" ? undefined : `REVOKE "pg_read_all_data" FROM ${ROLE}${revokedBy}`,
        };
    return {
        sql: `CREATE ROLE whaly_readers NOLOGIN;\n${login}GRANT whaly_readers TO whaly_bi;\n\\c ${DATABASE}
GRANT USAGE ON SCHEMA public, sales TO whaly_readers;
GRANT SELECT ON ALL TABLES IN SCHEMA public, sales TO whaly_readers;
GRANT SELECT ON ALL SEQUENCES IN SCHEMA public, sales TO whaly_readers;
`,
        says: `REVOKE "whaly_readers" FROM ${ROLE}${revokedBy}`,
    };
}

/**
 * `count` hand-made roles for `major`, drawn from `seed`, then topped up so that every mode the
 * major has is adopted at least twice, every removable kind it has is in at least two cases that go
 * through, and every refused kind in at least two refused cases.
 */
export function drawCases(seed: number, major: number, count: number): HandMadeCase[] {
    const random = seededRandom(seed * 100 + major);
    const d: Draw = { pick: (items) => items[Math.floor(random() * items.length)], chance: (p) => random() < p };
    const modes: AdoptionMode[] = ["listed", "compact", "futureSchemas", "alternating", ...(major >= 14 ? (["readAllData"] as const) : [])];
    const kinds = EXTRA_KINDS.filter((k) => (SINCE[k] ?? 0) <= major);
    const removable = kinds.filter((k) => !REFUSED_KINDS.has(k));
    const refused = kinds.filter((k) => REFUSED_KINDS.has(k));
    // Each mode twice first, in a drawn order, then drawn.
    const order = [...modes, ...modes].sort(() => random() - 0.5);
    const plans: Array<{ mode: AdoptionMode; reads: ReadsThrough; kinds: ExtraKind[] }> = [];
    for (let i = 0; i < count; i++) {
        const mode = order[i] ?? d.pick(modes);
        const reads: ReadsThrough = d.chance(0.6) ? "guide" : major >= 14 && d.chance(0.5) ? "pg_read_all_data" : "group";
        const drawn = new Set<ExtraKind>();
        const size = 2 + Math.floor(random() * 6);
        while (drawn.size < size) drawn.add(d.pick(removable));
        if (d.chance(0.2)) drawn.add(d.pick(refused));
        plans.push({ mode, reads, kinds: [...drawn] });
    }
    const isRefused = (p: (typeof plans)[number]) => p.kinds.some((k) => REFUSED_KINDS.has(k));
    const topUp = (kind: ExtraKind, fits: (p: (typeof plans)[number]) => boolean) => {
        while (plans.filter((p) => fits(p) && p.kinds.includes(kind)).length < 2) {
            const host = plans.filter((p) => fits(p) && !p.kinds.includes(kind)).sort((a, b) => a.kinds.length - b.kinds.length)[0];
            if (host) host.kinds.push(kind);
            else plans.push({ mode: d.pick(modes), reads: "guide", kinds: [kind] });
        }
    };
    for (const kind of removable) topUp(kind, (p) => !isRefused(p));
    for (const kind of refused) topUp(kind, isRefused);
    return plans.map((p, i) => {
        const extras = p.kinds.map((kind) => drawExtra(kind, d, p.mode, p.reads, major));
        const reads = readsSql(p.reads, p.mode, major);
        return {
            name: `case ${i + 1}: ${p.mode}, reads through ${p.reads === "guide" ? "the guide's grants" : p.reads}, ${p.kinds.join(", ")}`,
            mode: p.mode,
            reads: p.reads,
            extras,
            refused: isRefused(p),
            sql: `${reads.sql}\n\\c ${DATABASE}\n${extras.map((e) => e.sql).join("\n")}\n`,
            readsSays: reads.says,
        };
    });
}

/** Drops the hand-made role, the roles made beside it or from it, and everything naming them, in every database. */
export async function dropHandMade(server: PostgresServer): Promise<void> {
    const roles = ["whaly_bi", "whaly_bi_a", "whaly_bi_b", "whaly_readers"];
    const existing = (
        await server.query<{ rolname: string }>(`SELECT rolname FROM pg_roles WHERE rolname IN ('${roles.join("', '")}')`)
    ).map((r) => r.rolname);
    if (existing.length === 0) return;
    for (const database of ["postgres", DATABASE, "crm"]) await server.query(`DROP OWNED BY ${existing.join(", ")}`, { database });
    await server.query(`DROP ROLE ${existing.join(", ")}`);
}
