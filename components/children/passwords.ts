/**
 * Per login with a password, the password (generated for its version unless given) and the salt
 * of its SCRAM verifier: stack state only, nothing on the server.
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ValidatedArgs } from "../contract/validate";
import { LoginPlan } from "../plan/logins";
import { SCRAM_SALT_BYTES, scramVerifier } from "../plan/scram";
import { Verdict } from "../server/checks";
import { isKnown, valueOf } from "../server/dependencies";

/** A login's password and the SCRAM verifier the server gets instead, `kept` when an adopted role keeps its own. */
export interface LoginSecret {
    password: pulumi.Output<string>;
    verifier: pulumi.Output<string>;
    kept: pulumi.Output<boolean>;
}

/**
 * The secrets of every login that has a password, by login name. A role adopted with a password
 * of its own keeps it until the next bump (`kept`, see adoptedPasswordKept).
 */
export function declarePasswords(
    component: pulumi.Resource,
    name: string,
    v: ValidatedArgs,
    logins: LoginPlan,
    verdict: Promise<Verdict>,
    gated: pulumi.CustomResourceOptions,
): Map<string, LoginSecret> {
    const secrets = new Map<string, LoginSecret>();
    for (const login of logins.logins) {
        if (login.passwordVersion === undefined) continue;
        // A new version replaces only the password; the role is altered in place.
        const keepers = { version: String(login.passwordVersion) };
        const generated = () =>
            new random.RandomPassword(`${name}/password${login.secretSuffix}`, { length: v.passwordLength, special: false, keepers }, gated)
                .result;
        const password = pulumi.secret(v.password ?? generated());
        // Created with the login's first password and never replaced: it also records the version
        // at which an existing role was adopted (see adoptedPasswordKept).
        // Adopted with a password of its own: a role of that name exists on the server (the checks read
        // what adopting it changes) and logs in; a NOLOGIN one, as a take-over that stopped leaves it,
        // has no password to keep. Only with adoptRole does the salt, and so the role, wait for the
        // checks: otherwise they run beside the registration.
        const mayAdopt = v.adoptRole && logins.granteeLogsIn && v.password === undefined;
        const adopted = mayAdopt
            ? verdict.then(({ adoption, server }) => {
                  const role = server?.roles[v.roleName];
                  // One that logs in without a password (a certificate, peer) has none to keep, where a superuser can tell.
                  return adoption !== undefined && role?.canLogin === true && role.hasPassword !== false;
              })
            : Promise.resolve(false);
        const adoptedAt = { adoptedAtVersion: String(login.passwordVersion) };
        const saltName = `${name}/salt${login.secretSuffix}`;
        const salt = new random.RandomBytes(
            saltName,
            {
                length: SCRAM_SALT_BYTES,
                keepers: mayAdopt ? pulumi.output(adopted).apply((a) => (a ? adoptedAt : undefined)) : undefined,
            },
            { ...gated, ignoreChanges: ["keepers"] },
        );
        // The SCRAM verifier, never the password: see scram.ts.
        const verifier = pulumi.secret(
            pulumi.all([password, salt.base64]).apply(([plain, saltBase64]) => scramVerifier(plain, Buffer.from(saltBase64, "base64"))),
        );
        const recorded = mayAdopt ? recordedKeepers(salt, saltName) : salt.keepers;
        const kept =
            logins.granteeLogsIn && v.password === undefined
                ? pulumi.output(adoptedPasswordKept(salt, recorded, login.passwordVersion, adopted))
                : pulumi.output(false);
        kept.apply((k) => k && pulumi.log.warn(keptPasswordWarning(v.roleName, v.passwordVersion), component));
        secrets.set(login.name, { password, verifier, kept });
    }
    return secrets;
}

/**
 * Whether an adopted role keeps the password it had: until `passwordVersion` goes above the version
 * it was adopted at. The salt's keepers (`recorded`) hold that version: a salt created while
 * adopting records it, and a salt in the state keeps its keepers as they were (ignoreChanges), so
 * a role the stack created is never taken for an adopted one. A salt made without keepers has none
 * in its outputs, which a preview reads as unknown.
 */
async function adoptedPasswordKept(
    salt: random.RandomBytes,
    recorded: pulumi.Output<{ [key: string]: string } | undefined>,
    version: number,
    adopting: Promise<boolean>,
): Promise<boolean> {
    if (await isKnown(recorded)) return (await valueOf(recorded))?.adoptedAtVersion === String(version);
    // Unknown keepers at preview: a salt in the state (its ID known) has none; one this update creates gets them from this run.
    return (await isKnown(salt.id)) ? false : adopting;
}

/**
 * The salt's keepers as the engine holds them. At up, the SDK gives a property missing from the
 * engine's outputs the value the program gave it: keepers given to a salt whose state has none
 * would read as the state's. Read back by URN (the `urn` resource option: a read, which declares
 * nothing), the engine's alone.
 */
function recordedKeepers(salt: random.RandomBytes, name: string): pulumi.Output<{ [key: string]: string } | undefined> {
    return salt.urn.apply((urn) => new random.RandomBytes(name, { length: SCRAM_SALT_BYTES }, { urn }).keepers);
}

function keptPasswordWarning(roleName: string, version: number): string {
    return (
        `adoptRole: role ${roleName} keeps the password it has, which this stack does not know: until passwordVersion goes above ${version}, ` +
        `the password output is empty and connectionString holds no password (Whaly's form keeps the one it has). ` +
        `Set passwordVersion to ${version + 1} to give the role this stack's generated password, then put it in Whaly's form`
    );
}
