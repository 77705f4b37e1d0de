/**
 * The scopes a route can demand are declared with the routes, in `wiring/scopes.ts`, since the wiring sits below
 * `shared/` and names them; they are re-exported here for the code that grants and checks them.
 */
export { SCOPES, type Scope } from '../../wiring/scopes.js';
