import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { TableDeps } from '../db/deps.js';
import { keys } from '../db/keys.js';
import type { TransactItem } from '../db/transact.js';
import { AppError, ConflictError } from '../errors.js';
import type { LineQuantity } from './model.js';

/**
 * How much one shopper may hold at one store at a time, so that nobody can keep a SKU or a slot from everyone else by
 * holding basket after basket. A hold here is a basket hold (`POST /carts/{id}/hold`) or a checkout still waiting for
 * its payment to be authorized: both keep stock from other shoppers without anything being paid.
 *
 * The limits are invariants, kept by DynamoDB: the hold's own transaction adds to a counter item per shopper and store
 * (`active`, and `q#<sku>` per SKU) under conditions that say the limits still hold after the addition, and puts a
 * claim item naming what it added. The transaction that ends the hold (a release, an expiry, checkout consuming it, an
 * order's payment settling) deletes the claim under `attribute_exists` and takes the same amounts off, so each hold is
 * counted off once, however many of them race.
 */

/**
 * The limits, per shopper and store:
 * - 2 active holds: a basket being paid for and one more being put together is what a person needs;
 * - per SKU, across those holds: 24 items or packs (a case of tins, four six-packs), 12 kg of a good sold by weight,
 *   12 litres of one sold by volume. Far above a household's shop of one product, far below a shelf's stock.
 */
export const HOLD_LIMITS = {
  activeHoldsPerStore: 2,
  perSku: { count: 24, grams: 12_000, millilitres: 12_000 },
} as const;

/** The unit a SKU is stocked and held in. */
export type StockUnit = keyof typeof HOLD_LIMITS.perSku;

/** What one hold takes of one SKU, in its stock unit. */
export interface HeldSku {
  sku: string;
  unit: StockUnit;
  quantity: number;
}

function unitOf(quantity: LineQuantity): StockUnit {
  if ('grams' in quantity) return 'grams';
  if ('millilitres' in quantity) return 'millilitres';
  return 'count';
}

/**
 * What a basket (or an order) holds of each SKU, lines of the same SKU added up, in the SKU's stock unit (weighed goods
 * by their estimated grams, like the stock they reserve). A bundle counts as its own SKU. Pure.
 */
export function heldSkus(lines: readonly { sku: string; quantity: LineQuantity }[]): HeldSku[] {
  const bySku = new Map<string, HeldSku>();
  for (const line of lines) {
    const unit = unitOf(line.quantity);
    const quantity = 'grams' in line.quantity ? line.quantity.grams : 'millilitres' in line.quantity ? line.quantity.millilitres : line.quantity.count;
    const seen = bySku.get(line.sku);
    bySku.set(line.sku, { sku: line.sku, unit, quantity: (seen?.quantity ?? 0) + quantity });
  }
  return [...bySku.values()];
}

/** The most one shopper may hold of a SKU sold in `unit`. */
export function skuCap(unit: StockUnit): number {
  return HOLD_LIMITS.perSku[unit];
}

/** One SKU of a hold that the per-SKU limit refuses, with what the shopper already holds of it elsewhere. */
export class HoldQuantityLimitError extends AppError {
  override readonly name = 'HoldQuantityLimitError';
  constructor(storeId: string, held: HeldSku, heldElsewhere: number) {
    const cap = skuCap(held.unit);
    const unit = held.unit === 'count' ? 'items' : held.unit;
    const elsewhere = heldElsewhere > 0 ? ` and already hold ${heldElsewhere} in other baskets` : '';
    super(
      'unprocessable',
      'hold-quantity-limit',
      `One shopper may hold at most ${cap} ${unit} of ${held.sku} at store ${storeId}; this basket asks for ${held.quantity}${elsewhere}.`,
      { extensions: { storeId, sku: held.sku, unit: held.unit, limit: cap, requested: held.quantity, heldElsewhere } },
    );
  }
}

/** The shopper already has as many active holds at the store as one may. */
export class TooManyHoldsError extends ConflictError {
  override readonly name = 'TooManyHoldsError';
  constructor(storeId: string) {
    super(
      'too-many-holds',
      `You already hold ${HOLD_LIMITS.activeHoldsPerStore} baskets at store ${storeId}, the most one shopper may; check one out or release it (DELETE /carts/{id}/hold) first.`,
      { extensions: { storeId, limit: HOLD_LIMITS.activeHoldsPerStore } },
    );
  }
}

/**
 * Refuses a hold that asks, on its own, for more of a SKU than anyone may hold, before anything is tried. Pure.
 * @throws HoldQuantityLimitError (422 `hold-quantity-limit`)
 */
export function assertWithinSkuCaps(storeId: string, skus: readonly HeldSku[]): void {
  const over = skus.find((s) => s.quantity > skuCap(s.unit));
  if (over) throw new HoldQuantityLimitError(storeId, over, 0);
}

