import { UpdateProfileRequest } from '../../shared/accounts/model.js';
import { profileEtag, profileView, updateProfile } from '../../shared/accounts/profile.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';

/**
 * PATCH /me: a JSON merge patch of the caller's own profile, under the version they name (`version` or `If-Match`) or
 * the one read. No idempotency middleware: its record would keep a copy of the answer, personal data, outside the
 * shopper's partition; a retry is safe anyway (the same values change nothing, a named version a 409).
 */
export const handler = httpHandler({ body: UpdateProfileRequest })(async (input) => {
  const principal = requirePrincipal(input);
  const profile = profileView(
    await updateProfile(principal.subject, input.body, { email: principal.email, ifMatch: input.headers['if-match'] }),
  );
  return ok(profile, { etag: profileEtag(profile) });
});
