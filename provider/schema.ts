/**
 * WhalyPostgresAccess as a Pulumi package, for every Pulumi language (`pulumi package add`).
 * Pulumi's analyzer infers the schema from the TypeScript API (args, outputs and their TSDoc);
 * this adds what it cannot see: which properties are secrets.
 */
import * as path from "node:path";
import { ComponentProvider } from "@pulumi/pulumi/provider/experimental";
import { WhalyPostgresAccess } from "../components/whalyPostgresAccess";

export const PACKAGE = "whaly-postgres";
const TOKEN = WhalyPostgresAccess.typeToken;
const ADMIN_TYPE = `${PACKAGE}:index:WhalyPostgresAdminArgs`;

interface Property {
    secret?: boolean;
}
interface Schema {
    resources: Record<string, { inputProperties: Record<string, Property>; properties: Record<string, Property> }>;
    types: Record<string, { properties: Record<string, Property> }>;
}

/** Marks the role's password, the admin's password and the connection string secret. */
export function markSecrets<T extends Schema>(schema: T): T {
    const resource = schema.resources[TOKEN];
    resource.inputProperties.password.secret = true;
    resource.properties.password.secret = true;
    resource.properties.connectionString.secret = true;
    schema.types[ADMIN_TYPE].properties.password.secret = true;
    return schema;
}

class WhalyPostgresProvider extends ComponentProvider {
    override async getSchema(): Promise<string> {
        return JSON.stringify(markSecrets(JSON.parse(await super.getSchema())));
    }
}

/** The component provider the plugin serves. */
export function whalyPostgresProvider(): ComponentProvider {
    return new WhalyPostgresProvider({ components: [WhalyPostgresAccess], name: PACKAGE, dirname: path.resolve(__dirname) });
}
