/**
 * What the preflight says of Whaly's host when it is another server than the one the component
 * provisions: the verdicts on given facts, and when the admin's credentials may go there at all.
 * Real replicas, their settings and a query really cancelled: test/e2e/replica.test.ts; a hostile
 * server there, which gets nothing of the password: test/servers/whalyHost.test.ts.
 */
import { ADMIN_NAMES, STACK_CONFIG_NAMES } from "../../components/server/location";
import { duration, lookRefusal, StandbyFacts, whalyHostFindings, WhalyHostInput } from "../../components/plan/whalyHost";

const replica: StandbyFacts = { inRecovery: true, systemIdentifier: "7714", hotStandbyFeedback: false, maxStandbyStreamingDelayMs: 30_000 };
const input = (standby: WhalyHostInput["standby"], more: Partial<WhalyHostInput> = {}): WhalyHostInput => ({
    where: "replica.internal:5432",
    standby,
    primarySystemIdentifier: "7714",
    statementTimeoutMs: 600_000,
    roleName: "whaly_bi",
    tunnel: false,
    ...more,
});
const levels = (i: WhalyHostInput) => whalyHostFindings(i).map((f) => f.level);

describe("Whaly's host", () => {
    it("a replica of this cluster with the defaults (feedback off, 30 s) and a 10 min timeout: a warning naming both fixes and where to set them", () => {
        const [finding, ...rest] = whalyHostFindings(input(replica));
        expect(rest).toEqual([]);
        expect(finding.level).toBe("warn");
        for (const part of [
            "Whaly's host replica.internal:5432 is a read replica",
            "max_standby_streaming_delay (30 s), with hot_standby_feedback off",
            "Whaly's statement timeout is 10 min (statementTimeoutMs 600000)",
            '"canceling statement due to conflict with recovery"',
            "set hot_standby_feedback = on",
            "max_standby_streaming_delay to at least 600000 ms, or -1",
            "on RDS and Aurora in the replica's DB parameter group",
            "on Cloud SQL as the replica's database flags",
            "on Azure as the replica's server parameters",
        ])
            expect(finding.message).toContain(part);
    });

    it.each([
        ["hot_standby_feedback on", { hotStandbyFeedback: true }, {}],
        ["a delay as long as the timeout", { maxStandbyStreamingDelayMs: 600_000 }, {}],
        ["a delay longer than the timeout", { maxStandbyStreamingDelayMs: 900_000 }, {}],
        ["a delay of -1, which never cancels", { maxStandbyStreamingDelayMs: -1 }, { statementTimeoutMs: 0 }],
    ])("nothing to say with %s", (_what, facts, more) => {
        expect(whalyHostFindings(input({ ...replica, ...facts }, more))).toEqual([]);
    });

    it("no statement timeout (0): any finite delay is shorter, so the fix is -1", () => {
        const [finding] = whalyHostFindings(input({ ...replica, maxStandbyStreamingDelayMs: 3_600_000 }, { statementTimeoutMs: 0 }));
        expect(finding.level).toBe("warn");
        expect(finding.message).toContain("statement timeout is no limit (statementTimeoutMs 0)");
        expect(finding.message).toContain("max_standby_streaming_delay to at least -1");
    });

    it("the primary under another name: nothing to say", () => {
        expect(whalyHostFindings(input({ ...replica, inRecovery: false }))).toEqual([]);
    });

    it("another cluster: a warning that Whaly would read a server where the role does not exist", () => {
        const [finding] = whalyHostFindings(input({ ...replica, systemIdentifier: "9999" }));
        expect(finding).toEqual({
            level: "warn",
            message: expect.stringContaining(
                "replica.internal:5432 is another cluster than the one the component provisions (system identifier 9999, not 7714): Whaly would read another server, where role whaly_bi does not exist",
            ),
        });
    });

    it("another cluster seen through a tunnel's name: only an info line, since the bastion may see another server by that name", () => {
        expect(levels(input({ ...replica, systemIdentifier: "9999" }, { tunnel: true }))).toEqual(["info"]);
    });

    it("cannot be reached, or refuses the admin: one info line saying what was not checked, never a warning", () => {
        const findings = whalyHostFindings(input({ reached: false, reason: "ETIMEDOUT" }));
        expect(findings).toEqual([
            {
                level: "info",
                message: expect.stringMatching(
                    /^Whaly's host replica.internal:5432 cannot be reached from here \(ETIMEDOUT\): if it is a read replica, its settings were not checked\. .*hot_standby_feedback = on.*10 min/,
                ),
            },
        ]);
        expect(whalyHostFindings(input({ reached: false, reason: "ENOTFOUND" }, { tunnel: true }))[0].message).toContain(
            "as with sshTunnel, where host is the database as the bastion sees it",
        );
        expect(whalyHostFindings(input({ reached: true, reason: 'password authentication failed for user "postgres"' }))).toEqual([
            {
                level: "info",
                message: expect.stringContaining(
                    'replica.internal:5432 cannot be asked from here (password authentication failed for user "postgres")',
                ),
            },
        ]);
    });

    it("an identity that cannot be read: says it was not checked, and still judges the settings", () => {
        expect(levels(input({ ...replica, systemIdentifier: undefined }))).toEqual(["info", "warn"]);
        expect(whalyHostFindings(input(replica, { primarySystemIdentifier: undefined }))[0].message).toContain(
            "whether it replicates the server the component provisions was not checked: pg_control_system() did not answer the admin on the server it provisions (revoked, or not supported)",
        );
        expect(levels(input({ ...replica, inRecovery: false, systemIdentifier: undefined }))).toEqual(["info"]);
    });
});

