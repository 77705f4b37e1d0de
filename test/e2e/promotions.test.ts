import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { CategoryView } from '../../shared/catalog/views.js';
import type { LoyaltySummary } from '../../shared/loyalty/model.js';
import { LOYALTY_POLICY } from '../../shared/loyalty/policy.js';
import type { PromotionPage, PromotionView } from '../../shared/promotions/model.js';
import { SAMPLE_PROMOTIONS } from '../../shared/promotions/seed.js';
import { DEFAULT_TAX_RATES, type TaxRatesView } from '../../shared/tax/rates.js';
import { ApiClient } from '../support/api-client.js';
import { fieldsOf, problem } from '../support/e2e.js';

/**
 * Promotions, loyalty and tax rates end to end, over HTTP against the seeded local platform, every
 * response checked against the OpenAPI document. The promotions created here target a category of
 * their own, so that no other suite's cart is priced with them; the sample promotions and the tax
 * rates are left as they were found.
 */

const run = Date.now().toString(36).toUpperCase();
const api = new ApiClient(inject('baseUrl'));
let admin: ApiClient;
/** Head office: chain-wide, so it may create promotions for every store. */
let manager: ApiClient;
/** A store manager of london-bridge: only that store's promotions (issue 11). */
let storeManager: ApiClient;
let shopper: ApiClient;
let categoryId: string;

const tenOff = (extra: Record<string, unknown> = {}) => ({
  name: `e2e 10 % ${run}`,
  rule: { kind: 'percent-off', basisPoints: 1000 },
  target: { kind: 'category', categoryIds: [categoryId] },
  stacking: { priority: 30 },
  schedule: { startsAt: '2025-01-01T00:00:00Z' },
  ...extra,
});

async function allPromotions(query = ''): Promise<PromotionView[]> {
  const items: PromotionView[] = [];
  let cursor: string | null = null;
  do {
    const suffix: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const { body } = await manager.get<PromotionPage>(`/promotions?limit=100${query}${suffix}`);
    items.push(...body.items);
    cursor = body.nextCursor;
  } while (cursor);
  return items;
}

beforeAll(async () => {
  admin = api.as({ token: await api.mintToken(`e2e-admin-${run}`, ['admin']) });
  manager = api.as({ token: await api.mintToken(`e2e-manager-${run}`, ['head-office']) });
  storeManager = api.as({ token: await api.mintToken(`e2e-store-manager-${run}`, ['store-manager'], ['london-bridge']) });
  shopper = api.as({ token: await api.mintToken(`e2e-shopper-${run}`, ['shopper']) });
  categoryId = (await admin.post<CategoryView>('/categories', { slug: `promotions-e2e-${run.toLowerCase()}`, name: 'Promotions e2e' })).body.id;
});

describe('the seeded promotions', () => {
  it('lists every sample promotion, and only the running ones with active=true', async () => {
    const all = (await allPromotions()).map((p) => p.id);
    expect(all).toEqual(expect.arrayContaining(SAMPLE_PROMOTIONS.map((p) => p.id)));
    const active = await allPromotions('&active=true');
    expect(active.map((p) => p.id)).toEqual(expect.arrayContaining(SAMPLE_PROMOTIONS.filter((p) => p.id !== 'sample-old5').map((p) => p.id)));
    expect(active.map((p) => p.id)).not.toContain('sample-old5');
    const welcome = active.find((p) => p.id === 'sample-welcome10')!;
    expect(welcome).toMatchObject({
      couponCode: 'WELCOME10',
      combinableWithOtherCoupons: false,
      limits: { perShopper: 1 },
      rule: { kind: 'spend-threshold', minimumSpend: { amount: 2000, currency: 'GBP' }, reward: { kind: 'percent-off', basisPoints: 1000 } },
    });
  });
});