/** The counter attribute of one SKU on the shopper's hold-limits item. */
function skuAttribute(sku: string): string {
  return `q#${sku}`;
}

/** Who holds, where, and under which reservation: the hold's own key in the claim. */
export interface HoldRef {
  shopperId: string;
  storeId: string;
  reservationId: string;
}

/**
 * The two items a hold adds to its transaction: the counter update under the limits, then the claim.
 * The condition reads: fewer than the limit of active holds, and for each SKU at most its cap minus this hold's
 * quantity held already; a counter or attribute not yet there is zero.
 */
export function holdLimitItems(tableName: string, hold: HoldRef, skus: readonly HeldSku[], at: Date): TransactItem[] {
  const names: Record<string, string> = { '#active': 'active' };
  const values: Record<string, unknown> = {
    ':type': 'HoldLimits',
    ':schema': 1,
    ':shopper': hold.shopperId,
    ':store': hold.storeId,
    ':at': at.toISOString(),
    ':one': 1,
    ':maxHolds': HOLD_LIMITS.activeHoldsPerStore,
  };
  const adds = ['#active :one'];
  const conditions = ['(attribute_not_exists(#active) OR #active < :maxHolds)'];
  skus.forEach((s, i) => {
    names[`#q${i}`] = skuAttribute(s.sku);
    values[`:q${i}`] = s.quantity;
    values[`:c${i}`] = skuCap(s.unit) - s.quantity;
    adds.push(`#q${i} :q${i}`);
    conditions.push(`(attribute_not_exists(#q${i}) OR #q${i} <= :c${i})`);
  });
  return [
    {
      Update: {
        TableName: tableName,
        Key: keys.holdLimits(hold.shopperId, hold.storeId),
        UpdateExpression: `SET entityType = :type, schemaVersion = :schema, shopperId = :shopper, storeId = :store, updatedAt = :at ADD ${adds.join(', ')}`,
        ConditionExpression: conditions.join(' AND '),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    },
    {
      Put: {
        TableName: tableName,
        Item: {
          ...keys.holdClaim(hold.reservationId),
          entityType: 'HoldClaim',
          schemaVersion: 1,
          ...hold,
          skus: Object.fromEntries(skus.map((s) => [s.sku, s.quantity])),
          at: at.toISOString(),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
  ];
}

/**
 * The items that count a hold off its shopper's limits: the claim's delete (only if it is still there, which is what
 * makes the release happen once) and the counter's decrements. None when the hold has no claim: it was taken before
 * the limits existed, or has been counted off already.
 */
export async function holdReleaseItems(deps: Pick<TableDeps, 'db' | 'tableName' | 'now'>, reservationId: string): Promise<TransactItem[]> {
  const { Item } = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.holdClaim(reservationId), ConsistentRead: true }));
  if (!Item) return [];
  const skus = Object.entries((Item.skus ?? {}) as Record<string, number>);
  const names: Record<string, string> = { '#active': 'active' };
  const values: Record<string, unknown> = { ':minusOne': -1, ':at': deps.now().toISOString() };
  const adds = ['#active :minusOne'];
  skus.forEach(([sku, quantity], i) => {
    names[`#q${i}`] = skuAttribute(sku);
    values[`:q${i}`] = -quantity;
    adds.push(`#q${i} :q${i}`);
  });
  return [
    { Delete: { TableName: deps.tableName, Key: keys.holdClaim(reservationId), ConditionExpression: 'attribute_exists(pk)' } },
    {
      Update: {
        TableName: deps.tableName,
        Key: keys.holdLimits(Item.shopperId as string, Item.storeId as string),
        UpdateExpression: `SET updatedAt = :at ADD ${adds.join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    },
  ];
}

/**
 * Why a hold's counter condition failed, from the counter as it is now: too many holds, or a SKU over its cap with
 * what is held of it elsewhere. `undefined` when the counter no longer says so (another hold ended meanwhile): try again.
 */
export async function explainHoldLimit(deps: Pick<TableDeps, 'db' | 'tableName'>, hold: Omit<HoldRef, 'reservationId'>, skus: readonly HeldSku[]): Promise<AppError | undefined> {
  const { Item } = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.holdLimits(hold.shopperId, hold.storeId), ConsistentRead: true }));
  if (((Item?.active as number | undefined) ?? 0) >= HOLD_LIMITS.activeHoldsPerStore) return new TooManyHoldsError(hold.storeId);
  for (const s of skus) {
    const elsewhere = (Item?.[skuAttribute(s.sku)] as number | undefined) ?? 0;
    if (elsewhere + s.quantity > skuCap(s.unit)) return new HoldQuantityLimitError(hold.storeId, s, elsewhere);
  }
  return undefined;
}
