/** What one product's write weighs against a transaction's limits. */
export interface Weight {
  /** Transaction items: the product, its new SKU claims, audit entries, events. */
  items: number;
  /** Rough size of those items. */
  bytes: number;
}

/** How much one shared transaction may hold. */
export interface PackLimits {
  /** DynamoDB allows 100 items per transaction. */
  items: number;
  /** Products per transaction: more means fewer round trips, but a larger redo when one of them conflicts. */
  products: number;
  /** Estimated bytes; DynamoDB's limit is 4 MB. */
  bytes: number;
}

/**
 * Packs products' writes into shared transactions, in order: each transaction takes products for
 * as long as the next one still fits its item, byte and product limits, so a chunk of small new
 * products goes in the fewest transactions the limits allow. A product that alone exceeds a limit
 * still gets a transaction of its own rather than being dropped; DynamoDB is the judge of it.
 */
export function packTransactions<T>(entries: readonly T[], weight: (entry: T) => Weight, limits: PackLimits): T[][] {
  const batches: T[][] = [];
  let batch: T[] = [];
  let items = 0;
  let bytes = 0;
  for (const entry of entries) {
    const w = weight(entry);
    const fits = items + w.items <= limits.items && bytes + w.bytes <= limits.bytes && batch.length < limits.products;
    if (batch.length > 0 && !fits) {
      batches.push(batch);
      batch = [];
      items = 0;
      bytes = 0;
    }
    batch.push(entry);
    items += w.items;
    bytes += w.bytes;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}
