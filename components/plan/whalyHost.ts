/**
 * Whaly's host, when it is not where the component provisions: usually a read replica, where
 * PostgreSQL cancels queries that conflict with the replay of the primary's changes once
 * `max_standby_streaming_delay` has passed, unless `hot_standby_feedback` keeps the rows they
 * read. Pure: the facts are read elsewhere (server/facts.ts), what they mean is decided here.
 */

/** What Whaly's host told, connected with the admin's credentials. */
export interface StandbyFacts {
    /** The server is a standby (in recovery). */
    inRecovery: boolean;
    /** `pg_control_system()`'s system identifier, shared by a primary and its physical replicas; absent when the role may not read it. */
    systemIdentifier?: string;
    hotStandbyFeedback: boolean;
    /** `max_standby_streaming_delay` in milliseconds; -1 waits for ever, so never cancels. */
    maxStandbyStreamingDelayMs: number;
}

/** Why Whaly's host could not be asked: no server answered (`reached` false), or one refused the admin's login. */
export interface NotAsked {
    reached: boolean;
    reason: string;
}

/** Why the admin's credentials did not go to Whaly's host at all (see {@link lookRefusal}). */
export interface NotLooked {
    notLooked: string;
}

/** A message for the engine's log. */
export interface Finding {
    level: "info" | "warn";
    message: string;
}

export interface WhalyHostInput {
    /** `host:port` of Whaly's host. */
    where: string;
    /** What the host told, why it could not be asked (`reached` false when no server answered), or why it was not looked at. */
    standby: StandbyFacts | NotAsked | NotLooked;
    /** The primary's system identifier, when the admin may read it. */
    primarySystemIdentifier?: string;
    /** The role's statement_timeout (0: none). */
    statementTimeoutMs: number;
    roleName: string;
    /** Whaly connects through an SSH tunnel: `host` is the database as the bastion sees it, which from here may name another server or none. */
    tunnel: boolean;
}

/** `30 s`, `10 min`, `1500 ms`. */
export function duration(ms: number): string {
    if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} min`;
    if (ms >= 1000 && ms % 1000 === 0) return `${ms / 1000} s`;
    return `${ms} ms`;
}

const FIXES =
    "on RDS and Aurora in the replica's DB parameter group, on Cloud SQL as the replica's database flags, on Azure as the replica's server parameters";

/**
 * Why the admin's credentials may not go to Whaly's host `host`, or undefined when they may. Any
 * server may stand at that address, and a password sent to it is lost: so they go there only over
 * TLS that verifies that host with the admin's CA (sslmode verify-full), never over a Unix socket
 * (where libpq uses no TLS), and then only into SCRAM (serverFacts.ts, readStandbyFacts).
 * `sslMode` is how the admin connects, its settings named as in `names`.
 */
export function lookRefusal(host: string, sslMode: string, names: { sslMode: string; sslRootCert: string }): string | undefined {
    if (host.startsWith("/"))
        return `it is a Unix socket's directory, over which libpq uses no TLS, and the admin's credentials go to another server only over TLS that verifies that server: give host as a host name or IP address`;
    if (sslMode !== "verify-full")
        return (
            `the admin connects with sslmode ${sslMode}, and its credentials go to another server only over TLS that verifies that server (sslmode verify-full): ` +
            `to have it looked at, set ${names.sslMode} verify-full and ${names.sslRootCert} to the CA that signed its certificate`
        );
    return undefined;
}

/** What to say of Whaly's host: nothing, one info line, or warnings. */
export function whalyHostFindings(input: WhalyHostInput): Finding[] {
    const { where, standby, statementTimeoutMs: timeout } = input;
    const timeoutText = timeout === 0 ? "no limit (statementTimeoutMs 0)" : `${duration(timeout)} (statementTimeoutMs ${timeout})`;
    const unchecked = `Give it hot_standby_feedback = on, or a max_standby_streaming_delay of at least Whaly's statement timeout, ${timeoutText}, or Whaly's longer queries are cancelled`;
    if ("notLooked" in standby)
        return [
            {
                level: "info",
                message: `Whaly's host ${where} was not looked at: ${standby.notLooked}. If it is a read replica, its settings were not checked. ${unchecked}`,
            },
        ];
    if ("reason" in standby)
        return [
            {
                level: "info",
                message:
                    `Whaly's host ${where} ${standby.reached ? "cannot be asked" : "cannot be reached"} from here (${standby.reason})${input.tunnel ? ", as with sshTunnel, where host is the database as the bastion sees it" : ""}: ` +
                    `if it is a read replica, its settings were not checked. ${unchecked}`,
            },
        ];
    const identities = input.primarySystemIdentifier !== undefined && standby.systemIdentifier !== undefined;
    if (identities && standby.systemIdentifier !== input.primarySystemIdentifier) {
        const message =
            `Whaly's host ${where} is another cluster than the one the component provisions (system identifier ${standby.systemIdentifier}, not ${input.primarySystemIdentifier}): ` +
            `Whaly would read another server, where role ${input.roleName} does not exist. Point host at this server or one of its physical replicas (a logical replica is a cluster of its own: roles and grants do not reach it)`;
        // Through a tunnel, the name may mean another server here than on the bastion.
        return [
            input.tunnel
                ? { level: "info", message: `${message}, unless the bastion reaches another server by that name than this machine does` }
                : { level: "warn", message },
        ];
    }
    const findings: Finding[] = [];
    if (!identities) {
        const unread = input.primarySystemIdentifier === undefined ? "on the server it provisions" : `on ${where}`;
        const [what, relation] = standby.inRecovery ? ["a read replica", "replicates"] : ["a primary server", "is"];
        findings.push({
            level: "info",
            message: `Whaly's host ${where} is ${what}; whether it ${relation} the server the component provisions was not checked: pg_control_system() did not answer the admin ${unread} (revoked, or not supported)`,
        });
    }
    const delay = standby.maxStandbyStreamingDelayMs;
    const cancels = standby.inRecovery && !standby.hotStandbyFeedback && delay !== -1 && (timeout === 0 || delay < timeout);
    if (cancels)
        findings.push({
            level: "warn",
            message:
                `Whaly's host ${where} is a read replica that cancels queries conflicting with the replay of the primary's changes after max_standby_streaming_delay (${duration(delay)}), with hot_standby_feedback off, ` +
                `while Whaly's statement timeout is ${timeoutText}: longer queries fail with "canceling statement due to conflict with recovery". ` +
                `On the replica, set hot_standby_feedback = on (the primary then keeps the rows the replica's queries read, at the cost of some bloat), ` +
                `or max_standby_streaming_delay to at least ${timeout === 0 ? "-1" : `${timeout} ms, or -1`} (replay then waits for the queries, and the replica falls behind): ${FIXES}`,
        });
    return findings;
}
