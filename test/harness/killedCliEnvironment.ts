/**
 * The jest environment of the test files that SIGKILL the CLI mid-operation (named in their
 * `@jest-environment` docblock). Their inline program runs in jest's process, so the calls it still
 * has pending when the CLI dies fail after the Automation API stopped listening for them, with the
 * SDK's "Resource monitor is terminating", and jest would fail the whole file for them; in a real
 * run the language host dies with the CLI and nothing is left to fail. Those rejections, and only
 * those, are marked handled (jest drops a rejection handled later); jest reports every other one.
 */
import { TestEnvironment } from "jest-environment-node";

export const MONITOR_GONE = "Resource monitor is terminating";

export default class KilledCliEnvironment extends TestEnvironment {
    handleTestEvent(event: { name: string; error?: unknown; promise?: Promise<unknown> }): void {
        if (event.name === "error" && event.promise && (event.error as { message?: unknown } | undefined)?.message === MONITOR_GONE)
            event.promise.catch(() => undefined);
    }
}
