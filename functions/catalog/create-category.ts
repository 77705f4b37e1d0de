import { createCategory } from '../../shared/catalog/categories.js';
import { CreateCategoryRequest } from '../../shared/catalog/requests.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';

/** POST /categories: adds a category under an existing parent, or a new root. */
export const handler = httpHandler({ body: CreateCategoryRequest, idempotent: true })(async (input) => {
  const principal = requirePrincipal(input);
  const category = await createCategory(input.body, { actor: principal.subject, correlationId: input.headers['x-correlation-id'] });
  return { status: 201, body: category };
});
