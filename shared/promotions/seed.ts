import { ALL_STORES } from '../auth/principal.js';
import { catalogDeps } from '../catalog/deps.js';
import { queryAllCategories } from '../catalog/repository.js';
import { ConflictError } from '../errors.js';
import { promotionDeps, type PromotionDeps } from './deps.js';
import type { CreatePromotionInput } from './model.js';
import { createPromotion } from './promotions.js';
import { getPromotionRecord } from './repository.js';

/** A sample promotion: its fixed id, and the request that creates it once the category ids are known. */
interface SamplePromotion {
  id: string;
  request: (categoryId: (path: string) => string) => CreatePromotionInput;
}

const ALWAYS = { startsAt: '2025-01-01T00:00:00Z' };
const gbp = (amount: number) => ({ amount, currency: 'GBP' });

/**
 * The sample promotions, on the sample catalog's SKUs and categories. Fixed, readable ids make the
 * seed idempotent and let tests and docs name them.
 */
export const SAMPLE_PROMOTIONS: readonly SamplePromotion[] = [
  {
    id: 'sample-tins-3-for-5',
    request: (category) => ({
      name: 'Any 3 tins for £5',
      rule: { kind: 'multi-buy', quantity: 3, price: gbp(500) },
      target: { kind: 'category', categoryIds: [category('pantry/tins')] },
      stacking: { priority: 10 },
      schedule: ALWAYS,
    }),
  },
  {
    id: 'sample-fruit-10-off',
    request: (category) => ({
      name: '10 % off fruit',
      rule: { kind: 'percent-off', basisPoints: 1000 },
      target: { kind: 'category', categoryIds: [category('fresh-produce/fruit')] },
      stacking: { priority: 20 },
      schedule: ALWAYS,
    }),
  },
  {
    id: 'sample-jaffa-cakes-bogo',
    request: () => ({
      name: "Buy one get one free on McVitie's Jaffa Cakes",
      rule: { kind: 'bogo' },
      target: { kind: 'sku', skus: ['SN-MCVITIES-JAFFA-CAKES-122G'] },
      stacking: { priority: 10 },
      schedule: ALWAYS,
    }),
  },
  {
    id: 'sample-spend-50-save-5',
    request: () => ({
      name: 'Spend £50, save £5',
      rule: { kind: 'spend-threshold', minimumSpend: gbp(5000), reward: { kind: 'fixed-off', amount: gbp(500) } },
      target: { kind: 'cart' },
      stacking: { priority: 50 },
      schedule: ALWAYS,
    }),
  },
  {
    id: 'sample-welcome10',
    request: () => ({
      name: 'Welcome: 10 % off your first shop over £20',
      rule: { kind: 'spend-threshold', minimumSpend: gbp(2000), reward: { kind: 'percent-off', basisPoints: 1000 } },
      target: { kind: 'cart' },
      stacking: { priority: 60 },
      schedule: ALWAYS,
      limits: { perShopper: 1 },
      couponCode: 'WELCOME10',
      combinableWithOtherCoupons: false,
    }),
  },
  {
    id: 'sample-freedel',
    request: () => ({
      name: 'Free delivery on orders over £40',
      rule: { kind: 'free-delivery', minimumSpend: gbp(4000) },
      target: { kind: 'cart' },
      stacking: { priority: 70 },
      schedule: ALWAYS,
      couponCode: 'FREEDEL',
    }),
  },
  {
    id: 'sample-old5',
    request: () => ({
      name: '£5 off (ended)',
      rule: { kind: 'fixed-off', amount: gbp(500), per: 'order' },
      target: { kind: 'cart' },
      stacking: { priority: 60 },
      schedule: { startsAt: '2024-01-01T00:00:00Z', endsAt: '2024-12-31T23:59:59Z' },
      couponCode: 'OLD5',
    }),
  },
];

/**
 * Creates the sample promotions that are not there yet, through the same use-case as the API
 * (validation, coupon claims, audit). Idempotent: a promotion already stored under its sample id is
 * left alone. Needs the sample catalog first, for its category ids and SKUs.
 * @returns how many promotions this call created, and how many sample promotions there are
 */
export async function seedSamplePromotions(deps: PromotionDeps = promotionDeps()): Promise<{ created: number; total: number }> {
  const missing: SamplePromotion[] = [];
  for (const sample of SAMPLE_PROMOTIONS) if (!(await getPromotionRecord(deps, sample.id))) missing.push(sample);
  if (missing.length === 0) return { created: 0, total: SAMPLE_PROMOTIONS.length };
  const ids = new Map((await queryAllCategories(catalogDeps({ db: deps.db, tableName: deps.tableName }))).map(({ category }) => [category.path, category.id]));
  const categoryId = (path: string) => {
    const id = ids.get(path);
    if (!id) throw new Error(`sample promotions need the sample catalog's category ${path}; seed the catalog first`);
    return id;
  };
  let created = 0;
  for (const sample of missing) {
    try {
      await createPromotion(sample.request(categoryId), { actor: 'seed', stores: [ALL_STORES] }, { ...deps, newId: () => sample.id });
      created += 1;
    } catch (error) {
      // Another seed run got there first, or someone gave the code to a promotion of their own: theirs stands.
      const codeTaken = error instanceof ConflictError && error.code === 'coupon-code-taken';
      if (!codeTaken && !(await getPromotionRecord(deps, sample.id))) throw error;
    }
  }
  return { created, total: SAMPLE_PROMOTIONS.length };
}
