import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { Store } from './model.js';
import { storeDeps, storeItem, type StoreDeps } from './repository.js';

type SampleStore = Omit<Store, 'createdAt' | 'updatedAt'>;

/** Districts `<area>1` to `<area><last>`: a city's numbered districts, listed one by one so that `M1` is not `M10`. */
const numbered = (area: string, last: number): string[] => Array.from({ length: last }, (_, i) => `${area}${i + 1}`);

/**
 * Three sample stores: two that deliver and take pickups, one that only delivers. Their areas cover the postcodes the
 * tests and benches deliver to (SE1 for London Bridge, M1 for Manchester, EH6 for Leith).
 */
export const SAMPLE_STORES: readonly SampleStore[] = [
  {
    id: 'london-bridge',
    name: 'SmartShelf London Bridge',
    address: { line1: '12 Tooley Street', city: 'London', postcode: 'SE1 2TU', country: 'GB' },
    timezone: 'Europe/London',
    taxJurisdiction: 'GB',
    currency: 'GBP',
    fulfillmentModes: ['delivery', 'pickup'],
    // Its own vans and the courier reach Southwark, Bermondsey, Rotherhithe, the City and Whitechapel; collection suits south London and the centre.
    deliveryArea: { districts: ['SE1', 'SE11', 'SE15', 'SE16', 'SE17', 'E1', 'E1W', 'EC2', 'EC3', 'EC4'], prefixes: [] },
    collectionArea: { districts: ['E1', 'E1W'], prefixes: ['SE', 'EC', 'WC'] },
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
    deliveryArea: { districts: ['M1', 'M2', 'M3', 'M4', 'M8', 'M11', 'M12', 'M13', 'M15', 'M16', 'M50'], prefixes: [] },
    collectionArea: { districts: numbered('M', 35), prefixes: [] },
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
    // Every district from EH1 to EH17: the city and Leith.
    deliveryArea: { districts: numbered('EH', 17), prefixes: [] },
    collectionArea: { districts: [], prefixes: [] },
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
