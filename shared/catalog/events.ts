import type { z } from 'zod';
import { productCreatedV1 } from '../../events/catalog/product-created.v1.js';
import { productPriceChangedV1 } from '../../events/catalog/product-price-changed.v1.js';
import { productUpdatedV1 } from '../../events/catalog/product-updated.v1.js';
import type { EventContract } from '../../events/contract.js';
import type { TransactItem } from '../db/transact.js';
import { outboxEvent } from '../events/outbox.js';
import type { Actor, CatalogDeps } from './deps.js';
import type { Product } from './model.js';
import type { PriceChange } from './price-changes.js';

/**
 * The id of the catalog event about `subject` (an entity id, with its version when the entity has
 * one): `product.updated:01J…:v3`. Derived from the change, so one change can never announce
 * itself twice, and its outbox item can be found by key.
 */
export function catalogEventId(contract: Pick<EventContract, 'detailType'>, subject: string): string {
  return `${contract.detailType}:${subject}`;
}

/**
 * A catalog event as an item of the transaction that makes the change it reports (the
 * transactional outbox): the stream relay publishes it if and only if that change commits.
 */
export function catalogEvent<S extends z.ZodType>(
  deps: CatalogDeps,
  contract: EventContract<S>,
  data: z.input<S>,
  who: Actor,
  subject: string,
): TransactItem {
  const meta = { id: catalogEventId(contract, subject), now: deps.now(), ...(who.correlationId ? { correlationId: who.correlationId } : {}) };
  return outboxEvent(deps.tableName, contract, data, meta).item;
}

/** `product.created` for a new product, created by the API, an import or the seed. */
export function productCreatedEvent(deps: CatalogDeps, product: Product, who: Actor): TransactItem {
  const data = {
    productId: product.id,
    name: product.name,
    categoryId: product.categoryId,
    categoryPath: product.categoryPath,
    skus: product.variants.map((v) => v.sku),
    status: product.status,
    version: product.version,
    actor: who.actor,
  };
  return catalogEvent(deps, productCreatedV1, data, who, product.id);
}

/** What a product update changed, as its events report it. */
export interface ProductChange {
  changedFields: string[];
  addedSkus: string[];
  removedSkus: string[];
  prices: readonly PriceChange[];
}

/** `product.updated` for a product's new version, and `product.price-changed` too when any price moved. */
export function productUpdateEvents(deps: CatalogDeps, next: Product, change: ProductChange, who: Actor): TransactItem[] {
  const subject = `${next.id}:v${next.version}`;
  const updated = {
    productId: next.id,
    version: next.version,
    changedFields: change.changedFields,
    addedSkus: change.addedSkus,
    removedSkus: change.removedSkus,
    status: next.status,
    actor: who.actor,
  };
  const priced = { productId: next.id, version: next.version, changes: [...change.prices], actor: who.actor };
  return [
    catalogEvent(deps, productUpdatedV1, updated, who, subject),
    ...(change.prices.length > 0 ? [catalogEvent(deps, productPriceChangedV1, priced, who, subject)] : []),
  ];
}
