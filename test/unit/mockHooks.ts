/**
 * The SDK's mocked engine answers no hook registration (`registerResourceHook`, `registerErrorHook`
 * are missing from its MockMonitor): this accepts them, as the engine does, so that a component with
 * hooks can be declared under mocks. The hooks themselves are tested by calling them, and through
 * the real CLI in test/e2e.
 */
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";

type Callback = (err: Error | null, response: unknown) => void;
const monitor = MockMonitor.prototype as unknown as Record<string, (req: unknown, callback: Callback) => void>;
for (const method of ["registerResourceHook", "registerErrorHook"]) monitor[method] ??= (_req, callback) => callback(null, {});
