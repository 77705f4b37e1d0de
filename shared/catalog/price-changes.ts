import { attributedTo, auditItem, type AuditedBy } from '../audit/audit-entry.js';
import type { Money, Variant } from './model.js';

/** One variant whose price moved, by SKU. */
export interface PriceChange {
  sku: string;
  before: Money;
  after: Money;
}

/**
 * The price changes between two variant lists: SKUs present in both whose amount or currency
 * differs. A SKU that is new or removed has no "before" or "after" and is not a price change.
 */
export function priceChanges(before: readonly Variant[], after: readonly Variant[]): PriceChange[] {
  const previous = new Map(before.map((v) => [v.sku, v.price]));
  return after.flatMap((variant) => {
    const old = previous.get(variant.sku);
    if (!old || (old.amount === variant.price.amount && old.currency === variant.price.currency)) return [];
    return [{ sku: variant.sku, before: old, after: variant.price }];
  });
}

/**
 * The audit item recording a product's price changes, `{ sku: price }` before and after, for a
 * `Put` in the same transaction as the product write. Shared by the PATCH endpoint and imports.
 * @param who the principal, or the system actor that made the change, and the request it came in
 * @param at ISO timestamp of the change, the same one the product's `updatedAt` carries
 */
export function priceChangeAuditItem(productId: string, changes: readonly PriceChange[], who: AuditedBy, at: string): Record<string, unknown> {
  return auditItem({
    ...attributedTo(who),
    entity: 'product',
    entityId: productId,
    action: 'price-changed',
    at,
    before: Object.fromEntries(changes.map((c) => [c.sku, c.before])),
    after: Object.fromEntries(changes.map((c) => [c.sku, c.after])),
  });
}
