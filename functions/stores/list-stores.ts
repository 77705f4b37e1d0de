import { httpHandler } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';
import { listStores } from '../../shared/stores/repository.js';

/** GET /stores: every store with its address, timezone, currency and fulfillment modes; public. */
export const handler = httpHandler({})(async () => ok({ items: await listStores() }));
