import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';
import { updateList } from '../../shared/shopping/lists.js';
import { ListIdParams, UpdateListRequest } from '../../shared/shopping/requests.js';

/** PATCH /me/lists/{id}: renames the list and/or removes, changes and adds lines, under the version read. */
export const handler = httpHandler({ params: ListIdParams, body: UpdateListRequest })(async (input) => {
  const list = await updateList(requirePrincipal(input).subject, input.params.id, input.body);
  return ok(list);
});