describe("whether the admin's credentials may go to Whaly's host", () => {
    it("only with verify-full: the admin's CA then verifies the host, which any server may stand at", () => {
        expect(lookRefusal("replica.internal", "verify-full", ADMIN_NAMES)).toBeUndefined();
    });

    it.each(["disable", "allow", "prefer", "require", "verify-ca"])(
        "not with sslmode %s: the reason, and the settings that allow it",
        (mode) => {
            expect(lookRefusal("replica.internal", mode, ADMIN_NAMES)).toBe(
                `the admin connects with sslmode ${mode}, and its credentials go to another server only over TLS that verifies that server (sslmode verify-full): ` +
                    "to have it looked at, set admin.sslMode (or PGSSLMODE) verify-full and admin.sslRootCert (or PGSSLROOTCERT) to the CA that signed its certificate",
            );
        },
    );

    it("the settings named as the connection's source names them", () => {
        expect(lookRefusal("replica.internal", "require", STACK_CONFIG_NAMES)).toContain(
            "set postgresql:sslmode (or PGSSLMODE) verify-full and postgresql:sslrootcert (or PGSSLROOTCERT) to the CA",
        );
    });

    it("never to a Unix socket's directory, where libpq uses no TLS, whatever the sslmode", () => {
        expect(lookRefusal("/var/run/postgresql", "verify-full", ADMIN_NAMES)).toContain(
            "is a Unix socket's directory, over which libpq uses no TLS",
        );
    });

    it("not looked at: one info line saying why and how, and what was not checked", () => {
        const findings = whalyHostFindings(input({ notLooked: lookRefusal("replica.internal", "require", ADMIN_NAMES)! }));
        expect(findings).toEqual([
            {
                level: "info",
                message: expect.stringMatching(
                    /^Whaly's host replica.internal:5432 was not looked at: the admin connects with sslmode require, .* to the CA that signed its certificate\. If it is a read replica, its settings were not checked\. Give it hot_standby_feedback = on, .*10 min/,
                ),
            },
        ]);
    });
});

describe("duration", () => {
    it.each([
        [30_000, "30 s"],
        [600_000, "10 min"],
        [1500, "1500 ms"],
        [90_000, "90 s"],
        [500, "500 ms"],
    ])("%i ms: %s", (ms, text) => expect(duration(ms)).toBe(text));
});
