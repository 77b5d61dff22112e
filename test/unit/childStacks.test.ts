/**
 * While the component declares its children, a stack read is written without the program's
 * formatter (components/children/stacks.ts): the SDK's trace for each promise it makes is not
 * source-mapped, yet keeps its frames, and everything a user reads keeps the program's formatter
 * and limit. The stack the engine records of each child, and its source position, are its
 * component's: the program's, without the component's own frames. The program's formatter here
 * is a stand-in for ts-node's source maps, marking what it writes.
 */
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import * as pulumi from "@pulumi/pulumi";
import * as postgresql from "@pulumi/postgresql";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import { recordResources } from "./pulumiMocks";
import * as facts from "../../components/server/facts";
import { WhalyPostgresAccess, WhalyPostgresAccessArgs } from "../../index";

jest.mock("../../components/server/facts", () => jest.requireActual("./serverFactsMock"));

const ARGS: WhalyPostgresAccessArgs = {
    database: "analytics",
    schemas: ["a", "b"],
    tableCreators: ["etl"],
    admin: { host: "db.internal", username: "postgres", password: "admin-pw" },
};

/** The promises the SDK's leak report watches, each with its label and stack (internal to the SDK, declared by no type). */
type Traced = { _debugCtx?: string; _debugStackTrace?: string };
// eslint-disable-next-line @typescript-eslint/no-require-imports -- internal to the SDK
const sdkState: { getStore(): { leakCandidates: Set<Traced> } } = require("@pulumi/pulumi/runtime/state");

const MAPPED = "(written by the program's formatter)";

/**
 * A formatter of the program's own: marks what it writes and, as ts-node's maps each frame from the
 * compiled line to the source's, writes each line 1000 further.
 */
function programsFormatter(error: Error, sites: NodeJS.CallSite[]): string {
    const frames = sites.map(
        (s) =>
            `\n    at ${s.getFunctionName() ?? "<anonymous>"} (${s.getFileName()}:${(s.getLineNumber() ?? 0) + 1000}:${s.getColumnNumber()})`,
    );
    return `${MAPPED} ${error}${frames.join("")}`;
}

/**
 * Runs `run` with the program's formatter; returns how many stacks it wrote at a finite limit (the
 * SDK's reading of source positions lifts it to Infinity). Fails if `run` leaves another in place.
 */
function withProgramFormatter<T>(run: () => T): { result: T; written: number } {
    const before = Error.prepareStackTrace;
    let written = 0;
    const programs = (error: Error, sites: NodeJS.CallSite[]) => {
        if (Number.isFinite(Error.stackTraceLimit)) written++;
        return programsFormatter(error, sites);
    };
    Error.prepareStackTrace = programs;
    try {
        const result = run();
        expect(Error.prepareStackTrace).toBe(programs);
        return { result, written };
    } finally {
        Error.prepareStackTrace = before;
    }
}

/** Runs `run` to its end with the program's formatter, as a program has it throughout. */
async function throughoutWithProgramFormatter<T>(run: () => Promise<T>): Promise<T> {
    const before = Error.prepareStackTrace;
    Error.prepareStackTrace = programsFormatter;
    try {
        return await run();
    } finally {
        Error.prepareStackTrace = before;
    }
}

/** Runs `run` at the stack trace limit a Pulumi program runs with, V8's default (jest's is 100). */
function atProgramsLimit<T>(run: () => T): T {
    const before = Error.stackTraceLimit;
    Error.stackTraceLimit = 10;
    try {
        return run();
    } finally {
        Error.stackTraceLimit = before;
    }
}

/** Runs `run` with PULUMI_DEBUG_PROMISE_LEAKS set, as to investigate pending promises. */
function debuggingLeaks<T>(run: () => T): T {
    process.env.PULUMI_DEBUG_PROMISE_LEAKS = "1";
    try {
        return run();
    } finally {
        delete process.env.PULUMI_DEBUG_PROMISE_LEAKS;
    }
}

/** The SDK's trace of the promise it made for `property` of the resource `name` (SDK internals: its leak report's bookkeeping). */
function promiseTrace(name: string, property: string): string | undefined {
    const promises = sdkState.getStore().leakCandidates;
    const label = `transferProperty(resource:${name}[`;
    return [...promises].find((p) => p._debugCtx?.startsWith(label) && p._debugCtx.includes(`, ${property},`))?._debugStackTrace;
}

