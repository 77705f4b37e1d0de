import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { Store } from './model.js';
import { storeDeps, storeItem, type StoreDeps } from './repository.js';

type SampleStore = Omit<Store, 'createdAt' | 'updatedAt'>;

/** Three sample stores: two that deliver and take pickups, one that only delivers. */
export const SAMPLE_STORES: readonly SampleStore[] = [
  {
    id: 'london-bridge',
    name: 'SmartShelf London Bridge',
    address: { line1: '12 Tooley Street', city: 'London', postcode: 'SE1 2TU', country: 'GB' },
    timezone: 'Europe/London',
    taxJurisdiction: 'GB',
    currency: 'GBP',
    fulfillmentModes: ['delivery', 'pickup'],
    status: 'open',
  },
  {
    id: 'manchester-piccadilly',
    name: 'SmartShelf Manchester Piccadilly',
    address: { line1: '45 Newton Street', city: 'Manchester', postcode: 'M1 1FT', country: 'GB' },
    timezone: 'Europe/London',
    taxJurisdiction: 'GB',
    currency: 'GBP',
    fulfillmentModes: ['delivery', 'pickup'],
    status: 'open',
  },
  {
    id: 'edinburgh-leith',
    name: 'SmartShelf Edinburgh Leith',
    address: { line1: '8 Commercial Quay', city: 'Edinburgh', postcode: 'EH6 6LX', country: 'GB' },
    timezone: 'Europe/London',
    taxJurisdiction: 'GB',
    currency: 'GBP',
    fulfillmentModes: ['delivery'],
    status: 'open',
  },
];

/**
 * Writes the sample stores that are not there yet (a conditional put each, so an existing store, perhaps edited
 * since, is left alone). Idempotent.
 * @returns how many stores this call created
 */
export async function seedSampleStores(deps: StoreDeps = storeDeps(), now: Date = new Date()): Promise<{ stores: number; created: number }> {
  const at = now.toISOString();
  const results = await Promise.all(
    SAMPLE_STORES.map(async (sample) => {
      const store = Store.parse({ ...sample, createdAt: at, updatedAt: at });
      try {
        await deps.db.send(new PutCommand({ TableName: deps.tableName, Item: storeItem(store), ConditionExpression: 'attribute_not_exists(pk)' }));
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    }),
  );
  return { stores: SAMPLE_STORES.length, created: results.filter(Boolean).length };
}
