/** The component's `ssh*` outputs and the ranges its pg_hba.conf lines admit, from the tunnel's args (sshTunnel.ts renders them). */
import * as pulumi from "@pulumi/pulumi";
import { bastionRange, renderAuthorizedKeysLine, renderSshdConfig } from "./sshTunnel";
import { ValidatedArgs } from "../contract/validate";

/**
 * The `ssh*` outputs (empty, and port 0, without a tunnel), and the ranges pg_hba.conf admits:
 * with a tunnel the bastion's, else Whaly's. Rendered only from valid values: the checks report
 * the others (an Output resolved to a bad key, say) and stop the deployment; the outputs stay empty.
 */
export function sshOutputs(v: ValidatedArgs) {
    const t = v.sshTunnel;
    if (!t) {
        const empty = pulumi.output("");
        return {
            sshAuthorizedKeysLine: empty,
            sshdConfig: empty,
            sshHost: empty,
            sshPort: pulumi.output(0),
            sshUser: empty,
            pgHbaRanges: pulumi.output(v.ipRanges),
        };
    }
    const orEmpty = <T>(render: () => T, empty: T) => {
        try {
            return render();
        } catch {
            return empty;
        }
    };
    return {
        sshAuthorizedKeysLine: pulumi
            .all([t.publicKey, v.host, v.port])
            .apply(([publicKey, host, port]) => orEmpty(() => renderAuthorizedKeysLine({ publicKey, host, port }), "")),
        sshdConfig: pulumi
            .all([t.bastionUser, v.host, v.port])
            .apply(([user, host, port]) => orEmpty(() => renderSshdConfig({ user, host, port }), "")),
        sshHost: pulumi.output(t.bastionHost),
        sshPort: pulumi.output(t.bastionPort),
        sshUser: pulumi.output(t.bastionUser),
        pgHbaRanges: pulumi
            .all([t.bastionHost, t.bastionAddress])
            .apply(([host, address]) => orEmpty(() => [bastionRange(host, address)], [] as string[])),
    };
}
