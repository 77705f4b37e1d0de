import { httpHandler } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';
import { ListStoresQuery } from '../../shared/stores/model.js';
import { listStores, storesNear } from '../../shared/stores/repository.js';

/**
 * GET /stores: every store with its address, timezone, currency, fulfillment modes and areas; public. With `postcode`
 * (and `country`, GB by default), only those that deliver there or offer collection nearby, marked `delivers` and
 * `collection`; a malformed postcode is a 400.
 */
export const handler = httpHandler({ query: ListStoresQuery })(async ({ query }) =>
  ok({ items: query.postcode === undefined ? await listStores() : await storesNear(query.postcode, query.country ?? 'GB') }),
);
