import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';
import { listLists } from '../../shared/shopping/lists.js';

/** GET /me/lists: every shopping list of the caller's (at most 20, never paged), most recently changed first. */
export const handler = httpHandler({})(async (input) => {
  const page = await listLists(requirePrincipal(input).subject);
  return ok(page);
});
