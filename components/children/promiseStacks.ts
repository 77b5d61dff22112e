/**
 * The SDK gives every promise it makes while registering a resource a stack trace (four per
 * property of the resource's schema), for its report of promises left pending at exit, and reads
 * each one at once. Under ts-node, which runs TypeScript programs, reading a stack maps every frame
 * through the source maps: in a no-change preview of the fleet benchmark that was 40 % of the
 * program's CPU. While the component declares its children, a stack read then is written from
 * the compiled files' positions instead, without the maps.
 */

/**
 * Runs `declare` (synchronous) with a stack read meanwhile written without source maps. V8 still
 * records every frame, up to the program's own limit: a stack first read afterwards (an error the
 * SDK makes ahead, in case a registration fails; an error thrown by a transformation) is written
 * by the program's formatter, mapped. The SDK's reading of source positions, which lifts the limit
 * to Infinity, gets the program's formatter too. Nothing changes with `PULUMI_DEBUG_PROMISE_LEAKS`
 * (set to investigate pending promises), nor in a program without a formatter of its own, whose
 * stacks V8 writes at no such cost.
 */
export function withUnmappedStacks<T>(declare: () => T): T {
    const programs = Error.prepareStackTrace;
    if (process.env.PULUMI_DEBUG_PROMISE_LEAKS || !programs) return declare();
    Error.prepareStackTrace = (error, sites) =>
        Error.stackTraceLimit === Infinity ? programs(error, sites) : `${error}${sites.map((site) => `\n    at ${site}`).join("")}`;
    try {
        return declare();
    } finally {
        Error.prepareStackTrace = programs;
    }
}
