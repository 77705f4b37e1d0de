import { issueCookie } from '../../shared/auth/session.js';
import { CreateSessionRequest, sessionView, signIn } from '../../shared/auth/session-sign-in.js';
import { config } from '../../shared/config/config.js';
import { tableDeps } from '../../shared/db/deps.js';
import { httpHandler } from '../../shared/http/handler.js';
import { staffDirectory } from '../../shared/staff/staff-roles.js';

/**
 * POST /auth/session (public): signs a member of staff in to the console and sets the session cookie. Not behind the
 * idempotency middleware, which would keep the answer, cookie and all, in the table: a replayed local sign-in starts
 * another session (harmless, each ends by itself), a replayed code is refused by the identity provider.
 */
export const handler = httpHandler({ body: CreateSessionRequest })(async (input) => {
  // One clock reading for the whole request, so the cookie's Max-Age is the session's idle lifetime to the second.
  const now = new Date();
  const deps = { ...tableDeps({ now: () => now }), mode: config.consoleSignIn, staffTokens: () => config.jwt, directory: staffDirectory() };
  const { sessionId, session } = await signIn(input.body, input.headers.host, deps);
  return {
    status: 201,
    body: sessionView(sessionId, session),
    headers: { location: '/auth/session', 'set-cookie': issueCookie(sessionId, session, now), 'cache-control': 'no-store' },
  };
});
