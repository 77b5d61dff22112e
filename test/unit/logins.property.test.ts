import fc from "fast-check";
import { planLogins } from "../../components/plan/logins";

const USERS = ["whaly_bi_a", "whaly_bi_b"] as const;
const passwordOf = (plan: ReturnType<typeof planLogins>, user: string) => plan.logins.find((l) => l.name === user)?.passwordVersion;

describe("planLogins, alternating", () => {
    it("a bump keeps the current user's password, gives the other user a new one, and makes it current", () => {
        fc.assert(
            fc.property(fc.integer({ min: 1, max: 1_000_000 }), (n) => {
                const before = planLogins("whaly_bi", "alternating", n, USERS);
                const after = planLogins("whaly_bi", "alternating", n + 1, USERS);
                expect(after.current.name).not.toBe(before.current.name);
                expect(after.previous?.name).toBe(before.current.name);
                // The credentials Whaly holds at n keep working at n + 1 ...
                expect(passwordOf(after, before.current.name)).toBe(before.current.passwordVersion);
                // ... and the new current user's password is new.
                expect(after.current.passwordVersion).toBe(n + 1);
                if (before.previous) expect(passwordOf(after, before.previous.name)).not.toBe(before.previous.passwordVersion);
            }),
        );
    });

    it("never gives more than two users a password, and the group none", () => {
        fc.assert(
            fc.property(fc.integer({ min: 1, max: 1_000_000 }), (n) => {
                const plan = planLogins("whaly_bi", "alternating", n, USERS);
                expect(plan.granteeLogsIn).toBe(false);
                expect(plan.logins.map((l) => l.name)).toEqual([...USERS]);
                expect(plan.logins.filter((l) => l.passwordVersion !== undefined).length).toBe(n === 1 ? 1 : 2);
            }),
        );
    });

    it("makes a current for odd versions and b for even ones; b has no password before the first rotation", () => {
        expect(planLogins("whaly_bi", "alternating", 1, USERS)).toMatchObject({
            current: { name: "whaly_bi_a", passwordVersion: 1, child: "user-a", secretSuffix: "-a" },
            previous: undefined,
            logins: [{ name: "whaly_bi_a" }, { name: "whaly_bi_b", passwordVersion: undefined }],
        });
        expect(planLogins("whaly_bi", "alternating", 4, USERS)).toMatchObject({
            current: { name: "whaly_bi_b", passwordVersion: 4 },
            previous: { name: "whaly_bi_a", passwordVersion: 3 },
        });
    });
});

describe("planLogins, single", () => {
    it("is the guide's one role, which logs in with the version's password", () => {
        expect(planLogins("whaly_bi", "single", 7, USERS)).toEqual({
            grantee: "whaly_bi",
            granteeLogsIn: true,
            logins: [{ child: "role", name: "whaly_bi", secretSuffix: "", passwordVersion: 7 }],
            current: { child: "role", name: "whaly_bi", secretSuffix: "", passwordVersion: 7 },
        });
    });
});
