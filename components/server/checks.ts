/**
 * The server checks, run before the component declares anything: wait for what it depends on,
 * find where the server is, read what only the server knows, and decide (preflight.ts). Every
 * misfit is one error through the engine, in the args' style, and the verdict says stop; a
 * preview that cannot look yet (the server, database, schemas or roles are still to be created)
 * says so in one info line and goes on with the args alone.
 */
import * as pulumi from "@pulumi/pulumi";
import { WhalyPostgresAdminArgs } from "../contract/args";
import { Adoption, planAdoption, plannedRole } from "../plan/adoption";
import { isKnown, stillToCreate, valueOf } from "./dependencies";
import { futureSchemasCoverage, unlistedCreatorSchemas, unlistedSchemaWarning } from "../plan/futureSchemas";
import { ConnectionError } from "../connect/libpq";
import {
    discoveredCreators,
    preflightProblems,
    publicCreateWarnings,
    rotationSwitchWarnings,
    ServerFacts,
    uncoveredCreatorMessage,
    uncoveredCreators,
} from "../plan/preflight";
import { readServerFacts, readStandbyFacts } from "./facts";
import { locateServer, ServerLocation } from "./location";
import { TakeOverConnection } from "./takeOver";
import {
    ArgProblem,
    formatProblems,
    hostArgProblems,
    PEM_TEXT_REFUSAL,
    resolvedArgProblems,
    ValidatedArgs,
    WhalyPostgresArgsError,
} from "../contract/validate";
import { NotShown, tunnelHostProblems } from "../outputs/sshTunnel";
import { lookRefusal, NotAsked, NotLooked, StandbyFacts, whalyHostFindings } from "../plan/whalyHost";

/** What the checks decided. Plain data: no Output in it, so that it is known at preview. */
export interface Verdict {
    /** false when a check failed: its error is logged, and nothing may be declared. */
    go: boolean;
    /** The database name, resolved. */
    database: string;
    /** The table creators to cover: the args', or with discoverTableCreators the ones the catalog shows. */
    tableCreators: string[];
    /** What the server told, when the checks could run. */
    server?: ServerFacts;
    /** Where the checks connected (`host:port/database as user`), for messages; never a secret. */
    where: string;
    /** How the checks connected: for the take-over of an adoption, and a look at Whaly's host with the same credentials. */
    connection?: TakeOverConnection;
    /** With adoptRole, when the role exists: what adopting it changes, and its problems (the take-over's step refuses them). */
    adoption?: Adoption;
}

/** The checks whose verdict {@link checkServer} gives, for the message when they cannot run. */
const CHECKS =
    "the database and schemas exist, the server is the primary and PostgreSQL 12+, table creators exist and are all listed, the role names are free, the admin may grant what the plan needs, a replica as Whaly's host does not cancel its queries";

/** Whaly's host is often a replica in a private network, which cannot be reached from here: a preview waits this long at most. */
const WHALY_HOST_CONNECT_TIMEOUT_SECONDS = 2;

/**
 * Runs the checks for `component` once what it depends on exists (at `up`, after it is created).
 * At preview, when something is still to be created, the checks cannot look: the verdict goes
 * on with the args, after one info line saying the checks run at `up`.
 */
export async function checkServer(
    name: string,
    component: pulumi.Resource,
    v: ValidatedArgs,
    dependsOn: pulumi.ResourceOptions["dependsOn"],
    provider: pulumi.ProviderResource | undefined,
): Promise<Verdict> {
    const decided = await decide(name, component, v, dependsOn, provider);
    // The steps' errors quote it.
    const verdict = { ...decided, where: withoutSecrets(component, decided.where) };
    // A failed verdict fails the steps that ask it, and a failed step can end a preview before the
    // error saying why reached the engine: it waits for the engine to have the checks' lines. Not for
    // ever: the SDK sends log lines in program order, and one naming a resource that follows this
    // component would wait for these steps.
    if (!verdict.go) await settledWithin(Promise.all(told.get(component) ?? []), LOG_DELIVERY_WAIT_MS);
    return verdict;
}

/** How long a failed verdict waits for the engine to have the checks' lines. */
export const LOG_DELIVERY_WAIT_MS = 3000;

/** The lines the checks logged on each component, each settled once the engine has it. */
const told = new WeakMap<pulumi.Resource, Array<Promise<void>>>();

