/**
 * Turns between components: on one server and database, one after the other in program order,
 * whichever learns its place first; elsewhere side by side; a place not known takes turns with
 * every place it may be; a component that declares nothing, or fails, hands on what it came after.
 */
import { Place, Turns } from "../../components/server/turns";

/** A promise to resolve later. */
function later<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (e: Error) => void } {
    let resolve!: (value: T) => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
    return { promise, resolve, reject };
}

/** Whether `promise` has settled once pending callbacks have run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
    let done = false;
    void promise.then(
        () => (done = true),
        () => (done = true),
    );
    for (let i = 0; i < 20; i++) await Promise.resolve();
    return done;
}

const A: Place = { server: "db-a:5432", database: "analytics" };
const B: Place = { server: "db-b:5432", database: "analytics" };

/** Runs a component's turn: records what it came after, declares `children` once `go` resolves. */
function component(turns: Turns<string>, place: Promise<Place>, children: string[] | undefined, go = Promise.resolve()) {
    let came: string[] | undefined;
    const done = turns.take(place).run(async (after) => {
        came = after;
        await go;
        return [children, "declared"] as [string[] | undefined, string];
    });
    return { done, after: () => came };
}

describe("turns", () => {
    it("on one server and database, one after the other in program order, even when the second learns its place first", async () => {
        const turns = new Turns<string>();
        const firstPlace = later<Place>();
        const first = component(turns, firstPlace.promise, ["first/role", "first/grant"]);
        const second = component(turns, Promise.resolve(A), ["second/role"]);
        expect(await settled(second.done)).toBe(false);
        firstPlace.resolve({ ...A });
        await Promise.all([first.done, second.done]);
        expect(first.after()).toEqual([]);
        expect(second.after()).toEqual(["first/role", "first/grant"]);
    });

    it("on other servers side by side: the second does not wait for the first's children", async () => {
        const turns = new Turns<string>();
        const firstDeclares = later<void>();
        const first = component(turns, Promise.resolve(A), ["first/role"], firstDeclares.promise);
        const second = component(turns, Promise.resolve(B), ["second/role"]);
        expect(await second.done).toBe("declared");
        expect(second.after()).toEqual([]);
        expect(await settled(first.done)).toBe(false);
        firstDeclares.resolve();
        await first.done;
    });

    it("another database on the same server is another turn", async () => {
        const turns = new Turns<string>();
        component(turns, Promise.resolve(A), ["first/role"], new Promise(() => undefined));
        const second = component(turns, Promise.resolve({ ...A, database: "staging" }), []);
        await second.done;
        expect(second.after()).toEqual([]);
    });

    it("a third on the first's place comes after the first only, and the fourth after the third", async () => {
        const turns = new Turns<string>();
        const first = component(turns, Promise.resolve(A), ["first"]);
        const second = component(turns, Promise.resolve(B), ["second"]);
        const third = component(turns, Promise.resolve(A), ["third"]);
        const fourth = component(turns, Promise.resolve(A), ["fourth"]);
        await Promise.all([first.done, second.done, third.done, fourth.done]);
        expect([third.after(), fourth.after()]).toEqual([["first"], ["third"]]);
    });

    it("a server not known takes turns with every component on a database of that name, and the next known one after it", async () => {
        const turns = new Turns<string>();
        component(turns, Promise.resolve(A), ["on a"]);
        component(turns, Promise.resolve(B), ["on b"]);
        component(turns, Promise.resolve({ server: "db-c:5432", database: "other" }), ["other database"]);
        const unknown = component(turns, Promise.resolve({ database: "analytics" }), ["unknown"]);
        const next = component(turns, Promise.resolve(B), ["next on b"]);
        await next.done;
        expect(unknown.after()?.sort()).toEqual(["on a", "on b"]);
        expect(next.after()).toEqual(["unknown"]);
    });

    it("a database not known either takes turns with all", async () => {
        const turns = new Turns<string>();
        component(turns, Promise.resolve(A), ["on a"]);
        component(turns, Promise.resolve({ server: "db-c:5432", database: "other" }), ["other database"]);
        const unknown = component(turns, Promise.resolve({}), ["unknown"]);
        await unknown.done;
        expect(unknown.after()?.sort()).toEqual(["on a", "other database"]);
    });

    it("a component that declares nothing, or fails, or whose place cannot be told, hands on what it came after", async () => {
        const turns = new Turns<string>();
        component(turns, Promise.resolve(A), ["first"]);
        const nothing = component(turns, Promise.resolve(A), undefined);
        const failing = turns.take(Promise.resolve(A)).run(async () => {
            throw new Error("declaring failed");
        });
        const lost = component(turns, Promise.reject(new Error("checks failed")), undefined);
        const last = component(turns, Promise.resolve(A), ["last"]);
        await expect(failing).rejects.toThrow("declaring failed");
        await Promise.all([nothing.done, lost.done, last.done]);
        expect([nothing.after(), lost.after(), last.after()]).toEqual([["first"], ["first"], ["first"]]);
    });
});
