/**
 * The SDK gives every promise it makes while registering a resource a stack trace, four per
 * property of the resource's schema, kept only for its report of promises left pending at exit.
 * Under ts-node each trace is source-mapped: in a preview of the fleet benchmark that was 40 % of
 * the program's CPU. For the component's children such a trace holds the SDK's frames and the
 * component's (ten frames at most): nothing the user's program could act on. The report still
 * names each promise's resource and property.
 */

/**
 * Runs `declare` with V8's stack traces off, then puts back the limit it found (whatever
 * `declare` does). The SDK's source positions are unaffected: it lifts the limit to read them.
 * An error thrown meanwhile gets the stack of where it leaves `declare`.
 */
export function withoutPromiseStacks<T>(declare: () => T): T {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
        return declare();
    } catch (e) {
        Error.stackTraceLimit = limit;
        if (e instanceof Error && !e.stack?.includes("\n    at ")) Error.captureStackTrace(e, withoutPromiseStacks);
        throw e;
    } finally {
        Error.stackTraceLimit = limit;
    }
}
