import { fromProviderConfig } from "../../components/server/location";
import { LIBPQ_NAMES } from "../../components/connect/libpq";

/** A provider's configuration as terraformConfig() answers it (Terraform's names, defaults applied). */
const config = (over: Record<string, unknown> = {}) => ({
    scheme: "postgres",
    host: "db.internal",
    port: 6432,
    username: "adm",
    password: "pw",
    database: "postgres",
    sslmode: null,
    sslrootcert: null,
    clientcert: null,
    aws_rds_iam_auth: null,
    azure_identity_auth: null,
    gcp_iam_impersonate_service_account: null,
    connect_timeout: 180,
    ...over,
});

const locate = (over: Record<string, unknown> = {}) => fromProviderConfig("analytics", config(over), "provider", LIBPQ_NAMES);

describe("where a provider's configuration says the server is", () => {
    it("connects as the provider does, to the component's database, with TLS required unless it says otherwise", () => {
        expect(locate().settings).toMatchObject({
            host: "db.internal",
            port: 6432,
            user: "adm",
            password: "pw",
            database: "analytics",
            sslMode: "require",
            connectTimeoutSeconds: 180,
        });
        expect(locate({ sslmode: "verify-full", sslrootcert: "/etc/ca.pem" }).settings).toMatchObject({
            sslMode: "verify-full",
            sslRootCert: "/etc/ca.pem",
        });
        expect(locate({ clientcert: [{ cert: "/c.pem", key: "/k.pem", sslinline: false }] }).settings).toMatchObject({
            sslCert: "/c.pem",
            sslKey: "/k.pem",
        });
    });

    it("names the server as host:port, the host in lower case, for the components' turns", () => {
        expect(locate({ host: "DB.Internal" }).server).toBe("db.internal:6432");
    });

    it.each([
        [{ aws_rds_iam_auth: true }, "AWS RDS IAM token"],
        [{ azure_identity_auth: true }, "Azure identity token"],
        [{ gcp_iam_impersonate_service_account: "sa@project.iam.gserviceaccount.com" }, "GCP service account"],
        [{ scheme: "gcppostgres" }, "gcppostgres scheme"],
        [{ scheme: "awspostgres" }, "awspostgres scheme"],
    ])("says why credentials signed by a cloud (%o) cannot be used by the checks", (over, why) => {
        const location = locate(over);
        expect(location.settings).toBeUndefined();
        expect(location.unusable).toContain(why);
        // Where the credentials lead is known all the same, but through a cloud connector's scheme.
        expect(location.server).toBe("scheme" in over ? undefined : "db.internal:6432");
    });
});
