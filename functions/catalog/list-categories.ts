import { listCategories } from '../../shared/catalog/categories.js';
import { ListCategoriesQuery } from '../../shared/catalog/requests.js';
import { httpHandler } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';

/** GET /categories: the whole category tree, flat in path order or nested with `?tree=true`. */
export const handler = httpHandler({ query: ListCategoriesQuery })(async ({ query }) => ok(await listCategories({ tree: query.tree })));
