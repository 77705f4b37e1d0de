import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';
import { getList } from '../../shared/shopping/lists.js';
import { ListIdParams } from '../../shared/shopping/requests.js';

/** GET /me/lists/{id}: one of the caller's lists; another shopper's is a 404, as a missing one. */
export const handler = httpHandler({ params: ListIdParams })(async (input) => {
  const list = await getList(requirePrincipal(input).subject, input.params.id);
  return ok(list);
});
