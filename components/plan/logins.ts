/**
 * Who logs in as Whaly, and with which password, by rotation mode. Pure.
 *
 * `single` (Whaly's guide): the role itself logs in, and a new `passwordVersion` changes its
 * password at once. `alternating` (AWS Secrets Manager's "alternating users"): the role is a
 * NOLOGIN group that holds every grant, and two LOGIN users are its members. `passwordVersion` N
 * makes user a current for odd N and user b for even N; each user keeps the password generated
 * for the last version that made it current. So a bump changes only the other user's password,
 * and the credentials Whaly uses keep working until the bump after: never more than two work.
 */

/** How the password rotates: `single` or `alternating`. */
export type Rotation = "single" | "alternating";

/** One role that logs in (or, for user b before the first rotation, will). */
export interface PlannedLogin {
    /** Child name of its role, relative to the component: `role`, `user-a` or `user-b`. */
    child: string;
    /** Role name. */
    name: string;
    /** Suffix of its password's and salt's child names: `""` (`password`, `salt`), `-a` or `-b`. */
    secretSuffix: string;
    /** The passwordVersion its password was generated for; undefined before it was ever current (NOLOGIN, no password). */
    passwordVersion?: number;
}

export interface LoginPlan {
    /** The role that holds the grants: the login role (single) or the NOLOGIN group (alternating). */
    grantee: string;
    /** Whether the grantee logs in itself (single). */
    granteeLogsIn: boolean;
    /** The roles that log in, the grantee first in single mode. */
    logins: PlannedLogin[];
    /** The login Whaly's form gets now. */
    current: PlannedLogin;
    /** The login of the version before, which keeps working until the next bump (alternating only). */
    previous?: PlannedLogin;
}

/** The default names of the two users: `<roleName>_a`, `<roleName>_b`. */
export function defaultLoginUsers(roleName: string): [string, string] {
    return [`${roleName}_a`, `${roleName}_b`];
}

export function planLogins(roleName: string, rotation: Rotation, passwordVersion: number, users: readonly [string, string]): LoginPlan {
    if (rotation === "single") {
        const login = { child: "role", name: roleName, secretSuffix: "", passwordVersion };
        return { grantee: roleName, granteeLogsIn: true, logins: [login], current: login };
    }
    // The last version that made each user current: a's are odd, b's even (0: never yet).
    const lastOdd = passwordVersion % 2 === 1 ? passwordVersion : passwordVersion - 1;
    const lastEven = passwordVersion % 2 === 0 ? passwordVersion : passwordVersion - 1;
    const a: PlannedLogin = { child: "user-a", name: users[0], secretSuffix: "-a", passwordVersion: lastOdd };
    const b: PlannedLogin = { child: "user-b", name: users[1], secretSuffix: "-b", passwordVersion: lastEven > 0 ? lastEven : undefined };
    const [current, other] = passwordVersion % 2 === 1 ? [a, b] : [b, a];
    return {
        grantee: roleName,
        granteeLogsIn: false,
        logins: [a, b],
        current,
        previous: other.passwordVersion === undefined ? undefined : other,
    };
}