/** Logs `message` on `component`, as the checks do (see checkServer), without the secrets it was given. */
function tell(component: pulumi.Resource, level: "info" | "warn" | "error", message: string): void {
    const lines = told.get(component) ?? [];
    lines.push(pulumi.log[level](withoutSecrets(component, message), component));
    told.set(component, lines);
}

/** Per component, the resolved values of the args it was given as secrets (secretArgValues), for withoutSecrets. */
const secrets = new WeakMap<pulumi.Resource, string[]>();

/**
 * Adds `values` to those `component`'s messages hide, each as given and as a problem's value quotes
 * it (JSON: a backslash doubled), the longest first (one may hold another).
 */
function hideSecrets(component: pulumi.Resource, values: string[]): void {
    const quoted = values.map((value) => JSON.stringify(value).slice(1, -1)).filter((value) => !values.includes(value));
    secrets.set(
        component,
        [...(secrets.get(component) ?? []), ...values, ...quoted].sort((a, b) => b.length - a.length),
    );
}

/** `text` with each value `component` was given as a secret replaced by [secret], once the checks resolved them. */
export function withoutSecrets(component: pulumi.Resource, text: string): string {
    return (secrets.get(component) ?? []).reduce((shown, secret) => shown.split(secret).join("[secret]"), text);
}

/**
 * The values of the args given as secrets that a message would otherwise name (Whaly's host, the
 * database, the admin's host and user), once resolved: `given` pairs each arg with its value.
 */
async function secretArgValues(given: Array<[pulumi.Input<unknown> | undefined, unknown]>): Promise<string[]> {
    const values = await Promise.all(
        given.map(async ([arg, value]) =>
            pulumi.Output.isInstance(arg) && typeof value === "string" && value !== "" && (await pulumi.isSecret(pulumi.output(arg)))
                ? value
                : undefined,
        ),
    );
    return values.filter((value): value is string => value !== undefined);
}

/** Waits for `promise`, or `ms`, whichever comes first. */
async function settledWithin(promise: Promise<unknown>, ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
    clearTimeout(timer);
}

