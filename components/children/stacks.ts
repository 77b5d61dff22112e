/**
 * The stacks the SDK reads while the component declares its children. For each promise it makes
 * while registering a resource (four per property of the resource's schema), the SDK takes a stack
 * trace, for its report of promises left pending at exit, and reads it at once. Under ts-node,
 * which runs TypeScript programs, reading a stack maps every frame through the source maps: in a
 * no-change preview of the fleet benchmark that was 40 to 45 % of the program's CPU. For each
 * resource, it also reads the stack it sends the engine, who keeps it in the state with the source
 * position (its first frame the SDK parses): a copy rewritten after every step of an update.
 */
import * as path from "node:path";

/** The component's own files, here or compiled (`components/`); none where a bundler moved them. */
const COMPONENT_FILES =
    path.basename(path.resolve(__dirname, "..")) === "components" ? path.resolve(__dirname, "..") + path.sep : undefined;

/**
 * From now until the returned function is called, in the same synchronous run, a stack read is
 * written without the program's formatter (the source maps), from the compiled files' positions.
 * V8 still records every frame up to the program's own limit, and formats a stack when it is first
 * read: one read afterwards (an error the SDK makes ahead in case a registration fails, an error
 * thrown by a transformation) is written by the program's formatter.
 *
 * The exception is the SDK's reading of a resource's stack for the engine, which lifts the limit
 * to Infinity: written by the program's formatter, without the component's own frames below the
 * new resource's constructors. A child's source position and stack are then its component's: from
 * the program's line that declared the component (but the provider's: the SDK takes its position
 * from inside the provider's package, one constructor further). A child declared once the checks
 * have run (a creator's the catalog shows) has no frame of the program: no source position. The
 * frames inside the component were the same for every child (docs/performance.md).
 *
 * With `PULUMI_DEBUG_PROMISE_LEAKS`, set to investigate pending promises, the promises' traces
 * are the program's as before. Where the realm has no formatter (a `vm` context such as jest's,
 * whose stacks the main realm's formatter writes), nothing changes. Opened and closed in the
 * caller's own body, so that stacks taken meanwhile hold no frame of it.
 */
export function childStacks(): () => void {
    const programs = Error.prepareStackTrace;
    if (!programs) return () => undefined;
    const promises = process.env.PULUMI_DEBUG_PROMISE_LEAKS ? programs : plain;
    let open = true;
    const ours = (error: Error, sites: NodeJS.CallSite[]) => {
        if (!open) return programs(error, sites);
        return Error.stackTraceLimit === Infinity ? programs(error, declaredBy(sites)) : promises(error, sites);
    };
    Error.prepareStackTrace = ours;
    return () => {
        open = false;
        // A formatter the program installed meanwhile stays (one that calls ours reaches the program's).
        if (Error.prepareStackTrace === ours) Error.prepareStackTrace = programs;
    };
}

/**
 * `sites` without the component's own frames below the first run of constructors: the new
 * resource's class and those it extends, which a component declared meanwhile (a transformation's)
 * may be.
 */
function declaredBy(sites: NodeJS.CallSite[]): NodeJS.CallSite[] {
    const first = sites.findIndex((site) => site.isConstructor());
    let below = first < 0 ? 0 : first;
    while (below < sites.length && sites[below].isConstructor()) below++;
    return [...sites.slice(0, below), ...sites.slice(below).filter((site) => !isComponents(site))];
}

function isComponents(site: NodeJS.CallSite): boolean {
    return COMPONENT_FILES !== undefined && site.getFileName()?.startsWith(COMPONENT_FILES) === true;
}

/** A stack as V8 writes it without a formatter. */
function plain(error: Error, sites: NodeJS.CallSite[]): string {
    return `${header(error)}${sites.map((site) => `\n    at ${site}`).join("")}`;
}

/** The first line of a stack, as V8 writes it; any object may have one (Error.captureStackTrace). */
function header(error: unknown): string {
    try {
        return String(error);
    } catch {
        return "Error";
    }
}
