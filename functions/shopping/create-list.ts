import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { idempotency } from '../../shared/http/idempotency.js';
import { created } from '../../shared/http/responses.js';
import { createList } from '../../shared/shopping/lists.js';
import { CreateListRequest } from '../../shared/shopping/requests.js';

/** POST /me/lists: a named list for the caller, with any first lines; idempotent with a key, so a retry is one list. */
export const handler = httpHandler({ body: CreateListRequest, idempotency: idempotency() })(async (input) => {
  const list = await createList(requirePrincipal(input).subject, input.body);
  return created(list, `/me/lists/${list.id}`);
});
