/**
 * The component's outputs: the five fields of Whaly's form, the connection string, the network
 * and SSH outputs, and the SQL it amounts to. The checks' verdict decides which can be rendered.
 */
import * as pulumi from "@pulumi/pulumi";
import type * as postgresql from "@pulumi/postgresql";
import { ResolvedArgs, ValidatedArgs } from "../contract/validate";
import { planAccess } from "../plan/grants";
import { LoginPlan, PlannedLogin } from "../plan/logins";
import { accessStatements, psqlScript } from "../plan/sql";
import type { LoginSecret } from "../children/passwords";
import { checkedWhalyHost, Verdict } from "../server/checks";
import type { WhalyPostgresAccess } from "../whalyPostgresAccess";
import { connectionString } from "./connectionString";
import { renderPgHbaLines } from "./network";
import { sshOutputs } from "./sshOutputs";

/** Every output the component's class declares: a field added there must be set here too. */
export type ComponentOutputs = {
    [K in Exclude<keyof WhalyPostgresAccess, keyof pulumi.ComponentResource>]: WhalyPostgresAccess[K];
};

export function componentOutputs(
    component: pulumi.Resource,
    name: string,
    v: ValidatedArgs,
    verdict: Promise<Verdict>,
    logins: LoginPlan,
    roles: Map<string, postgresql.Role>,
    passwords: Map<string, LoginSecret>,
): ComponentOutputs {
    const checked = pulumi.output(verdict);
    const current = passwords.get(logins.current.name)!;
    const nameOf = (login?: PlannedLogin) => (login ? roles.get(login.name)!.name : pulumi.output(""));
    const host = checkedWhalyHost(name, component, v, checked);
    const port = pulumi.output(v.port);
    const user = nameOf(logins.current);
    // An adopted role keeps its own password, which the stack does not know: no password to output.
    const password = pulumi.secret(pulumi.all([current.kept, current.password]).apply(([kept, password]) => (kept ? "" : password)));
    const previousUser = nameOf(logins.previous);
    const { pgHbaRanges, ...ssh } = sshOutputs(v);
    return {
        host,
        port,
        database: pulumi.output(v.database),
        user,
        password,
        previousUser,
        previousUserRetiresAtVersion: previousUser.apply((previous) => (previous ? v.passwordVersion + 1 : 0)),
        connectionString: pulumi.secret(
            pulumi
                .all([host, port, v.database, user, password])
                .apply(([host, port, database, user, password]) =>
                    connectionString({ host, port, database, user, password, sslMode: v.sslMode }),
                ),
        ),
        ipRanges: pulumi.output(v.ipRanges),
        // The previous user too: Whaly logs in with it until it has the new credentials.
        // None when the checks failed: a database name they refused cannot be written to pg_hba.conf.
        pgHbaLines: pulumi
            // The database beside the verdict: a secret one keeps both outputs secret.
            .all([checked, user, previousUser, pgHbaRanges, v.database])
            .apply(([{ go, database }, user, previous, ipRanges]) =>
                go && user && ipRanges.length > 0 ? renderPgHbaLines({ database, user: previous ? [user, previous] : user, ipRanges }) : [],
            ),
        // Known at preview, for review before the deploy; with discoverTableCreators, the creators found.
        // None either when the checks failed: a database name they refused cannot be written to a psql script.
        accessSql: pulumi.all([checked, v.database]).apply(([verdict]) => (verdict.go ? renderSql(effectiveArgs(v, verdict)) : "")),
        ...ssh,
    };
}

/** The args the SQL is rendered from: the database resolved, the creators the verdict covers. */
function effectiveArgs(v: ValidatedArgs, verdict: Verdict): ResolvedArgs {
    return { ...v, database: verdict.database, tableCreators: verdict.tableCreators };
}

function renderSql(args: ResolvedArgs): string {
    const plan = planAccess(args.schemas, args.tableCreators, args);
    return psqlScript(args.database, accessStatements(args, plan));
}
