/** The provider the component's PostgreSQL children use when `admin` is given. */
import * as pulumi from "@pulumi/pulumi";
import * as postgresql from "@pulumi/postgresql";
import { ValidatedArgs } from "../contract/validate";

/** The provider built from `admin`, connected to the component's database (role drops run there). */
export function declareAdminProvider(component: pulumi.Resource, name: string, v: ValidatedArgs): postgresql.Provider {
    const admin = v.admin!;
    return new postgresql.Provider(
        `${name}/admin`,
        {
            host: admin.host,
            port: admin.port,
            username: admin.username,
            password: admin.password === undefined ? undefined : pulumi.secret(admin.password),
            database: v.database,
            sslmode: admin.sslMode,
            sslrootcert: admin.sslRootCert,
            superuser: admin.superuser,
        },
        { parent: component },
    );
}
