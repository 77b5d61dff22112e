/**
 * A `whaly_bi` made by hand, as teams made it from Whaly's guide before the component: the guide's
 * SQL for the `public` schema and a second one (`sales`), run with psql as the admin, plus the
 * extras such a role picks up over the years: INSERT on a table someone added while debugging,
 * USAGE and SELECT in a schema of an old project (`secret`), CREATEDB, and a membership.
 */
import { PostgresServer } from "../../scripts/lib/postgresServer";
import { psql } from "./psql";
import { DATABASE } from "./warehouse";

export const HAND_MADE_PASSWORD = "hand-made-Password-42";

/** Step 1 of Whaly's guide, as written, for `public` and `sales` (default privileges for the admin and for `etl`). */
export const GUIDE_SQL = `
CREATE USER whaly_bi WITH ENCRYPTED PASSWORD '${HAND_MADE_PASSWORD}';
GRANT CONNECT ON DATABASE ${DATABASE} to whaly_bi;
\\c ${DATABASE}
GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO whaly_bi;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO whaly_bi;
GRANT USAGE ON SCHEMA sales TO whaly_bi;
GRANT SELECT ON ALL SEQUENCES IN SCHEMA sales TO whaly_bi;
GRANT SELECT ON ALL TABLES IN SCHEMA sales TO whaly_bi;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON tables TO whaly_bi;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON sequences TO whaly_bi;
ALTER DEFAULT PRIVILEGES FOR ROLE etl IN SCHEMA sales GRANT SELECT ON tables TO whaly_bi;
ALTER DEFAULT PRIVILEGES FOR ROLE etl IN SCHEMA sales GRANT SELECT ON sequences TO whaly_bi;
`;

/** What such a role picked up later. */
export const EXTRAS_SQL = `
\\c ${DATABASE}
GRANT INSERT ON public.customers TO whaly_bi;
GRANT USAGE ON SCHEMA secret TO whaly_bi;
GRANT SELECT ON secret.salaries TO whaly_bi;
ALTER ROLE whaly_bi CREATEDB;
GRANT pg_monitor TO whaly_bi;
`;

/** Makes the hand-made role on a seeded warehouse (harness/warehouse.ts), with psql. */
export function makeByHand(server: PostgresServer, extras = true): void {
    psql(server, GUIDE_SQL + (extras ? EXTRAS_SQL : ""));
}
