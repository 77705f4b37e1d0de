import { signInOptions } from '../../shared/auth/session-sign-in.js';
import { config } from '../../shared/config/config.js';
import { httpHandler } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';

/** GET /auth/sign-in-options (public): what the console's sign-in page offers, a role picker locally or the hosted UI. */
export const handler = httpHandler({})(async () => ok(signInOptions(config.consoleSignIn), { 'cache-control': 'no-store' }));
