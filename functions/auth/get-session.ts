import { cookieRequest, currentSession, sessionView } from '../../shared/auth/session-sign-in.js';
import { tableDeps } from '../../shared/db/deps.js';
import { httpHandler } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';

/** GET /auth/session (public; the cookie is the credential): the console's session, or 401 `no-session`. */
export const handler = httpHandler({})(async (input) => {
  const { sessionId, session } = await currentSession(cookieRequest('GET', input.headers), tableDeps());
  return ok(sessionView(sessionId, session), { 'cache-control': 'no-store' });
});
