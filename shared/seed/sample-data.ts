import { seedSampleCatalog } from '../catalog/seed.js';
import { seedSlots } from '../fulfillment/seed.js';
import { seedSampleStock } from '../inventory/seed.js';
import { seedSamplePromotions } from '../promotions/seed.js';
import { seedSampleStores } from '../stores/seed.js';
import { DEFAULT_TAX_RATES, seedTaxRates } from '../tax/rates.js';

/** One line of the start-up banner per seeded context: what seeding did there. */
export type SampleDataReport = Record<string, string>;

/**
 * Seeds the local platform's sample data, context by context in dependency order (stock needs the catalog's SKUs,
 * slots need stores). Every step is idempotent, so a restart re-runs it cheaply.
 */
export async function seedSampleData(): Promise<SampleDataReport> {
  const catalog = await seedSampleCatalog();
  const promotions = await seedSamplePromotions();
  const taxRates = await seedTaxRates();
  const stores = await seedSampleStores();
  const stock = await seedSampleStock();
  const slots = await seedSlots();
  return {
    catalog: catalog.skipped ? 'already present' : `${catalog.categories} categories, ${catalog.products} products`,
    promotions: `${promotions.total} promotions and coupons (${promotions.created} new)`,
    'tax rates': `${taxRates ? 'default table stored' : 'already stored'} (${Object.keys(DEFAULT_TAX_RATES).join(', ')})`,
    stores: `${stores.stores} stores (${stores.created} new)`,
    inventory: `${stock.items} stock items across the stores (${stock.created} new)`,
    slots: `${slots.created + slots.existing} slots over the next week at ${slots.stores} stores (${slots.created} new)`,
  };
}
