/**
 * Why the harness gives each of the SDK's gRPC clients connections of its own
 * (scripts/lib/pulumiCli.ts): a new engine listening on a port where an earlier one died, as a
 * long test run brings round, is unreachable through the process-wide connection pool.
 */
import * as net from "node:net";
import * as grpc from "@grpc/grpc-js";
import { ownConnectionsPerClient } from "../../scripts/lib/pulumiCli";

const PING = {
    ping: {
        path: "/test.Test/Ping",
        requestStream: false,
        responseStream: false,
        requestSerialize: () => Buffer.alloc(0),
        requestDeserialize: () => ({}),
        responseSerialize: () => Buffer.alloc(0),
        responseDeserialize: () => ({}),
    },
} as const;
const Client = grpc.makeGenericClientConstructor(PING, "Test");
type Pinger = grpc.Client & { ping(request: object, callback: (error: grpc.ServiceError | null) => void): void };

function serve(port: number): Promise<grpc.Server> {
    const server = new grpc.Server();
    server.addService(PING, { ping: (_call: unknown, callback: (error: null, response: object) => void) => callback(null, {}) });
    return new Promise((resolve, reject) =>
        server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (error) =>
            error ? reject(error) : resolve(server),
        ),
    );
}

// A failed connection is tried again after a backoff (1 s at first): a long one keeps the failure
// in place however slow the machine, where a busy run's engine starts within it.
const SLOW_RECONNECT = { "grpc.initial_reconnect_backoff_ms": 600_000, "grpc.max_reconnect_backoff_ms": 600_000 };
const pinger = (port: number, options: Record<string, unknown>) =>
    new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), { ...options, ...SLOW_RECONNECT }) as unknown as Pinger;
const ping = (client: Pinger) => new Promise<string>((resolve) => client.ping({}, (error) => resolve(error ? error.message : "ok")));

async function freePort(): Promise<number> {
    const probe = net.createServer().listen(0, "127.0.0.1");
    await new Promise((resolve) => probe.once("listening", resolve));
    const { port } = probe.address() as net.AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    return port;
}

/** What a new client says to a new server on the port an earlier server died on, its client having failed there. */
async function afterPortReuse(options: Record<string, unknown>): Promise<string> {
    const port = await freePort();
    const first = await serve(port);
    const earlier = pinger(port, options);
    expect(await ping(earlier)).toBe("ok");
    first.forceShutdown();
    expect(await ping(earlier)).toMatch(/UNAVAILABLE/);
    const second = await serve(port);
    try {
        return await ping(pinger(port, options));
    } finally {
        second.forceShutdown();
        earlier.close();
    }
}

it("with the process-wide pool, a new engine on a reused port is unreachable; with the SDK's options after the harness's change, it answers", async () => {
    expect(await afterPortReuse({})).toMatch(/14 UNAVAILABLE: No connection established/);
    ownConnectionsPerClient();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { grpcClientOptions } = require("@pulumi/pulumi/runtime/settings") as { grpcClientOptions: Record<string, unknown> };
    expect(await afterPortReuse(grpcClientOptions)).toBe("ok");
});
