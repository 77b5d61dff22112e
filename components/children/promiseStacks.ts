/**
 * The SDK gives every promise it makes while registering a resource a stack trace (four per
 * property of the resource's schema), for its report of promises left pending at exit, and reads
 * each one at once. Under ts-node, which runs TypeScript programs, reading a stack maps every frame
 * through the source maps: in a no-change preview of the fleet benchmark that was 40 to 45 % of
 * the program's CPU. While the component declares its children, a stack read then is written from
 * the compiled files' positions instead, without the maps.
 */

/**
 * From now until the returned function is called, in the same synchronous run, a stack read is
 * written without the program's formatter (the source maps), from the compiled files' positions.
 * V8 still records every frame up to the program's own limit, and formats a stack when it is first
 * read: one read afterwards (an error the SDK makes ahead in case a registration fails, an error
 * thrown by a transformation) is written by the program's formatter. So is the SDK's reading of
 * source positions, which lifts the limit to Infinity. Nothing changes with
 * `PULUMI_DEBUG_PROMISE_LEAKS`, set to investigate pending promises. Opened and closed in the
 * caller's own body, so that stacks taken meanwhile hold no frame of it.
 */
export function unmapStacks(): () => void {
    const programs = Error.prepareStackTrace;
    if (process.env.PULUMI_DEBUG_PROMISE_LEAKS || !programs) return () => undefined;
    Error.prepareStackTrace = (error, sites) =>
        Error.stackTraceLimit === Infinity ? programs(error, sites) : `${header(error)}${sites.map((site) => `\n    at ${site}`).join("")}`;
    return () => {
        Error.prepareStackTrace = programs;
    };
}

/** The first line of a stack, as V8 writes it; any object may have one (Error.captureStackTrace). */
function header(error: unknown): string {
    try {
        return String(error);
    } catch {
        return "Error";
    }
}