describe('POST /promotions', () => {
  it('creates a promotion with a coupon code sent in lower case, readable at its Location', async () => {
    const code = `E2E-${run}`;
    const created = await manager.post<PromotionView>('/promotions', tenOff({ couponCode: code.toLowerCase(), limits: { total: 100 } }), {
      headers: { 'idempotency-key': `create-${run}` },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ couponCode: code, status: 'enabled', redemptions: 0, version: 1, createdBy: `e2e-manager-${run}` });
    expect(created.headers.get('etag')).toBe('"1"');
    const location = created.headers.get('location')!;
    expect(location).toBe(`/promotions/${created.body.id}`);
    expect((await manager.get<PromotionView>(location)).body).toEqual(created.body);

    const replay = await manager.post<PromotionView>('/promotions', tenOff({ couponCode: code.toLowerCase(), limits: { total: 100 } }), {
      headers: { 'idempotency-key': `create-${run}` },
    });
    expect(replay.body.id).toBe(created.body.id);
  });

  it('refuses a coupon code another promotion holds, in any case, with 409 coupon-code-taken', async () => {
    const before = await allPromotions();
    const taken = await problem(manager.post('/promotions', tenOff({ couponCode: 'welcome10' })), 409);
    expect(taken).toMatchObject({ type: 'https://smartshelf.dev/problems/coupon-code-taken', couponCode: 'WELCOME10' });
    expect((await allPromotions()).length).toBe(before.length);
  });

  it('answers 400 for malformed JSON, unknown fields, a schedule ending before it starts and an unknown category, creating nothing', async () => {
    const before = (await allPromotions()).length;
    await problem(manager.post('/promotions', '{"name": "Half', { contentType: 'application/json' }), 400);
    const unknown = await problem(manager.post('/promotions', tenOff({ id: 'mine', colour: 'red' })), 400);
    expect(unknown.errors).toContainEqual({ field: 'body', message: 'unknown fields: id, colour' });
    const backwards = await problem(manager.post('/promotions', tenOff({ schedule: { startsAt: '2026-02-01T00:00:00Z', endsAt: '2026-01-01T00:00:00Z' } })), 400);
    expect(backwards.errors).toEqual([{ field: 'body.schedule.endsAt', message: 'must be after startsAt' }]);
    const wrongTypes = await problem(manager.post('/promotions', tenOff({ rule: { kind: 'percent-off', basisPoints: 12.5 }, limits: { total: 0 } })), 400);
    expect(fieldsOf(wrongTypes)).toEqual(['body.limits.total', 'body.rule.basisPoints']);
    const noCategory = await problem(manager.post('/promotions', tenOff({ target: { kind: 'category', categoryIds: ['01JZZZZZZZZZZZZZZZZZZZZZZZ'] } })), 400);
    expect(noCategory.errors).toEqual([{ field: 'body.target.categoryIds.0', message: 'no category has the id 01JZZZZZZZZZZZZZZZZZZZZZZZ' }]);
    await problem(manager.post('/promotions', JSON.stringify(tenOff()), { contentType: 'text/plain' }), 415);
    expect((await allPromotions()).length).toBe(before);
  });

  it('answers 401 without credentials and 403 naming promotions:write to a shopper, creating nothing', async () => {
    const before = (await allPromotions()).length;
    await problem(api.post('/promotions', tenOff()), 401);
    expect(await problem(shopper.post('/promotions', tenOff()), 403)).toMatchObject({ requiredScope: 'promotions:write' });
    await problem(shopper.get('/promotions'), 403);
    expect((await allPromotions()).length).toBe(before);
  });
});

describe('promotions bound to stores (issue 11)', () => {
  it('lets a store manager create, read and list their store’s promotions only: a chain-wide one is 403 to create and 404 to read or change', async () => {
    const created = await storeManager.post<PromotionView>('/promotions', tenOff({ stores: ['london-bridge'] }));
    expect([created.status, created.body.stores]).toEqual([201, ['london-bridge']]);
    expect((await storeManager.get<PromotionView>(`/promotions/${created.body.id}`)).body).toEqual(created.body);
    await problem(storeManager.post('/promotions', tenOff()), 403, 'store-forbidden');
    await problem(storeManager.get('/promotions/sample-welcome10'), 404);
    await problem(storeManager.patch('/promotions/sample-welcome10', { status: 'disabled' }, { headers: { 'if-match': '"1"' } }), 404);
    const { body: page } = await storeManager.get<PromotionPage>('/promotions?limit=100');
    expect(page.items.every((p) => p.stores?.every((store) => store === 'london-bridge'))).toBe(true);
    expect((await manager.get<PromotionView>('/promotions/sample-welcome10')).body.status).toBe('enabled');
  });
});

