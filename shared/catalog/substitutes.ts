import type { Product, Variant } from './model.js';

/**
 * When one SKU may stand in for another: the catalog's half of the substitution rules (docs/fulfillment.md,
 * "Substitutions"). Pure. Carts use it to check the SKU a shopper chooses as a line's substitute, orders to judge what a
 * picker proposes; both read the products as the catalog has them at that moment.
 */

/** A SKU as the catalog sells it: its product and its variant. */
export interface CatalogEntry {
  product: Pick<Product, 'id' | 'status' | 'categoryId' | 'brand' | 'taxCategory' | 'ageRestricted' | 'bundle'>;
  variant: Pick<Variant, 'sku' | 'soldBy' | 'price'>;
}

/** Why a SKU cannot stand in for another, as a machine-readable reason. */
export type SubstituteMismatch =
  | 'same-sku'
  | 'archived'
  | 'bundle'
  | 'sold-differently'
  | 'other-tax-category'
  | 'age-restricted'
  | 'other-currency'
  | 'other-category'
  | 'other-brand';

/** What each reason says to the person who has to act on it. */
export const MISMATCH_MESSAGES: Readonly<Record<SubstituteMismatch, string>> = {
  'same-sku': 'is the ordered SKU itself, not a substitute',
  archived: 'is no longer sold',
  bundle: 'is a bundle, whose stock is its components: choose one product',
  'sold-differently': 'is sold another way (each, pack, weight or volume) than the ordered SKU, so the quantity would not carry over',
  'other-tax-category': 'is taxed as another category than the ordered SKU, whose rate the order froze',
  'age-restricted': 'is age-restricted and the ordered SKU is not: nobody checked the shopper’s age for it',
  'other-currency': 'is priced in another currency than the ordered SKU',
  'other-category': 'is in another category than the ordered SKU: not a best match',
  'other-brand': 'is of another brand than the ordered SKU (or one of them has none): not the same brand',
};

/**
 * What any substitute must be, whoever chose it: another SKU, of a product still sold and not a bundle, sold the same
 * way (so the line's quantity, in items, grams or millilitres, carries over and its stock moves in the same unit), taxed
 * in the same category (the order froze the ordered SKU's rate), priced in the same currency, and age-restricted only
 * when the ordered SKU was (the checkout checked an age only for what was in the basket).
 * @returns every reason it cannot stand in; none when it can
 */
export function standInMismatches(ordered: CatalogEntry, candidate: CatalogEntry): SubstituteMismatch[] {
  const problems: SubstituteMismatch[] = [];
  if (candidate.variant.sku === ordered.variant.sku) problems.push('same-sku');
  if (candidate.product.status !== 'active') problems.push('archived');
  if (candidate.product.bundle !== undefined) problems.push('bundle');
  if (candidate.variant.soldBy !== ordered.variant.soldBy) problems.push('sold-differently');
  if (candidate.product.taxCategory !== ordered.product.taxCategory) problems.push('other-tax-category');
  if (candidate.product.ageRestricted && !ordered.product.ageRestricted) problems.push('age-restricted');
  if (candidate.variant.price.currency !== ordered.variant.price.currency) problems.push('other-currency');
  return problems;
}

/**
 * A best match: a stand-in ({@link standInMismatches}) from the same category as the ordered SKU (the category the
 * product sits in, not merely an ancestor: semi-skimmed milk for semi-skimmed milk, not for cream).
 */
export function bestMatchMismatches(ordered: CatalogEntry, candidate: CatalogEntry): SubstituteMismatch[] {
  const problems = standInMismatches(ordered, candidate);
  if (candidate.product.categoryId !== ordered.product.categoryId) problems.push('other-category');
  return problems;
}

/** Whether two products share a brand: both have one, equal but for case and surrounding spaces. */
export function sameBrand(ordered: CatalogEntry, candidate: CatalogEntry): boolean {
  const brand = (entry: CatalogEntry) => entry.product.brand?.trim().toLowerCase();
  return brand(ordered) !== undefined && brand(ordered) === brand(candidate);
}
