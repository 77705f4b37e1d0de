import { describe, expect, it } from 'vitest';
import { categoryCreatedV1 } from '../../../events/catalog/category-created.v1.js';
import { catalogDeps, publishCommitted, type Publish } from '../../../shared/catalog/deps.js';

const data = { categoryId: 'C1', slug: 'fruit', name: 'Fruit', parentId: null, path: 'fruit', actor: 'u1' };

describe('publishCommitted', () => {
  it('hands the event and the correlation id to the publisher', async () => {
    const sent: unknown[] = [];
    const publish: Publish = async (contract, payload, meta) => {
      sent.push({ detailType: contract.detailType, payload, meta });
    };
    await publishCommitted(catalogDeps({ tableName: 't', publish }), categoryCreatedV1, data, { actor: 'u1', correlationId: 'c-9' });
    expect(sent).toEqual([{ detailType: 'category.created', payload: data, meta: { correlationId: 'c-9' } }]);
  });

  it('does not fail a committed write when the bus refuses the event', async () => {
    const publish: Publish = async () => {
      throw new Error('bus unavailable');
    };
    await expect(publishCommitted(catalogDeps({ tableName: 't', publish }), categoryCreatedV1, data, { actor: 'u1' })).resolves.toBeUndefined();
  });
});
