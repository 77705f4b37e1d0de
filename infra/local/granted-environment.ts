import { grantedVariables } from '../../wiring/environment.js';
import type { FunctionSpec } from '../../wiring/index.js';

/**
 * What each local function may see of the variables grants give, as on AWS, where each function's environment holds
 * exactly its grants' variables (`grantedVariables`, which the CDK app reads too). The local functions share one
 * process and its environment, so the runtime hands this to `limitGrantedVariables` (`shared/config/config.ts`), which
 * asks it at every read: a function reaching for a table, bucket, queue, state machine or secret it was not granted
 * gets the `ConfigError` it would get on AWS, not a value another function's grant put in the process.
 *
 * `current` names the function whose invocation runs now; code outside any wiring function's invocation (the
 * runtime's own: seeding, the admin key) sees everything, as it is no function.
 */
export function grantedVariableView(functions: readonly FunctionSpec[], current: () => string | undefined): (name: string) => boolean {
  const granted = new Map(functions.map((spec) => [spec.id, new Set(grantedVariables(spec.access, 'local').map((v) => v.name))]));
  return (name) => {
    const fnId = current();
    const names = fnId === undefined ? undefined : granted.get(fnId);
    return names === undefined || names.has(name);
  };
}
