import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { deleteList } from '../../shared/shopping/lists.js';
import { ListIdParams } from '../../shared/shopping/requests.js';

/** DELETE /me/lists/{id}: deletes one of the caller's lists; 204, and a 404 for one they do not have. */
export const handler = httpHandler({ params: ListIdParams })(async (input) => {
  await deleteList(requirePrincipal(input).subject, input.params.id);
  return { status: 204 };
});