async function decide(
    name: string,
    component: pulumi.Resource,
    v: ValidatedArgs,
    dependsOn: pulumi.ResourceOptions["dependsOn"],
    provider: pulumi.ProviderResource | undefined,
): Promise<Verdict> {
    const preview = pulumi.runtime.isDryRun();
    const databaseSecret = pulumi.Output.isInstance(v.database) && (await pulumi.isSecret(pulumi.output(v.database)));
    const fromArgs = (database: string): Verdict => ({
        go: true,
        database,
        tableCreators: v.tableCreators,
        where: `database ${databaseSecret ? "[secret]" : database}`,
    });
    /** A preview that cannot look: one line (a warning where the server cannot be reached), and the args alone. */
    const defer = async (reason: string, level: "info" | "warn" = "info"): Promise<Verdict> => {
        const creators = v.discoverTableCreators ? " Table creators are discovered then: this preview shows none." : "";
        tell(component, level, `The server checks run at up, once ${reason}: this preview shows what the args call for.${creators}`);
        tellFutureSchemas(component, v, v.tableCreators);
        return fromArgs((await nameOf(v.database)) ?? "(database)");
    };

    // Wait for what the component depends on; at preview, what is still to be created cannot be looked at.
    // With adoptRole the preview still reads the role, where it can, to say what adopting it changes.
    const pending = await stillToCreate(dependsOn, [v.database, ...Object.values(v.admin ?? {})]);
    const deferred = preview && pending.length > 0 ? `${pending.join(", ")} ${pending.length === 1 ? "exists" : "exist"}` : undefined;
    if (deferred && !v.adoptRole) return defer(deferred);
    const resolved = pulumi.output({ database: v.database, admin: v.admin as WhalyPostgresAdminArgs | undefined });
    if (!(await isKnown(resolved))) return defer(deferred ?? "the server's address is known");
    // The args given as Outputs, resolved, follow the args' rules.
    const { database, admin } = await valueOf(resolved);
    hideSecrets(
        component,
        await secretArgValues([
            [v.database, database],
            [v.admin?.host, admin?.host],
            [v.admin?.username, admin?.username],
        ]),
    );
    const argProblems = resolvedArgProblems({
        database,
        // Not waited for at preview: a password still to be made (a resource's) is checked at up.
        password: await knownValue(pulumi.output(v.password)),
        admin: admin as Record<string, unknown> | undefined,
        sshTunnel: (await knownValue(pulumi.output(v.sshTunnel))) as Record<string, unknown> | undefined,
    });
    if (argProblems.length > 0) {
        tell(component, "error", new WhalyPostgresArgsError(name, argProblems).message);
        return { ...fromArgs(String(database)), go: false };
    }

    // Where the server is, and as whom.
    const located = locateServer(database, admin, provider);
    if (!(await isKnown(located))) return defer(deferred ?? "the provider's configuration is known");
    const location = await valueOf(located);
    if (deferred && !location.settings) return defer(deferred);
    if (location.unusable || !location.settings) return unchecked(component, v, database, location.unusable ?? "");
    const { settings, names } = location;
    // The provider made from admin reads PGSSLROOTCERT too, as a file.
    if (location.source === "admin" && settings.sslRootCert?.includes("-----BEGIN"))
        return fail(component, `database ${database}`, database, [
            { field: "admin.sslRootCert (or PGSSLROOTCERT)", value: new NotShown("(PEM text)"), message: PEM_TEXT_REFUSAL },
        ]);
    const where = withoutSecrets(
        component,
        `${settings.host}:${settings.port}/${database} as ${settings.user}${location.source === "admin" ? "" : ` (${location.source})`}`,
    );

    // What only the server knows.
    let facts: Awaited<ReturnType<typeof readServerFacts>>;
    try {
        const roles = [...v.tableCreators, v.roleName, ...v.loginUsers, ...(v.readAllData ? ["pg_read_all_data"] : [])];
        facts = await readServerFacts(settings, names, v.schemas, roles, v.roleName, v.adoptRole);
    } catch (e) {
        const error = e instanceof ConnectionError ? e : new ConnectionError(String((e as Error)?.message ?? e), "other");
        if (deferred) return defer(`${deferred} (and what adopting role ${v.roleName} changes is read then: ${error.message})`);
        if (error.reason === "client-certificate")
            return unchecked(component, v, database, `its client certificate cannot be read here: ${error.message}`);
        // A preview runs where the database may not be reachable (a pull request's runner): up checks before it changes anything.
        if (preview && error.reason === "unreachable") return defer(`the server can be reached (${error.message})`, "warn");
        return fail(component, where, database, [connectionProblem(error, location, database)]);
    }
    const tableCreators = v.discoverTableCreators ? discoveredCreators(v.schemas, facts.server) : v.tableCreators;
    const effective = { ...v, database, tableCreators };
    // With adoptRole and the role existing: what adopting it changes, or what refuses it (the take-over's step says so).
    const adoption = facts.holdings && planAdoption(facts.holdings, plannedRole(effective, facts.server));
    const connection = { settings, names };

    // A deferred preview: only what adopting the role changes, as far as what exists tells.
    if (deferred) return { ...(await defer(deferred)), where, adoption, connection };

    // The verdict (preflight.ts decides; this reports).
    const problems = [...preflightProblems({ ...effective, ...facts }), ...providerDatabaseProblems(v, location, database)];
    if (problems.length > 0) return fail(component, where, database, problems);
    if (!v.readAllData && !coversCreators(component, effective, facts.server)) return { ...fromArgs(database), go: false };
    for (const warning of rotationSwitchWarnings(v.roleName, v.rotation, v.loginUsers, facts.server)) tell(component, "warn", warning);
    for (const warning of publicCreateWarnings(database, v.roleName, facts.server)) tell(component, "warn", warning);
    tellFutureSchemas(component, v, tableCreators, facts.server);
    return { go: true, database, tableCreators, server: facts.server, where, adoption, connection };
}

/**
 * The warning that says what adopting the role changes, a line per difference: for the preview of
 * the update that adopts it, where it is reviewed.
 */
export function adoptionWarning(name: string, roleName: string, where: string, lines: string[]): string {
    return (
        `adoptRole: role ${roleName} on ${where} differs from the plan. The up that adopts it (the one that creates ${name}/take-over) ` +
        `makes it match before any child changes anything; a role adopted before is left as it is. What the plan adds is granted first, in a transaction of its own (so that the role never holds less than ` +
        `the plan; the children then find it in place), then what goes is revoked, in a second. One line per difference:\n${lines.map((l) => `  ${l}`).join("\n")}`
    );
}

