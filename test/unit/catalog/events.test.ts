import { describe, expect, it } from 'vitest';
import { categoryCreatedV1 } from '../../../events/catalog/category-created.v1.js';
import { catalogDeps } from '../../../shared/catalog/deps.js';
import { catalogEvent, catalogEventId, productUpdateEvents } from '../../../shared/catalog/events.js';
import type { Product } from '../../../shared/catalog/model.js';

const at = new Date('2026-03-01T10:00:00.000Z');
const deps = catalogDeps({ tableName: 't', now: () => at });
const category = { categoryId: 'C1', slug: 'fruit', name: 'Fruit', parentId: null, path: 'fruit', actor: 'u1' };

/** The item a transaction item puts, and the envelope inside it. */
function stored(item: ReturnType<typeof catalogEvent>) {
  const put = item.Put!;
  const detail = JSON.parse((put.Item as { detail: string }).detail) as Record<string, unknown>;
  return { put, item: put.Item as Record<string, unknown>, detail };
}

describe('catalog events', () => {
  it('are outbox puts whose id names the change, stamped with the use-case clock and the correlation id', () => {
    const { put, item, detail } = stored(catalogEvent(deps, categoryCreatedV1, category, { actor: 'u1', correlationId: 'c-9' }, 'C1'));
    expect(catalogEventId(categoryCreatedV1, 'C1')).toBe('category.created:C1');
    expect(put).toMatchObject({ TableName: 't', ConditionExpression: 'attribute_not_exists(pk)' });
    expect(item).toMatchObject({ pk: 'OUTBOX#category.created:C1', entityType: 'OutboxEvent', source: 'smartshelf.catalog', detailType: 'category.created' });
    expect(detail).toEqual({ id: 'category.created:C1', version: 1, occurredAt: at.toISOString(), correlationId: 'c-9', data: category });
  });

  it('refuse data their contract does not allow, before anything is written', () => {
    expect(() => catalogEvent(deps, categoryCreatedV1, { ...category, slug: undefined } as never, { actor: 'u1' }, 'C1')).toThrow();
  });

  it('announce a product update, with its price changes as a second event only when a price moved', () => {
    const next = { id: 'P1', version: 3, status: 'active' } as Product;
    const change = { changedFields: ['name'], addedSkus: [], removedSkus: [], prices: [] };
    const plain = productUpdateEvents(deps, next, change, { actor: 'u1' }).map((i) => stored(i).detail);
    expect(plain).toEqual([expect.objectContaining({ id: 'product.updated:P1:v3', data: expect.objectContaining({ changedFields: ['name'], version: 3 }) })]);

    const prices = [{ sku: 'S1', before: { amount: 100, currency: 'GBP' }, after: { amount: 90, currency: 'GBP' } }];
    const priced = productUpdateEvents(deps, next, { ...change, changedFields: ['variants'], prices }, { actor: 'u1' }).map((i) => stored(i).detail);
    expect(priced.map((d) => d.id)).toEqual(['product.updated:P1:v3', 'product.price-changed:P1:v3']);
    expect(priced[1]).toMatchObject({ data: { productId: 'P1', version: 3, changes: prices, actor: 'u1' } });
  });
});
