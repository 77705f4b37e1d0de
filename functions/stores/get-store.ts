import { httpHandler } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';
import { StoreIdParams } from '../../shared/stores/model.js';
import { requireStore } from '../../shared/stores/repository.js';

/** GET /stores/{id}: one store; 404 when there is none with that id. */
export const handler = httpHandler({ params: StoreIdParams })(async ({ params }) => ok(await requireStore(params.id)));
