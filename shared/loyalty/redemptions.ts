import { keys } from '../db/keys.js';
import type { TransactionCancelled, TransactItem } from '../db/transact.js';
import { AppError, ConflictError } from '../errors.js';
import { balanceUpdate, ledgerEntryPut } from './accounts.js';
import { loyaltyDeps, type LoyaltyDeps } from './deps.js';

/**
 * Spending points at checkout, as items for the checkout transaction. The balance can never go
 * negative because the spend is an `ADD` under the condition `balance >= points`; an order can
 * spend points once (a mark per order, put only if absent), and its reversal gives them back once.
 */

/** The consumer names in `keys.processedEvent` that mark an order's redemption and its reversal. */
export const REDEEM_MARK = 'loyalty-redeem';
export const REVERSE_MARK = 'loyalty-redeem-reversal';

/** Where `redeemItems` puts the balance update among its items: the condition that fails when points are short. */
const BALANCE_ITEM = 1;

/** The shopper's balance is below the points a checkout wants to spend. */
export class InsufficientPointsError extends AppError {
  override readonly name = 'InsufficientPointsError';
  constructor(readonly points: number) {
    super('unprocessable', 'insufficient-points', `The loyalty balance is below the ${points} points to redeem; redeem fewer points.`, {
      extensions: { points },
    });
  }
}

/**
 * The transaction items that spend `points` of a shopper's balance on one order: the order's
 * redemption mark, the conditional balance update, and a `redeem` ledger entry.
 * @throws RangeError when `points` is not a positive integer (redeeming nothing needs no items)
 */
export function redeemItems(shopperId: string, points: number, orderId: string, deps: Pick<LoyaltyDeps, 'tableName' | 'now' | 'newId'> = loyaltyDeps()): TransactItem[] {
  if (!Number.isSafeInteger(points) || points <= 0) throw new RangeError(`points to redeem must be a positive integer, got ${points}`);
  const at = deps.now().toISOString();
  return [
    {
      Put: {
        TableName: deps.tableName,
        Item: { ...keys.processedEvent(REDEEM_MARK, orderId), entityType: 'ProcessedEvent', schemaVersion: 1, shopperId, points, at },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    balanceUpdate(deps, shopperId, { points: -points, earned: false, at, condition: { expression: 'balance >= :needed', values: { ':needed': points } } }),
    ledgerEntryPut(deps, shopperId, { kind: 'redeem', points: -points, orderId, at }),
  ];
}

/**
 * The transaction items that give back what `redeemItems` spent on one order: they require the
 * order's redemption of exactly `points` by this shopper and put a reversal mark, so running the
 * compensation twice is cancelled rather than paid twice.
 */
export function reverseRedeemItems(
  shopperId: string,
  points: number,
  orderId: string,
  deps: Pick<LoyaltyDeps, 'tableName' | 'now' | 'newId'> = loyaltyDeps(),
): TransactItem[] {
  const at = deps.now().toISOString();
  return [
    {
      ConditionCheck: {
        TableName: deps.tableName,
        Key: keys.processedEvent(REDEEM_MARK, orderId),
        ConditionExpression: 'shopperId = :shopperId AND points = :points',
        ExpressionAttributeValues: { ':shopperId': shopperId, ':points': points },
      },
    },
    {
      Put: {
        TableName: deps.tableName,
        Item: { ...keys.processedEvent(REVERSE_MARK, orderId), entityType: 'ProcessedEvent', schemaVersion: 1, shopperId, points, at },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    balanceUpdate(deps, shopperId, { points, earned: false, at }),
    ledgerEntryPut(deps, shopperId, { kind: 'reverse', points, orderId, at }),
  ];
}

/**
 * What a cancelled transaction means for the `redeemItems` it holds from index `offset`: the order already
 * redeemed (409), short points (422), or `undefined` when none of those items failed.
 */
export function redeemFailure(cancelled: TransactionCancelled, points: number, offset = 0): AppError | undefined {
  const failed = cancelled.failedConditions().map((index) => index - offset);
  if (failed.includes(0)) return new ConflictError('points-already-redeemed', 'This order has already redeemed loyalty points.');
  if (failed.includes(BALANCE_ITEM)) return new InsufficientPointsError(points);
  return undefined;
}
