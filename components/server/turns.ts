/**
 * Turns between the components of one program. PostgreSQL refuses concurrent changes to one
 * object's privileges ("tuple concurrently updated"), and the provider serialises them only per
 * role: components that deploy to the same database of the same server take turns, each one's
 * PostgreSQL children depending on the previous one's (so they are created after them and
 * deleted before them). Components on other servers, or other databases, deploy side by side.
 *
 * Where a component deploys is known once its checks ran, as the server's address may be an
 * Output of a resource this update creates. So a component takes its turn in program order when
 * it is constructed, and tells its place once its checks know it. Its children then wait for:
 *  - the places of the components constructed before it: their checks, not their children, so
 *    that the order within a turn is the program's, whichever checks finish first;
 *  - the children of the last of them whose place it shares.
 * A place not known takes turns with every place it may be: a component whose server is not
 * known (at preview, when the checks wait for what the update creates) with every component on
 * a database of the same name, on any server; one whose database is not known either, with all.
 * At `up` every place is known: the checks wait for what the component depends on.
 */
import * as pulumi from "@pulumi/pulumi";

/** Where a component deploys: `host:port` and the database, each undefined while not known. */
export interface Place {
    server?: string;
    database?: string;
}

export interface Turn<T> {
    /**
     * Runs `declare` when the turn comes, with the children to come after. It returns its own
     * children and its result; children undefined (nothing declared), or a failure, hands the next
     * component what this one came after.
     */
    run<R>(declare: (after: T[]) => Promise<[children: T[] | undefined, result: R]>): Promise<R>;
}

/** Two places that may be the same database of the same server. */
const mayShare = (a: Place, b: Place) =>
    (a.server === undefined || b.server === undefined || a.server === b.server) &&
    (a.database === undefined || b.database === undefined || a.database === b.database);

/** The turns of one program run, in the order the components take them. */
export class Turns<T> {
    private readonly taken: Array<{ place: Promise<Place>; children: Promise<T[]> }> = [];

    /** A turn for the component constructed now, whose place `place` tells once known. */
    take(place: Promise<Place>): Turn<T> {
        const earlier = [...this.taken];
        // A component whose checks failed to tell declares nothing; it may be anywhere.
        const mine = place.catch((): Place => ({}));
        let handOn!: (children: T[]) => void;
        this.taken.push({ place: mine, children: new Promise((resolve) => (handOn = resolve)) });
        const after = (async () => {
            const [here, ...places] = await Promise.all([mine, ...earlier.map((e) => e.place)]);
            // The last earlier component of each place this one may share; those it covers come before it already.
            const last: number[] = [];
            for (let i = places.length - 1; i >= 0; i--)
                if (mayShare(here, places[i]) && !last.some((j) => mayShare(places[j], places[i]))) last.push(i);
            return (await Promise.all(last.map((i) => earlier[i].children))).flat();
        })();
        return {
            run: async (declare) => {
                const before = await after;
                try {
                    const [children, result] = await declare(before);
                    handOn(children ?? before);
                    return result;
                } catch (e) {
                    handOn(before);
                    throw e;
                }
            },
        };
    }
}

/** Per program run (its Stack resource): the components' turns. */
const turnsOfRun = new WeakMap<object, Turns<pulumi.CustomResource>>();

/** A turn among the components of this program run. */
export function takeTurn(place: Promise<Place>): Turn<pulumi.CustomResource> {
    const run = pulumi.runtime.getStackResource() ?? turnsOfRun;
    const turns = turnsOfRun.get(run) ?? new Turns<pulumi.CustomResource>();
    turnsOfRun.set(run, turns);
    return turns.take(place);
}
