export { WhalyPostgresAccess } from "./components/whalyPostgresAccess";
export type { WhalyPostgresAccessArgs, WhalyPostgresAdminArgs, WhalyPostgresSshTunnelArgs } from "./components/contract/args";
export { DEFAULTS } from "./components/contract/args";
export type { ArgProblem } from "./components/contract/validate";
export { WhalyPostgresArgsError } from "./components/contract/validate";
export type { PgHbaOptions } from "./components/outputs/network";
export {
    WHALY_IP_RANGES,
    WHALY_IP_RANGES_PUBLISHED,
    WHALY_CONNECTOR_IPS,
    WHALY_CONNECTOR_IPS_PUBLISHED,
    renderPgHbaLines,
} from "./components/outputs/network";
export { renderAccessSql, renderAccessStatements, ELIDED_PASSWORD } from "./components/plan/sql";
export type { AccessStatements } from "./components/plan/sql";
export type { DefaultPrivilegesScope } from "./components/plan/grants";
export { auditRole, formatAudit } from "./audit/audit";
export type { AuditConnection, AuditReport } from "./audit/audit";
