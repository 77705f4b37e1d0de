import { isGrantVariable } from '../../wiring/environment.js';

/** Whether the code running now may see an environment variable that a grant gives. */
export type GrantedVariableView = (name: string) => boolean;

/**
 * Kept on the global object, so that every copy of this module a loader may make (a test runner's, the runtime's)
 * consults the one view the runtime set.
 */
const VIEW_KEY = Symbol.for('smartshelf.config.grantedVariableView');
const holder = globalThis as { [VIEW_KEY]?: GrantedVariableView };

/**
 * Narrows the variables that grants give (`isGrantVariable` in `wiring/environment.ts`) to those the running function
 * was granted; `undefined` lifts it. On AWS each function has its own environment, holding exactly its grants'
 * variables, and nothing calls this. Locally every function shares one process and its environment, so the local
 * runtime sets a view of the invocation's function (`infra/local/granted-environment.ts`), and a function reaching for
 * a resource it was not granted gets the `ConfigError` it would get on AWS. Apart from `config.ts` so that the runtime
 * can set it before any configuration is read.
 */
export function limitGrantedVariables(view: GrantedVariableView | undefined): void {
  holder[VIEW_KEY] = view;
}

/** Whether `config.ts` may read a variable now: any that no grant gives, and those the running function was granted. */
export function isVisible(name: string): boolean {
  const view = holder[VIEW_KEY];
  return view === undefined || !isGrantVariable(name) || view(name);
}
