import { expireCookie } from '../../shared/auth/session.js';
import { cookieRequest, signOut } from '../../shared/auth/session-sign-in.js';
import { tableDeps } from '../../shared/db/deps.js';
import { httpHandler } from '../../shared/http/handler.js';

/** DELETE /auth/session (public; the cookie and `X-CSRF-Token` are the credential): sign-out, 204 with a cookie that expires. */
export const handler = httpHandler({})(async (input) => {
  await signOut(cookieRequest('DELETE', input.headers), tableDeps());
  return { status: 204, headers: { 'set-cookie': expireCookie(), 'cache-control': 'no-store' } };
});