/** The error of checks that found problems on the server, in the args' style. */
export function preflightFailure(where: string, problems: ArgProblem[]): string {
    return `Preflight of WhalyPostgresAccess on ${where} failed; nothing was changed:\n${formatProblems(problems)}`;
}

/**
 * Whaly's host, once looked at where it is another server than the one the checks connected to
 * (a replica, usually): asked read-only with the same credentials whether it is a standby of the
 * same cluster whose settings cancel Whaly's queries (whalyHost.ts decides), it gives warnings or
 * one info line, never an error. The credentials go there only over TLS that verifies that host,
 * the password only into SCRAM (lookRefusal); otherwise one info line says how to have it looked
 * at. Only this output waits for it, not the component's children.
 */
export function checkedWhalyHost(
    name: string,
    component: pulumi.Resource,
    v: ValidatedArgs,
    verdict: pulumi.Output<Verdict>,
): pulumi.Output<string> {
    return pulumi.all([v.host, v.port, verdict]).apply(async ([host, port, { go, connection, server }]) => {
        hideSecrets(component, await secretArgValues([[v.host, host]]));
        // A host given as an Output, resolved: the tunnel's line names it (the server does not need
        // it). Only this output waits for it: Whaly's host is often a replica whose pg_hba.conf
        // takes this component's pgHbaLines.
        const hostProblems = v.sshTunnel ? tunnelHostProblems(host) : hostArgProblems("host", host);
        if (hostProblems.length > 0) {
            pulumi.log.error(new WhalyPostgresArgsError(name, hostProblems).message, component);
            return "";
        }
        if (!go || !connection || !server || (host === connection.settings.host && port === connection.settings.port)) return host;
        const settings = { ...connection.settings, host, port, connectTimeoutSeconds: WHALY_HOST_CONNECT_TIMEOUT_SECONDS };
        const refusal = lookRefusal(host, settings.sslMode, connection.names);
        let standby: StandbyFacts | NotAsked | NotLooked;
        if (refusal) standby = { notLooked: refusal };
        else
            try {
                standby = await readStandbyFacts(settings, connection.names);
            } catch (e) {
                const error = e instanceof ConnectionError ? e : new ConnectionError(String((e as Error)?.message ?? e), "other");
                const code = /cannot be reached \(([^)]+)\)/.exec(error.message)?.[1];
                // A TLS failure ends with a fix for the admin's own connection (a weaker sslmode among them): the look needs verify-full, so only what failed is told.
                const fix = error.reason === "tls" ? error.message.lastIndexOf(": ") : -1;
                const failed = fix > 0 ? error.message.slice(0, fix) : error.message;
                standby = { reached: error.reason !== "unreachable", reason: code ?? failed };
            }
        const findings = whalyHostFindings({
            where: `${host}:${port}`,
            standby,
            primarySystemIdentifier: server.systemIdentifier,
            statementTimeoutMs: v.statementTimeoutMs,
            roleName: v.roleName,
            tunnel: v.sshTunnel !== undefined,
        });
        for (const { level, message } of findings) pulumi.log[level](withoutSecrets(component, message), component);
        return host;
    });
}

/** The one problem a failed connection poses, naming the setting to change. */
function connectionProblem(error: ConnectionError, location: ServerLocation, database: string): ArgProblem {
    if (error.reason === "database-missing")
        return {
            field: "database",
            value: database,
            message: `${error.message}: create it first (CREATE DATABASE "${database.replace(/"/g, '""')}"), or, when this program declares it, pass database: db.name or put it in dependsOn`,
        };
    const field = { admin: "admin", provider: "opts.provider", "stack config": "postgresql config" }[location.source];
    // Composed here, as the error's first line shows it (its secret parts hidden with the rest of the message).
    const where = `${location.settings?.host}:${location.settings?.port}/${database} as ${location.settings?.user}`;
    return { field, value: new NotShown(JSON.stringify(where)), message: `cannot connect: ${error.message}` };
}

function fail(component: pulumi.Resource, where: string, database: string, problems: ArgProblem[]): Verdict {
    tell(component, "error", preflightFailure(where, problems));
    return { go: false, database, tableCreators: [], where };
}

