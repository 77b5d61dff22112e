/** The registration beside the checks (criticalPath.ts), in a mocked engine at preview. */
import { registrationBesideTheChecks } from "./criticalPath";

registrationBesideTheChecks("preview", true);
