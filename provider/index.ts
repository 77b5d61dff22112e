/** The plugin's entry point: serves the package's schema and constructs the component for the engine. */
import { main } from "@pulumi/pulumi/provider";
import { whalyPostgresProvider } from "./schema";

main(whalyPostgresProvider(), process.argv.slice(2));
