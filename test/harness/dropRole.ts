/** What deleting the role runs (the provider's Role delete, in the target database): its privileges and default privileges go with it. */
import { quoteIdentifier } from "../../components/plan/sql";

export function dropRoleSql(role: string): string[] {
    const r = quoteIdentifier(role);
    return [`REASSIGN OWNED BY ${r} TO CURRENT_USER`, `DROP OWNED BY ${r}`, `DROP ROLE ${r}`];
}
