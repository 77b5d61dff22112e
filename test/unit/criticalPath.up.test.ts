/** The registration beside the checks (criticalPath.ts), in a mocked engine at up. */
import { registrationBesideTheChecks } from "./criticalPath";

registrationBesideTheChecks("up", false);
