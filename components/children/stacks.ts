/**
 * The stacks the SDK reads while the component declares its children. For each promise it makes
 * while registering a resource (four per property of the resource's schema), the SDK takes a stack
 * trace, for its report of promises left pending at exit, and reads it at once. Under ts-node,
 * which runs TypeScript programs, reading a stack maps every frame through the source maps: in a
 * no-change preview of the fleet benchmark that was 40 to 45 % of the program's CPU. For each
 * resource, it also reads the stack it sends the engine, who keeps it in the state with the source
 * position, its first frame: a copy rewritten after every step of an update.
 */
import * as path from "node:path";

/** The component's own files, here or compiled: `components/`. */
const COMPONENT_FILES = path.resolve(__dirname, "..") + path.sep;

/**
 * From now until the returned function is called, in the same synchronous run, a stack read is
 * written without the program's formatter (the source maps), from the compiled files' positions.
 * V8 still records every frame up to the program's own limit, and formats a stack when it is first
 * read: one read afterwards (an error the SDK makes ahead in case a registration fails, an error
 * thrown by a transformation) is written by the program's formatter.
 *
 * The exception is the SDK's reading of a resource's stack for the engine, which lifts the limit
 * to Infinity: written by the program's formatter, without the component's own frames. A child's
 * source position and stack are then its component's: from the program's line that declared the
 * component, as for a component a plugin serves. The frames inside the component, the same for
 * every child, were two fifths of what a child holds in the state more than a resource declared
 * by hand.
 *
 * With `PULUMI_DEBUG_PROMISE_LEAKS`, set to investigate pending promises, the promises' traces
 * are the program's as before. Opened and closed in the caller's own body, so that stacks taken
 * meanwhile hold no frame of it.
 */
export function childStacks(): () => void {
    const before = Error.prepareStackTrace;
    // Node maps a program's stacks itself with --enable-source-maps, by no formatter a program can call.
    if (!before && process.sourceMapsEnabled) return () => undefined;
    const programs = before ?? plain;
    const promises = process.env.PULUMI_DEBUG_PROMISE_LEAKS ? programs : plain;
    Error.prepareStackTrace = (error, sites) =>
        Error.stackTraceLimit === Infinity
            ? programs(
                  error,
                  sites.filter((site) => !isComponents(site)),
              )
            : promises(error, sites);
    return () => {
        Error.prepareStackTrace = before;
    };
}

/** A stack as V8 writes it without a formatter, and Node without source maps. */
function plain(error: Error, sites: NodeJS.CallSite[]): string {
    return `${header(error)}${sites.map((site) => `\n    at ${site}`).join("")}`;
}

function isComponents(site: NodeJS.CallSite): boolean {
    return site.getFileName()?.startsWith(COMPONENT_FILES) === true;
}

/** The first line of a stack, as V8 writes it; any object may have one (Error.captureStackTrace). */
function header(error: unknown): string {
    try {
        return String(error);
    } catch {
        return "Error";
    }
}
