import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { OrderPage } from '../../shared/orders/queries.js';
import { ApiClient } from '../support/api-client.js';
import { fieldsOf, problem } from '../support/e2e.js';

/**
 * Reading orders end to end, over HTTP against the local platform, every response checked against the OpenAPI
 * document. Orders are only created by checkout, which e2e cannot drive yet, so this covers what holds without one:
 * authentication, scopes, unknown ids, query validation and a shopper's empty list.
 */

const run = Date.now().toString(36).toUpperCase();
const api = new ApiClient(inject('baseUrl'));
let shopper: ApiClient;
let manager: ApiClient;
let integration: ApiClient;

beforeAll(async () => {
  shopper = api.as({ token: await api.mintToken(`e2e-orders-shopper-${run}`, ['shopper']) });
  manager = api.as({ token: await api.mintToken(`e2e-orders-manager-${run}`, ['store-manager'], ['store-1']) });
  integration = api.as({ token: await api.mintToken(`e2e-orders-pos-${run}`, ['pos']) });
});

describe('reading orders', () => {
  it('answers 401 without credentials and 403 naming orders:read to a caller without it', async () => {
    await problem(api.get('/orders'), 401);
    await problem(api.get('/orders/01JBQ8Y0000000000000000001'), 401);
    expect(await problem(integration.get('/orders'), 403)).toMatchObject({ requiredScope: 'orders:read' });
    expect(await problem(integration.get('/orders/01JBQ8Y0000000000000000001'), 403)).toMatchObject({ requiredScope: 'orders:read' });
  });

  it('answers 404 for an order that does not exist, to a shopper and to staff', async () => {
    await problem(shopper.get('/orders/01JBQ8Y0000000000000000001'), 404);
    await problem(manager.get('/orders/01JBQ8Y0000000000000000001'), 404);
  });

  it('gives a shopper with no orders an empty page', async () => {
    const { status, body } = await shopper.get<OrderPage>('/orders');
    expect([status, body]).toEqual([200, { items: [], nextCursor: null }]);
  });

  it('refuses malformed queries and cursors with a 400 naming the field', async () => {
    const refusals: [ApiClient, string][] = [
      [shopper, 'page=2'],
      [shopper, 'limit=500'],
      [shopper, 'store=store-1'],
      [manager, 'store=store-1'],
      [manager, 'store=store-1&date=2030-02-30'],
      [manager, 'store=store-1&date=2030-03-04&status=shipped'],
    ];
    const fields = [];
    for (const [caller, query] of refusals) fields.push(fieldsOf(await problem(caller.get(`/orders?${query}`), 400)));
    expect(fields).toEqual([['query'], ['query.limit'], ['query.store'], ['query.date'], ['query.date'], ['query.status']]);
    await problem(shopper.get('/orders?cursor=not-a-cursor'), 400);
    await problem(manager.get('/orders?store=store-1&date=2030-03-04&cursor=not-a-cursor'), 400);
  });
});
