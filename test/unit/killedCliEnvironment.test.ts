/**
 * @jest-environment ./test/harness/killedCliEnvironment.ts
 *
 * The environment of the files that kill the CLI: the SDK's late "Resource monitor is terminating"
 * rejections do not fail the file (without the environment, this file fails with that message).
 */
import { MONITOR_GONE } from "../harness/killedCliEnvironment";

it("a rejection the SDK leaves when the CLI is killed, unhandled, does not fail the file", async () => {
    void Promise.reject(new Error(MONITOR_GONE));
    // Node reports an unhandled rejection once the microtasks have run; jest then, and the environment.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(MONITOR_GONE).toBe("Resource monitor is terminating");
});
