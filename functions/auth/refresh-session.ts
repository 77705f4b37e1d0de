import { issueCookie } from '../../shared/auth/session.js';
import { cookieRequest, refreshSession, sessionView } from '../../shared/auth/session-sign-in.js';
import { tableDeps } from '../../shared/db/deps.js';
import { httpHandler } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';
import { staffDirectory } from '../../shared/staff/staff-roles.js';

/**
 * POST /auth/session/refresh (public; the cookie and `X-CSRF-Token` are the credential): a new session id in a new
 * cookie (the old one stops working), the idle deadline slid, roles and stores re-read from the staff directory.
 */
export const handler = httpHandler({})(async (input) => {
  // One clock reading for the whole request, so the cookie's Max-Age is the session's idle lifetime to the second.
  const now = new Date();
  const deps = { ...tableDeps({ now: () => now }), directory: staffDirectory() };
  const { sessionId, session } = await refreshSession(cookieRequest('POST', input.headers), deps);
  return ok(sessionView(sessionId, session), { 'set-cookie': issueCookie(sessionId, session, now), 'cache-control': 'no-store' });
});
