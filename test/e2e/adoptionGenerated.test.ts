/**
 * adoptRole against hand-made roles drawn at random: from a seed (printed; WHALY_ADOPTION_SEED
 * overrides the fixed default, WHALY_ADOPTION_CASES the number of cases per major), each case
 * makes a `whaly_bi` by hand with extras of every kind the catalog can hold for a role, on
 * PostgreSQL 12, 15 and 18, and adopts it through the real CLI in one of the modes, while a
 * session logged in with the hand-made password reads what both the role and the plan read. Each
 * case ends either equal to a fresh deployment of the same args on an identical twin server
 * (everything the catalog holds that names the role, and the audit's verdict), with 0 failed
 * reads, or refused at preview, naming what it refuses, with nothing changed.
 */
import { AuditReport, auditRole } from "../../audit/audit";
import { PostgresMajor, PostgresServer, startPostgres } from "../../scripts/lib/postgresServer";
import { WhalyPostgresAccessArgs } from "../../index";
import { fullCatalogSnapshot, roleSnapshot } from "../harness/catalog";
import {
    AdoptionMode,
    drawCases,
    dropHandMade,
    EXTRA_KINDS,
    ExtraKind,
    HAND_MADE_PASSWORD,
    HandMadeCase,
    kindsSetupSql,
    REFUSED_KINDS,
} from "../harness/handMade";
import { psql } from "../harness/psql";
import { startReader } from "../harness/reader";
import { Session } from "../harness/sessions";
import { newTestStack } from "../harness/stack";
import { DATABASE, seedWarehouse } from "../harness/warehouse";
import { accessProgram, failureOf } from "./support/program";

jest.setTimeout(300_000);

const SEED = Number(process.env.WHALY_ADOPTION_SEED ?? 20260301);
const CASES = Number(process.env.WHALY_ADOPTION_CASES ?? 24);
const LISTED: Partial<WhalyPostgresAccessArgs> = { schemas: ["public", "sales"], tableCreators: ["etl", "dbt"] };

const MODE_ARGS: Record<AdoptionMode, Partial<WhalyPostgresAccessArgs>> = {
    listed: LISTED,
    compact: { ...LISTED, defaultPrivilegesScope: "database" },
    futureSchemas: { ...LISTED, futureSchemas: true },
    readAllData: { readAllData: true },
    alternating: { ...LISTED, rotation: "alternating" },
};

/** The roles the plan makes: the alternating rotation's users beside the group. */
const rolesOf = (mode: AdoptionMode) => (mode === "alternating" ? ["whaly_bi", "whaly_bi_a", "whaly_bi_b"] : ["whaly_bi"]);

/** What the reader may read: what the plan gives, by mode. */
const LISTED_READS = [
    "public.customers",
    "public.customers_id_seq",
    "sales.orders",
    "sales.orders_id_seq",
    "sales.invoice_no",
    "sales.order_totals",
    "sales.monthly",
];
const PLAN_READS: Record<"listed" | "all", string[]> = {
    listed: LISTED_READS,
    all: [...LISTED_READS, "secret.salaries", "legacy.people"],
};

/** Of what the plan gives, what the hand-made role reads before the adoption: tried as it, with its password. */
async function readsBefore(server: PostgresServer, mode: AdoptionMode): Promise<string[]> {
    const session = await Session.open(server, DATABASE, "whaly_bi", HAND_MADE_PASSWORD);
    try {
        const readable: string[] = [];
        for (const relation of PLAN_READS[mode === "readAllData" ? "all" : "listed"])
            if (await session.canSelect(relation)) readable.push(relation);
        return readable;
    } finally {
        await session.close();
    }
}

/** The audit's verdict on whaly_bi, with what it found beyond reading. */
async function audit(server: PostgresServer): Promise<Pick<AuditReport, "readOnly" | "extraAttributes" | "beyondRead">> {
    const { host, port, adminUser: user, adminPassword: password } = server;
    const report = await auditRole({ host, port, user, password, database: DATABASE, sslMode: "disable" }, "whaly_bi", {});
    return { readOnly: report.readOnly, extraAttributes: report.extraAttributes, beyondRead: report.beyondRead };
}

/** What a fresh deployment of a mode holds on the twin. */
interface Fresh {
    snapshot: string[];
    audit: Awaited<ReturnType<typeof audit>>;
}

interface Totals {
    cases: number;
    equal: number;
    refused: number;
    reads: number;
    failedReads: number;
    byKind: Record<string, { equal: number; refused: number }>;
    byMode: Record<string, { equal: number; refused: number }>;
}