describe('GET and PATCH /promotions/{id}', () => {
  it('answers 404 for an unknown promotion and 400 for a malformed id', async () => {
    await problem(manager.get('/promotions/no-such-promotion'), 404);
    expect(fieldsOf(await problem(manager.get('/promotions/not%20an%20id'), 400))).toEqual(['path.id']);
  });

  it('disables a promotion under If-Match, refusing a stale ETag with 409 and a later end with 400', async () => {
    const { body: promotion } = await manager.post<PromotionView>('/promotions', tenOff({ schedule: { startsAt: '2025-01-01T00:00:00Z', endsAt: '2099-01-01T00:00:00Z' } }));
    const later = await problem(manager.patch(`/promotions/${promotion.id}`, { endsAt: '2100-01-01T00:00:00Z' }, { headers: { 'if-match': '"1"' } }), 400);
    expect(fieldsOf(later)).toEqual(['body.endsAt']);
    await problem(manager.patch(`/promotions/${promotion.id}`, { colour: 'red' }, { headers: { 'if-match': '"1"' } }), 400);

    const disabled = await manager.patch<PromotionView>(`/promotions/${promotion.id}`, { status: 'disabled' }, { headers: { 'if-match': '"1"' } });
    expect(disabled.status).toBe(200);
    expect(disabled.body).toMatchObject({ status: 'disabled', version: 2 });
    expect(disabled.headers.get('etag')).toBe('"2"');
    const stale = await problem(manager.patch(`/promotions/${promotion.id}`, { status: 'enabled' }, { headers: { 'if-match': '"1"' } }), 409);
    expect(stale).toMatchObject({ currentVersion: 2, expectedVersion: 1 });
    expect((await manager.get<PromotionView>(`/promotions/${promotion.id}`)).body).toEqual(disabled.body);
    expect((await allPromotions('&active=true')).map((p) => p.id)).not.toContain(promotion.id);
  });
});

describe('tax rates', () => {
  it('shows the seeded default table with its ETag', async () => {
    const { body, headers } = await admin.get<TaxRatesView>('/tax-rates');
    expect(body.rates).toMatchObject(DEFAULT_TAX_RATES);
    expect(headers.get('etag')).toBe(`"${body.version}"`);
  });

  it('replaces the table under If-Match, refuses a stale ETag with 409, and changes nothing on a refused request', async () => {
    const current = (await admin.get<TaxRatesView>('/tax-rates')).body;
    const withFrance = { ...current.rates, FR: { food: 550, 'non-food': 2000, alcohol: 2000 } };
    const replaced = await admin.request<TaxRatesView>('PUT', '/tax-rates', { body: { rates: withFrance }, headers: { 'if-match': `"${current.version}"` } });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ rates: withFrance, version: current.version + 1, updatedBy: `e2e-admin-${run}` });

    const stale = await problem(admin.request('PUT', '/tax-rates', { body: { rates: current.rates }, headers: { 'if-match': `"${current.version}"` } }), 409);
    expect(stale).toMatchObject({ type: 'https://smartshelf.dev/problems/version-mismatch', currentVersion: current.version + 1 });
    const missing = await problem(admin.request('PUT', '/tax-rates', { body: { rates: current.rates } }), 400);
    expect(fieldsOf(missing)).toEqual(['header.if-match']);
    const put = (rates: unknown) => admin.request('PUT', '/tax-rates', { body: { rates }, headers: { 'if-match': `"${current.version + 1}"` } });
    expect(fieldsOf(await problem(put({ GB: { food: 0, 'non-food': 2000 } }), 400))).toEqual(['body.rates.GB.alcohol']);
    expect(fieldsOf(await problem(put({ gb: { food: 0, 'non-food': 2000, alcohol: 2000 } }), 400))).toEqual(['body.rates.gb']);
    expect(fieldsOf(await problem(put({ GB: { food: -1, 'non-food': 2000.5, alcohol: 10_001 } }), 400))).toEqual([
      'body.rates.GB.alcohol',
      'body.rates.GB.food',
      'body.rates.GB.non-food',
    ]);
    expect(await problem(manager.request('PUT', '/tax-rates', { body: { rates: current.rates }, headers: { 'if-match': `"${current.version + 1}"` } }), 403)).toMatchObject({
      requiredScope: 'admin',
    });
    expect((await admin.get<TaxRatesView>('/tax-rates')).body).toEqual(replaced.body);

    const restored = await admin.request<TaxRatesView>('PUT', '/tax-rates', { body: { rates: current.rates }, headers: { 'if-match': `"${current.version + 1}"` } });
    expect(restored.body).toMatchObject({ rates: current.rates, version: current.version + 2 });
  });
});

describe('GET /loyalty', () => {
  it('shows a new shopper an empty account and the scheme’s rules', async () => {
    const { body } = await shopper.get<LoyaltySummary>('/loyalty');
    expect(body).toEqual({ shopperId: `e2e-shopper-${run}`, balance: 0, lifetimeEarned: 0, version: 0, loyaltyId: expect.stringMatching(/^[0-9A-HJKMNP-TV-Z]{16}$/), policy: LOYALTY_POLICY, recentEntries: [] });
  });

  it('answers 401 without credentials and 403 to staff without cart:write', async () => {
    await problem(api.get('/loyalty'), 401);
    expect(await problem(manager.get('/loyalty'), 403)).toMatchObject({ requiredScope: 'cart:write' });
  });
});