describe("the component's children", () => {
    it("are declared without the program's formatter writing the SDK's trace of each promise: a role alone has it write dozens", () => {
        const bare = withProgramFormatter(() => new pulumi.ComponentResource("test:index:Bare", "bare")).written;
        const role = withProgramFormatter(() => new postgresql.Role("loud", { name: "loud", login: true })).written;
        const component = withProgramFormatter(() => new WhalyPostgresAccess("quiet", ARGS)).written;
        const debugged = debuggingLeaks(() => withProgramFormatter(() => new WhalyPostgresAccess("loud", ARGS)).written);
        expect(role).toBeGreaterThan(40);
        expect(debugged).toBeGreaterThan(500);
        // The component's own registration, before it declares any child, as any component's.
        expect(component).toBe(bare);
    });

    it("keep every frame of the SDK's trace of each promise, down to the program that declared the component", () => {
        atProgramsLimit(() => withProgramFormatter(() => new WhalyPostgresAccess("traced", ARGS)));
        const trace = promiseTrace("traced/usage/a", "role");
        expect(trace).not.toContain(MAPPED);
        expect(trace).toMatch(/\n {4}at declareGrants .*grants\.ts/);
        expect(trace).toMatch(/\n {4}at .*childStacks\.test\.ts/);
    });

    it("have the program's formatter write those traces, with the same frames, when PULUMI_DEBUG_PROMISE_LEAKS asks for them", () => {
        debuggingLeaks(() => atProgramsLimit(() => withProgramFormatter(() => new WhalyPostgresAccess("debugged", ARGS))));
        const trace = promiseTrace("debugged/usage/a", "role");
        expect(trace).toMatch(new RegExp(`^${MAPPED.replace(/[()]/g, "\\$&")} Error\n {4}at `));
        expect(trace).toMatch(/\n {4}at .*childStacks\.test\.ts/);
    });

    it("leave the program's limit to a transformation run meanwhile, and its formatter to the error it throws", () => {
        const seen: number[] = [];
        const failing: pulumi.ResourceTransformation = (args) => {
            seen.push(Error.stackTraceLimit);
            if (args.name === "failing/role") throw new Error("a transformation refused the role");
            return undefined;
        };
        const limit = Error.stackTraceLimit;
        let thrown: Error | undefined;
        let stack: string | undefined;
        withProgramFormatter(() => {
            try {
                Error.stackTraceLimit = 23;
                new WhalyPostgresAccess("failing", ARGS, { transformations: [failing] });
            } catch (e) {
                thrown = e as Error;
                // Read where the program reads it: once the constructor has thrown.
                stack = thrown.stack;
            } finally {
                Error.stackTraceLimit = limit;
            }
        });
        expect(seen.length).toBeGreaterThan(1);
        expect(new Set(seen)).toEqual(new Set([23]));
        expect(thrown?.message).toBe("a transformation refused the role");
        expect(stack).toMatch(new RegExp(`^${MAPPED.replace(/[()]/g, "\\$&")} Error: a transformation refused the role\n {4}at failing `));
    });

    it("leave in place a formatter the program installs meanwhile (a module loaded then)", () => {
        const installed = (error: Error) => `installed ${error}`;
        const installing: pulumi.ResourceTransformation = (args) => {
            if (args.name === "installing/role") Error.prepareStackTrace = installed;
            return undefined;
        };
        const before = Error.prepareStackTrace;
        Error.prepareStackTrace = programsFormatter;
        try {
            new WhalyPostgresAccess("installing", ARGS, { transformations: [installing] });
            expect(Error.prepareStackTrace).toBe(installed);
        } finally {
            Error.prepareStackTrace = before;
        }
    });

    it("once closed, pass a stack on to the program's formatter through a formatter installed meanwhile that calls the one it found", () => {
        let chained: ((error: Error, sites: NodeJS.CallSite[]) => unknown) | undefined;
        const chaining: pulumi.ResourceTransformation = (args) => {
            if (args.name === "chaining/role") {
                const found = Error.prepareStackTrace!;
                chained = (error, sites) => found(error, sites);
                Error.prepareStackTrace = chained;
            }
            return undefined;
        };
        const before = Error.prepareStackTrace;
        Error.prepareStackTrace = programsFormatter;
        try {
            atProgramsLimit(() => new WhalyPostgresAccess("chaining", ARGS, { transformations: [chaining] }));
            expect(Error.prepareStackTrace).toBe(chained);
            expect(atProgramsLimit(() => new Error("read later").stack)).toMatch(
                new RegExp(`^${MAPPED.replace(/[()]/g, "\\$&")} Error: read later`),
            );
        } finally {
            Error.prepareStackTrace = before;
        }
    });

    it("give the engine each one's source position and stack as the component's: from the program's line, by the program's formatter, without the component's frames", async () => {
        const recorded = await recordedStacks(() => withProgramFormatter(() => placed("placed")).result);
        const component = recorded.get("placed")!;
        // The formatter writes each line 1000 further: the position is the program's line, mapped.
        expect(component.position).toMatch(/childStacks\.test\.ts:1\d{3}$/);
        for (const child of ["placed/role", "placed/usage/a", "placed/checks", "placed/password"])
            expect([child, recorded.get(child)]).toEqual([child, component]);
        const frames = [...recorded.values()].flatMap((r) => r.frames);
        expect(frames.filter((f) => f.includes("childStacks.test.ts")).length).toBeGreaterThan(10);
        expect(ownFrames(recorded)).toEqual([]);
    });

    it("are left alone in a realm without a formatter (jest's, whose stacks the main realm's formatter writes)", async () => {
        expect(Error.prepareStackTrace).toBeUndefined();
        const recorded = await recordedStacks(() => placed("realm"));
        expect(Error.prepareStackTrace).toBeUndefined();
        expect(recorded.get("realm/usage/a")?.position).toMatch(/\/components\/children\/grants\.ts:\d+$/);
    });

    it("give a component declared meanwhile (by a transformation) its own position, and its children theirs", async () => {
        let inner = false;
        const innerChildren: pulumi.Resource[] = [];
        const declareInner: pulumi.ResourceTransformation = (args) => {
            if (args.name === "outer/role" && !inner) {
                inner = true;
                const transformations = [(a: pulumi.ResourceTransformationArgs) => void innerChildren.push(a.resource)];
                new WhalyPostgresAccess("inner", { ...ARGS, database: "other" }, { transformations });
            }
            return undefined;
        };
        const recorded = await recordedStacks(async () => {
            await withProgramFormatter(() =>
                recordResources(
                    (transformations) => new WhalyPostgresAccess("outer", ARGS, { transformations: [...transformations, declareInner] }),
                ),
            ).result;
            // The inner component's children are none of the outer's.
            await Promise.all(innerChildren.map((child) => new Promise((resolve) => child.urn.apply(resolve))));
        });
        expect(innerChildren.length).toBeGreaterThan(5);
        // The transformation's line, mapped.
        expect(recorded.get("inner")?.position).toMatch(/childStacks\.test\.ts:1\d{3}$/);
        expect(recorded.get("inner")?.position).not.toEqual(recorded.get("outer")?.position);
        for (const child of ["inner/role", "inner/usage/a"]) expect([child, recorded.get(child)]).toEqual([child, recorded.get("inner")]);
        expect(ownFrames(recorded)).toEqual([]);
    });

    it("found in the catalog, declared once the checks have run, give the engine no frame of the component", async () => {
        const read = jest.spyOn(facts, "readServerFacts");
        const actual = read.getMockImplementation() ?? jest.requireActual("./serverFactsMock").readServerFacts;
        read.mockImplementation(async (...args: Parameters<typeof facts.readServerFacts>) => {
            const found = await actual(...args);
            const { server } = found;
            const dbt = { ...server.roles.whaly_bi, canLogin: false };
            return {
                ...found,
                server: { ...server, roles: { ...server.roles, dbt }, creatorsBySchema: { a: [{ role: "dbt", objects: 3 }] } },
            };
        });
        try {
            const recorded = await recordedStacks(() =>
                throughoutWithProgramFormatter(() =>
                    recordResources(
                        (transformations) =>
                            new WhalyPostgresAccess(
                                "found",
                                { ...ARGS, tableCreators: undefined, discoverTableCreators: true },
                                { transformations },
                            ),
                    ),
                ),
            );
            const discovered = [...recorded.keys()].filter((n) => n.includes("dbt"));
            expect(discovered.length).toBeGreaterThan(0);
            for (const name of discovered) expect([name, recorded.get(name)!.position]).toEqual([name, undefined]);
            expect(ownFrames(recorded)).toEqual([]);
        } finally {
            read.mockRestore();
        }
    });
});

