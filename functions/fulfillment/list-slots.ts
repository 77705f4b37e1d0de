import { httpHandler } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';
import { listSlots, ListSlotsQuery } from '../../shared/fulfillment/list-slots.js';
import { StoreIdParams } from '../../shared/stores/model.js';

/** GET /stores/{id}/slots: a store's delivery and pickup slots with room left, fee and minimum order. */
export const handler = httpHandler({ params: StoreIdParams, query: ListSlotsQuery })(async ({ params, query }) => ok(await listSlots(params.id, query)));
