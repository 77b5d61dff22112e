/**
 * A TCP proxy on loopback that forwards every connection to one target, optionally holding each
 * chunk `delayMs` in each direction: with 10 ms each way, a server 20 ms of round trip away, as a
 * cloud database a region away. Chunks keep their order (timers of one delay fire in the order
 * they were set).
 */
import * as net from "node:net";

export interface TcpProxy {
    host: string;
    port: number;
    /** Stops listening and cuts the connections still open. */
    close(): Promise<void>;
}

export interface TcpProxyOptions {
    /** Milliseconds each chunk is held, in each direction. Default 0. */
    delayMs?: number;
    /** Where to listen. Default 127.0.0.1 on a free port. */
    host?: string;
    port?: number;
}

export function startTcpProxy(target: { host: string; port: number }, options: TcpProxyOptions = {}): Promise<TcpProxy> {
    const delayMs = options.delayMs ?? 0;
    const host = options.host ?? "127.0.0.1";
    const sockets = new Set<net.Socket>();
    const later = (action: () => void) => (delayMs > 0 ? setTimeout(action, delayMs) : action());
    /** Copies `from` to `to`, each chunk and the end held `delayMs`. */
    const forward = (from: net.Socket, to: net.Socket) => {
        from.on("data", (chunk) => later(() => to.destroyed || to.write(chunk)));
        from.on("end", () => later(() => to.destroyed || to.end()));
    };
    const server = net.createServer((client) => {
        const upstream = net.connect(target.port, target.host);
        for (const socket of [client, upstream]) {
            sockets.add(socket);
            socket.on("close", () => sockets.delete(socket));
            socket.on("error", () => {
                client.destroy();
                upstream.destroy();
            });
        }
        forward(client, upstream);
        forward(upstream, client);
    });
    return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(options.port ?? 0, host, () => {
            resolve({
                host,
                port: (server.address() as net.AddressInfo).port,
                close: () =>
                    new Promise<void>((done) => {
                        for (const socket of sockets) socket.destroy();
                        server.close(() => done());
                    }),
            });
        });
    });
}