/**
 * A role is dropped in the provider's database (REASSIGN OWNED, DROP OWNED, DROP ROLE): what it
 * holds in the component's database beyond the grants' reach, on the tables and schemas creators
 * make later outside the listed schemas (database-wide default privileges), would keep it alive.
 */
function providerDatabaseProblems(v: ValidatedArgs, location: ServerLocation, database: string): ArgProblem[] {
    const databaseWide = v.futureSchemas || v.defaultPrivilegesScope === "database";
    if (!databaseWide || location.providerDatabase === undefined || location.providerDatabase === database) return [];
    const setting = location.source === "provider" ? "the provider's database" : "postgresql:database";
    return [
        {
            field: location.source === "provider" ? "opts.provider" : "postgresql config",
            value: new NotShown(`(database ${location.providerDatabase})`),
            message:
                `drops the role in database ${location.providerDatabase}, and with ${v.futureSchemas ? "futureSchemas" : 'defaultPrivilegesScope "database"'} ` +
                `the role holds privileges in database ${database} that no grant of the component removes (on what creators make later), so destroy would fail: ` +
                `set ${setting} to ${database}`,
        },
    ];
}

/** Credentials the checks cannot use: one warning naming the checks that did not run; the catalog-reading options cannot work. */
function unchecked(component: pulumi.Resource, v: ValidatedArgs, database: string, why: string): Verdict {
    const needsCatalog = (["discoverTableCreators", "strictTableCreators", "adoptRole"] as const).filter((option) => v[option]);
    if (needsCatalog.length > 0)
        return fail(
            component,
            `database ${database}`,
            database,
            needsCatalog.map((field) => ({
                field,
                value: true,
                message: `reads the catalog, and the component cannot connect with the provider's credentials (${why}): ${field === "adoptRole" ? "give admin credentials" : "list tableCreators instead, or give admin credentials"}`,
            })),
        );
    tell(
        component,
        "warn",
        `The server checks did not run (${CHECKS}): the component cannot connect with the provider's credentials, as ${why}. The deployment goes on; a misfit fails at the resource it concerns.`,
    );
    tellFutureSchemas(component, v, v.tableCreators);
    return { go: true, database, tableCreators: v.tableCreators, where: `database ${database}` };
}

/**
 * With futureSchemas, one info line saying whose new schemas the role reads and, where the
 * server was read, one warning per unlisted schema those roles own (futureSchemas.ts).
 */
function tellFutureSchemas(component: pulumi.Resource, v: ValidatedArgs, tableCreators: string[], server?: ServerFacts): void {
    if (!v.futureSchemas || tableCreators.length === 0) return;
    tell(component, "info", futureSchemasCoverage(tableCreators, v.roleName));
    for (const schema of server ? unlistedCreatorSchemas(tableCreators, server) : [])
        tell(component, "warn", unlistedSchemaWarning(schema, v.roleName));
}

/**
 * Warns of each role that may create tables in a listed schema and is not a table creator;
 * with strictTableCreators, fails instead (one error). Returns whether to go on.
 */
function coversCreators(component: pulumi.Resource, v: ValidatedArgs & { tableCreators: string[] }, server: ServerFacts): boolean {
    const uncovered = uncoveredCreators(v.schemas, v.tableCreators, server);
    if (v.strictTableCreators && uncovered.length > 0) {
        const problems = uncovered.map((c) => ({
            field: "tableCreators",
            value: v.tableCreators,
            message: uncoveredCreatorMessage(c, v.roleName),
        }));
        tell(
            component,
            "error",
            `WhalyPostgresAccess: strictTableCreators, and some roles that create tables are not listed; nothing was changed:\n${formatProblems(problems)}`,
        );
        return false;
    }
    for (const c of uncovered) tell(component, "warn", uncoveredCreatorMessage(c, v.roleName));
    return true;
}

/** The value of an Output when it is known (at preview, what is still to be created is not), else undefined. */
async function knownValue<T>(output: pulumi.Output<T>): Promise<T | undefined> {
    return (await isKnown(output)) ? valueOf(output) : undefined;
}

/** The database's name at a deferred preview, undefined when not known yet. */
async function nameOf(database: pulumi.Input<string>): Promise<string | undefined> {
    const output = pulumi.output(database);
    return (await isKnown(output)) ? valueOf(output) : undefined;
}
