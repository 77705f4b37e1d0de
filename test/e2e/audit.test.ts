import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { AuditPage } from '../../shared/audit/queries.js';
import type { Role } from '../../shared/auth/roles.js';
import type { CategoryView, ProductView } from '../../shared/catalog/views.js';
import { ApiClient } from '../support/api-client.js';
import { fieldsOf, problem } from '../support/e2e.js';

/**
 * The audit trail end to end: a price changed by a person of head office shows in `GET /audit` of its product, with the
 * prices before and after and the `x-correlation-id` the change was sent with; who may read the trail and who may not;
 * and each bad parameter a 400 that names it.
 */

const run = Date.now().toString(36);
const api = new ApiClient(inject('baseUrl'));
const admin = api.as({ apiKey: inject('adminApiKey') });
const as = async (roles: Role[], stores: string[] = []) => api.as({ token: await api.mintToken(`e2e-audit-${roles.join('-')}-${run}`, roles, stores) });
let headOffice: ApiClient;
let product: ProductView;
const sku = `AUDIT-${run.toUpperCase()}`;

beforeAll(async () => {
  headOffice = await as(['head-office']);
  const categories = (await api.get<{ items: CategoryView[] }>('/categories')).body.items;
  const created = await admin.post<ProductView>('/products', {
    name: `Audited marmalade ${run}`,
    categoryId: categories.find((c) => c.path === 'pantry')!.id,
    taxCategory: 'food',
    variants: [{ sku, name: '454g', soldBy: 'each', price: { amount: 250, currency: 'GBP' } }],
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  product = created.body;
});

describe('GET /audit', () => {
  it('shows a price change of a product with before and after, who made it, and the correlation id it was sent with', async () => {
    const { unitPrice: _derived, ...variant } = product.variants[0]!;
    const correlationId = `e2e-audit-price-${run}`;
    const changed = await headOffice.patch<ProductView>(
      `/products/${product.id}`,
      { variants: [{ ...variant, price: { amount: 275, currency: 'GBP' } }] },
      { headers: { 'if-match': `"${product.version}"`, 'x-correlation-id': correlationId } },
    );
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);

    const { status, body } = await headOffice.get<AuditPage>(`/audit?entity=product&entityId=${product.id}`);
    expect(status).toBe(200);
    expect(body.items).toHaveLength(1);
    expect(body.items[0]).toMatchObject({
      entity: 'product',
      entityId: product.id,
      action: 'price-changed',
      actor: `e2e-audit-head-office-${run}`,
      actorKind: 'person',
      correlationId,
      before: { [sku]: { amount: 250, currency: 'GBP' } },
      after: { [sku]: { amount: 275, currency: 'GBP' } },
    });
    expect(body.nextCursor).toBeNull();

    // The same entry through the actor index and through the day, newest first.
    const byActor = await admin.get<AuditPage>(`/audit?actor=${encodeURIComponent(`e2e-audit-head-office-${run}`)}&action=price-changed`);
    expect(byActor.body.items.map((e) => e.id)).toEqual([body.items[0]!.id]);
    // Other files change products too: read the last hour's pages until the entry shows.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const after: string = cursor ? `&cursor=${cursor}` : '';
      const page = await admin.get<AuditPage>(`/audit?entity=product&action=price-changed&from=${encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString())}&limit=100${after}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((e) => e.id));
      cursor = page.body.nextCursor;
    } while (cursor && !seen.includes(body.items[0]!.id));
    expect(seen).toContain(body.items[0]!.id);
  });

  it('lets admins and head office read the trail, and refuses every other role and a shopper with 403', async () => {
    for (const client of [admin, headOffice, await as(['admin'])]) expect((await client.get('/audit?limit=1')).status).toBe(200);
    for (const roles of [['store-manager'], ['picker'], ['customer-service'], ['catalog-feed'], ['stock-feed'], ['pos'], ['shopper']] as Role[][]) {
      const client = await as(roles, roles[0] === 'shopper' || roles[0] === 'customer-service' || roles[0] === 'catalog-feed' ? [] : ['london-bridge']);
      const refused = await problem(client.get('/audit'), 403, 'insufficient-scope');
      expect(refused, roles.join()).toMatchObject({ requiredScope: 'audit:read' });
    }
    expect((await api.get('/audit')).status).toBe(401);
  });

  it('answers each bad parameter with a 400 that names it', async () => {
    const cases: [string, string[]][] = [
      ['entity=Product!', ['query.entity']],
      ['entityId=01J', ['query.entityId']],
      ['actor=', ['query.actor']],
      ['action=PRICE', ['query.action']],
      ['from=yesterday', ['query.from']],
      ['to=2026-03-14', ['query.to']],
      ['from=2026-03-15T00:00:00Z&to=2026-03-14T00:00:00Z', ['query.from']],
      ['from=2025-01-01T00:00:00Z&to=2026-01-01T00:00:00Z', ['query.from']],
      ['limit=0', ['query.limit']],
      ['limit=101', ['query.limit']],
      ['limit=ten', ['query.limit']],
      ['cursor=not-a-cursor', ['query.cursor']],
      ['sort=asc', ['query']],
    ];
    for (const [query, fields] of cases) {
      const refused = await problem(headOffice.get(`/audit?${query}`), 400);
      expect(fieldsOf(refused), query).toEqual(fields);
      expect(refused.detail, query).toBeTruthy();
    }
    // A cursor of one product's trail handed to another's is refused too.
    const entries = await headOffice.get<AuditPage>(`/audit?entity=stock&limit=1&from=${encodeURIComponent(new Date(Date.now() - 86_400_000 * 30).toISOString())}`);
    if (entries.body.nextCursor) {
      expect(fieldsOf(await problem(headOffice.get(`/audit?entity=product&entityId=${product.id}&cursor=${entries.body.nextCursor}`), 400))).toEqual(['query.cursor']);
    }
  });
});
