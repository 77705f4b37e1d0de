import { listCategories } from '../../shared/catalog/categories.js';
import { ListAdminCategoriesQuery } from '../../shared/catalog/requests.js';
import { httpHandler } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';

/** GET /admin/categories: catalog staff's view of the tree, retired categories included (`?status=active|retired|all`). */
export const handler = httpHandler({ query: ListAdminCategoriesQuery })(async ({ query }) =>
  ok(await listCategories({ tree: query.tree, status: query.status })),
);
