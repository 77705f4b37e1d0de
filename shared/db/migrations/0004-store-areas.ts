import { backfill, type Item } from './backfill.js';
import type { Migration } from './types.js';

interface Areas {
  deliveryArea: { districts: string[]; prefixes: string[] };
  collectionArea: { districts: string[]; prefixes: string[] };
}

const numbered = (area: string, last: number): string[] => Array.from({ length: last }, (_, i) => `${area}${i + 1}`);

/**
 * The sample stores' areas as issue 13 seeded them. Written out here, not read from `shared/stores/seed.ts`: a
 * migration is a record of what it did (and `shared/db` is below `shared/stores`).
 */
const SAMPLE_AREAS: Readonly<Record<string, Areas>> = {
  'london-bridge': {
    deliveryArea: { districts: ['SE1', 'SE11', 'SE15', 'SE16', 'SE17', 'E1', 'E1W', 'EC2', 'EC3', 'EC4'], prefixes: [] },
    collectionArea: { districts: ['E1', 'E1W'], prefixes: ['SE', 'EC', 'WC'] },
  },
  'manchester-piccadilly': {
    deliveryArea: { districts: ['M1', 'M2', 'M3', 'M4', 'M8', 'M11', 'M12', 'M13', 'M15', 'M16', 'M50'], prefixes: [] },
    collectionArea: { districts: numbered('M', 35), prefixes: [] },
  },
  'edinburgh-leith': {
    deliveryArea: { districts: numbered('EH', 17), prefixes: [] },
    collectionArea: { districts: [], prefixes: [] },
  },
};

/** Any other store: its own postcode's district (the outward code of a GB postcode), for delivery and collection alike. */
function ownDistrict(item: Item): Areas {
  const address = item.address as { postcode?: unknown } | undefined;
  const compact = typeof address?.postcode === 'string' ? address.postcode.toUpperCase().replace(/[\s-]+/g, '') : '';
  const own = { districts: compact.length > 3 ? [compact.slice(0, -3)] : [], prefixes: [] };
  return { deliveryArea: own, collectionArea: own };
}

/**
 * Stores have a delivery area and a collection area since issue 13 (`shared/stores/areas.ts`). A store already stored
 * gets the sample store's areas when it is one, else its own postcode district, which its staff can widen; a store
 * that already has areas keeps them. Stores are stamped with schema version 2.
 */
export const storeAreas: Migration = {
  version: '0004-store-areas',
  description: 'Give every store a delivery area and a collection area',
  async run(deps) {
    const changed = await backfill(deps, {
      entityTypes: ['Store'],
      toVersion: 2,
      change: (item) => {
        const areas = (typeof item.id === 'string' ? SAMPLE_AREAS[item.id] : undefined) ?? ownDistrict(item);
        return {
          ...(item.deliveryArea === undefined ? { deliveryArea: areas.deliveryArea } : {}),
          ...(item.collectionArea === undefined ? { collectionArea: areas.collectionArea } : {}),
        };
      },
    });
    deps.log(`gave ${changed} store(s) their delivery and collection areas`);
  },
};
