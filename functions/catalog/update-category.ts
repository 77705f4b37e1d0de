import { auditActor } from '../../shared/audit/audit-entry.js';
import { categoryEtag, updateCategory } from '../../shared/catalog/category-changes.js';
import { CategoryIdParams, UpdateCategoryRequest } from '../../shared/catalog/requests.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';

/** PATCH /categories/{id}: renames and/or moves a category (its subtree and products with it) under optimistic concurrency. */
export const handler = httpHandler({ params: CategoryIdParams, body: UpdateCategoryRequest })(async (input) => {
  const principal = requirePrincipal(input);
  const category = await updateCategory(input.params.id, input.body, {
    ...auditActor(principal, input.headers['x-correlation-id']),
    ifMatch: input.headers['if-match'],
  });
  return ok(category, { etag: categoryEtag(category) });
});
