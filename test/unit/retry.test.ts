import { retryDelayMs } from "../../components/server/retry";

describe("the retry of a child's step", () => {
    it.each([
        "pq: tuple concurrently updated",
        "error granting role whaly_bi: pq: deadlock detected",
        "could not execute revoke query: pq: could not serialize access due to concurrent update",
    ])("retries %s", (error) => {
        expect(retryDelayMs([error], 0.5)).toBe(200);
    });

    it("retries a concurrent change 6 times, each pause about twice the last, then lets the step fail", () => {
        const error = "pq: tuple concurrently updated";
        expect([1, 2, 3, 4, 5, 6, 7].map((n) => retryDelayMs(Array(n).fill(error), 0.5))).toEqual([
            200,
            400,
            800,
            1600,
            3200,
            6400,
            undefined,
        ]);
    });

    it("jitters each pause from half to one and a half times its middle", () => {
        const error = ["pq: tuple concurrently updated"];
        expect([retryDelayMs(error, 0), retryDelayMs(error, 1)]).toEqual([100, 300]);
    });

    it.each([
        "pq: permission denied for schema sales",
        'pq: role "whaly_bi" already exists',
        "dial tcp 127.0.0.1:1: connect: connection refused",
    ])("lets %s fail at once", (error) => {
        expect(retryDelayMs([error], 0.5)).toBeUndefined();
    });

    it("decides on the newest error", () => {
        expect(retryDelayMs(["pq: permission denied for schema sales", "pq: tuple concurrently updated"], 0.5)).toBeUndefined();
    });
});