/** The frames of `recorded` inside the component's files. */
function ownFrames(recorded: Map<string, { frames: string[] }>): string[] {
    const components = pathToFileURL(path.resolve(__dirname, "../../components")).href + "/";
    return [...recorded.values()].flatMap((r) => r.frames).filter((f) => f.startsWith(components));
}

/** Declares the component `name` of ARGS; resolves once the mocked engine has every resource. */
function placed(name: string) {
    return recordResources((transformations) => new WhalyPostgresAccess(name, ARGS, { transformations }));
}

type Position = { getUri(): string; getLine(): number };
type Request = {
    getName(): string;
    getSourceposition(): Position | undefined;
    getStacktrace(): { getFramesList(): Array<{ getPc(): Position | undefined }> } | undefined;
};

/** The source position and stack (`uri:line`, empty where none) the engine was sent for each resource `declare` registers. */
async function recordedStacks(declare: () => Promise<unknown>): Promise<Map<string, { position?: string; frames: string[] }>> {
    const recorded = new Map<string, { position?: string; frames: string[] }>();
    const monitor = MockMonitor.prototype as unknown as Record<string, (req: Request, callback: unknown) => void>;
    const register = monitor.registerResource;
    monitor.registerResource = function (this: unknown, req: Request, callback: unknown) {
        const at = (p?: Position) => p && `${p.getUri()}:${p.getLine()}`;
        recorded.set(req.getName(), {
            position: at(req.getSourceposition()),
            frames: (req.getStacktrace()?.getFramesList() ?? []).map((frame) => at(frame.getPc()) ?? ""),
        });
        return register.call(this, req, callback);
    };
    try {
        await declare();
    } finally {
        monitor.registerResource = register;
    }
    return recorded;
}
