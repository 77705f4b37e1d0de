import { auditActor } from '../../shared/audit/audit-entry.js';
import { categoryEtag, retireCategory } from '../../shared/catalog/category-changes.js';
import { CategoryIdParams } from '../../shared/catalog/requests.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';

/** POST /categories/{id}/retire: retires an empty category; retiring a retired one answers it as it is. */
export const handler = httpHandler({ params: CategoryIdParams })(async (input) => {
  const principal = requirePrincipal(input);
  const category = await retireCategory(input.params.id, auditActor(principal, input.headers['x-correlation-id']));
  return ok(category, { etag: categoryEtag(category) });
});