describe.each([12, 15, 18] as PostgresMajor[])("PostgreSQL %i: adopting hand-made roles drawn at random", (major) => {
    const cases = drawCases(SEED, major, CASES);
    const totals: Totals = { cases: 0, equal: 0, refused: 0, reads: 0, failedReads: 0, byKind: {}, byMode: {} };
    const fresh = new Map<AdoptionMode, Fresh>();
    let server: PostgresServer;
    let twin: PostgresServer;

    beforeAll(async () => {
        console.log(`PostgreSQL ${major}: ${cases.length} hand-made roles from seed ${SEED} (WHALY_ADOPTION_SEED)`);
        [server, twin] = await Promise.all([startPostgres(major), startPostgres(major)]);
        await Promise.all([seedWarehouse(server), seedWarehouse(twin)]);
        for (const s of [server, twin]) psql(s, kindsSetupSql());
    });
    afterEach(() => dropHandMade(server));
    afterAll(() => {
        console.log(`PostgreSQL ${major}, hand-made roles from seed ${SEED}: ${JSON.stringify(totals)}`);
        server?.stop();
        twin?.stop();
    });

    /** A fresh deployment of `mode` on the twin: what names its roles, and the audit's verdict; once per mode. */
    async function freshDeployment(mode: AdoptionMode): Promise<Fresh> {
        const known = fresh.get(mode);
        if (known) return known;
        const t = await newTestStack(`adopt-generated-twin-pg${major}-${mode}`, accessProgram(twin, MODE_ARGS[mode]));
        try {
            await t.stack.up();
            const result = { snapshot: await roleSnapshot(twin, DATABASE, rolesOf(mode)), audit: await audit(twin) };
            await t.stack.destroy();
            fresh.set(mode, result);
            return result;
        } finally {
            t.dispose();
        }
    }

    const count = (c: HandMadeCase, outcome: "equal" | "refused") => {
        totals.cases++;
        totals[outcome]++;
        for (const key of [...new Set(c.extras.map((e) => e.kind))]) (totals.byKind[key] ??= { equal: 0, refused: 0 })[outcome]++;
        (totals.byMode[c.mode] ??= { equal: 0, refused: 0 })[outcome]++;
    };

    it("draws every kind the major has at least twice (a refused kind in refused cases, any other in cases that go through), and every mode it has", () => {
        const expected = EXTRA_KINDS.filter((k) => (k !== "parameter" || major >= 15) && (k !== "default on large objects" || major >= 18));
        const drawn = (kind: ExtraKind) =>
            cases.filter((c) => c.refused === REFUSED_KINDS.has(kind) && c.extras.some((e) => e.kind === kind)).length;
        expect(expected.filter((kind) => drawn(kind) < 2)).toEqual([]);
        expect(cases.flatMap((c) => c.extras.map((e) => e.kind)).filter((kind) => !expected.includes(kind))).toEqual([]);
        expect(new Set(cases.map((c) => c.mode)).size).toBe(major >= 14 ? 5 : 4);
    });

    it.each(cases.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
        psql(server, c.sql);
        const before = await fullCatalogSnapshot(server, DATABASE);
        const t = await newTestStack(`adopt-generated-pg${major}`, accessProgram(server, { ...MODE_ARGS[c.mode], adoptRole: true }));
        try {
            if (c.refused) {
                const message = await failureOf(t.stack.preview());
                for (const extra of c.extras.filter((e) => REFUSED_KINDS.has(e.kind)))
                    expect(message).toContain(`- adoptRole true: role whaly_bi ${extra.says}`);
                expect(await fullCatalogSnapshot(server, DATABASE)).toEqual(before);
                count(c, "refused");
                return;
            }
            let output = "";
            await t.stack.preview({ onOutput: (line) => (output += line) });
            for (const says of [...c.extras.map((e) => e.says), ...(c.readsSays ? [c.readsSays] : [])]) expect(output).toContain(says);
            expect(await fullCatalogSnapshot(server, DATABASE)).toEqual(before);

            const reads = await readsBefore(server, c.mode);
            const sql = reads.length === 0 ? "SELECT 1" : `SELECT ${reads.map((r) => `(SELECT count(*) FROM ${r})`).join(", ")}`;
            const reader = await startReader(server, DATABASE, "whaly_bi", HAND_MADE_PASSWORD, sql);
            await t.stack.up().finally(() => reader.stop());
            const { queries, failures } = await reader.stop();
            // The alternating rotation makes the role a NOLOGIN group, as the preview warns: the open session goes on reading.
            const failed =
                c.mode === "alternating" ? failures.filter((f) => !/^reconnecting: .*not permitted to log in/.test(f)) : failures;
            totals.reads += queries.open + queries.reconnecting - (failures.length - failed.length);
            totals.failedReads += failed.length;
            expect(failed).toEqual([]);
            expect(queries.open).toBeGreaterThan(5);

            const twinOf = await freshDeployment(c.mode);
            expect(await roleSnapshot(server, DATABASE, rolesOf(c.mode))).toEqual(twinOf.snapshot);
            expect(await audit(server)).toEqual(twinOf.audit);
            expect(twinOf.audit.readOnly).toBe(true);
            count(c, "equal");
        } finally {
            t.dispose();
        }
    });
});
