export { WhalyPostgresAccess } from "./components/whalyPostgresAccess";
export type { WhalyPostgresAccessArgs, WhalyPostgresAdminArgs, WhalyPostgresSshTunnelArgs } from "./components/args";
export { DEFAULTS } from "./components/args";
export type { ArgProblem } from "./components/validate";
export { WhalyPostgresArgsError } from "./components/validate";
export type { PgHbaOptions } from "./components/network";
export {
    WHALY_IP_RANGES,
    WHALY_IP_RANGES_PUBLISHED,
    WHALY_CONNECTOR_IPS,
    WHALY_CONNECTOR_IPS_PUBLISHED,
    renderPgHbaLines,
} from "./components/network";
export { renderAccessSql, renderAccessStatements, ELIDED_PASSWORD } from "./components/sql";
export type { AccessStatements } from "./components/sql";
export type { DefaultPrivilegesScope } from "./components/plan";
export { auditRole, formatAudit } from "./components/audit";
export type { AuditConnection, AuditReport } from "./components/audit";
