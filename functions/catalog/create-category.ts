import { createCategory } from '../../shared/catalog/categories.js';
import { CreateCategoryRequest } from '../../shared/catalog/requests.js';
import { idempotency } from '../../shared/http/idempotency.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';

/** POST /categories: adds a category under an existing parent, or a new root. */
export const handler = httpHandler({ body: CreateCategoryRequest, idempotency: idempotency() })(async (input) => {
  const principal = requirePrincipal(input);
  const category = await createCategory(input.body, { actor: principal.subject, correlationId: input.headers['x-correlation-id'] });
  return { status: 201, body: category };
});
