/**
 * The component declares its children without the stack trace the SDK gives each promise it makes
 * for them (components/children/promiseStacks.ts): fewer frames formatted, the limit put back,
 * the source positions the engine records unchanged, and an error still with its stack.
 */
import * as pulumi from "@pulumi/pulumi";
import * as postgresql from "@pulumi/postgresql";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import { recordResources } from "./pulumiMocks";
import { WhalyPostgresAccess, WhalyPostgresAccessArgs } from "../../index";

jest.mock("../../components/server/facts", () => jest.requireActual("./serverFactsMock"));

const ARGS: WhalyPostgresAccessArgs = {
    database: "analytics",
    schemas: ["a", "b"],
    tableCreators: ["etl"],
    admin: { host: "db.internal", username: "postgres", password: "admin-pw" },
};

/**
 * Stack frames formatted while `declare` runs, leaving out the SDK's reading of source positions
 * (which lifts the limit to Infinity): each stack trace formatted costs one call per frame.
 */
function framesFormatted(declare: () => void): number {
    const original = Error.prepareStackTrace;
    let frames = 0;
    Error.prepareStackTrace = (error, callSites) => {
        if (Number.isFinite(Error.stackTraceLimit)) frames += callSites.length;
        return original ? original(error, callSites) : `${error}${callSites.map((site) => `\n    at ${site}`).join("")}`;
    };
    try {
        declare();
    } finally {
        Error.prepareStackTrace = original;
    }
    return frames;
}

describe("the component's children", () => {
    it("are declared without a stack trace per promise: all of them together format fewer frames than one role", () => {
        const bare = framesFormatted(() => new pulumi.ComponentResource("test:index:Bare", "bare"));
        const component = framesFormatted(() => new WhalyPostgresAccess("quiet", ARGS));
        const role = framesFormatted(() => new postgresql.Role("loud", { name: "loud", login: true }));
        expect(role).toBeGreaterThan(100);
        // The component's own registration, before it declares any child, as any component's.
        expect(component).toBeLessThanOrEqual(bare + 10);
    });

    it("leave the stack trace limit as the program set it", () => {
        const before = Error.stackTraceLimit;
        try {
            Error.stackTraceLimit = 23;
            new WhalyPostgresAccess("limit", ARGS);
            expect(Error.stackTraceLimit).toBe(23);
        } finally {
            Error.stackTraceLimit = before;
        }
    });

    it("keep the source position and stack the engine records: where in the component each was declared, and who declared it", async () => {
        const recorded = new Map<string, { position?: string; frames: string[] }>();
        type Position = { getUri(): string; getLine(): number };
        type Request = {
            getName(): string;
            getSourceposition(): Position | undefined;
            getStacktrace(): { getFramesList(): Array<{ getPc(): Position | undefined }> } | undefined;
        };
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
            await recordResources((transformations) => new WhalyPostgresAccess("placed", ARGS, { transformations }));
        } finally {
            monitor.registerResource = register;
        }
        expect(recorded.get("placed/role")?.position).toMatch(/\/components\/children\/roles\.ts:\d+$/);
        expect(recorded.get("placed/usage/a")?.position).toMatch(/\/components\/children\/grants\.ts:\d+$/);
        expect(recorded.get("placed/checks")?.position).toMatch(/\/components\/children\/steps\.ts:\d+$/);
        // Down to the program that declared the component: this test.
        expect(recorded.get("placed/role")?.frames).toEqual(
            expect.arrayContaining([
                expect.stringMatching(/\/components\/whalyPostgresAccess\.ts:\d+$/),
                expect.stringMatching(/promiseStacks\.test\.ts:\d+$/),
            ]),
        );
    });

    it("that fail to be declared fail with a stack, and the limit put back", () => {
        const before = Error.stackTraceLimit;
        const failing: pulumi.ResourceTransformation = (args) => {
            if (args.name === "failing/role") throw new Error("a transformation refused the role");
            return undefined;
        };
        let thrown: Error | undefined;
        try {
            new WhalyPostgresAccess("failing", ARGS, { transformations: [failing] });
        } catch (e) {
            thrown = e as Error;
        }
        expect(thrown?.message).toBe("a transformation refused the role");
        expect(thrown?.stack).toMatch(/\n {4}at .*promiseStacks\.test\.ts/);
        expect(Error.stackTraceLimit).toBe(before);
    });
});
