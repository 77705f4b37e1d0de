import { ensureProfile, profileEtag, profileView } from '../../shared/accounts/profile.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';

/** GET /me: the caller's own profile, made on first use (the sign-in email, when the token carries one, seeds it). */
export const handler = httpHandler({})(async (input) => {
  const principal = requirePrincipal(input);
  const profile = profileView(await ensureProfile(principal.subject, undefined, { email: principal.email }));
  return ok(profile, { etag: profileEtag(profile) });
});
