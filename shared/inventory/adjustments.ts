import { stockAdjustedV1 } from '../../events/inventory/stock-adjusted.v1.js';
import { attributedTo, auditItem } from '../audit/audit-entry.js';
import { requireActsAtStore } from '../auth/principal.js';
import type { Actor } from '../catalog/deps.js';
import { backoff, TransactionCancelled, transactWrite, type TransactItem } from '../db/transact.js';
import { ValidationError } from '../errors.js';
import { outboxEvent } from '../events/outbox.js';
import { fieldErrors } from '../http/validate.js';
import { getStore } from '../stores/repository.js';
import { lookUpSkus } from './catalog-skus.js';
import { inventoryDeps, type InventoryDeps } from './deps.js';
import { NegativeStockError, StockBusyError } from './errors.js';
import { MAX_QUANTITY, type StockItem } from './model.js';
import { AdjustStockRequest, type AdjustmentView, type AdjustStockInput, type StockCounts } from './requests.js';
import { DEFAULT_LEAD_TIME_DAYS, levelOf, readStockAt, stockItem } from './stock-repository.js';

/** Attempts at an adjustment while reservations keep moving the same stock item's version. */
const MAX_ATTEMPTS = 5;

const counts = (stock: StockItem): StockCounts => ({
  available: stock.available,
  reserved: stock.reserved,
  committed: stock.committed,
  leadTimeDays: stock.leadTimeDays,
  version: stock.version,
});

/**
 * A staff adjustment of one SKU's stock at one store: a delivery, a stock take, damage. The stock item (created
 * by its first adjustment), an audit entry with the counts before and after, and the `inventory.adjusted` event
 * are one transaction. The item is read and written back under its version, so the audit's "before" is exactly
 * what was changed; a reservation landing in between makes it read and try again.
 * @param who who adjusts, and the stores they act at: staff adjust only their own stores' stock
 * @throws ValidationError (400) for a malformed request, a SKU no product has, a bundle, or a store that does not exist
 * @throws AppError `store-forbidden` (403) for a store the caller does not work at
 * @throws NegativeStockError (409) when the result would be below zero; StockBusyError (409) when retries ran out
 */
export async function adjustStock(input: AdjustStockInput, who: Actor & { stores: readonly string[] }, deps: InventoryDeps = inventoryDeps()): Promise<AdjustmentView> {
  const parsed = AdjustStockRequest.safeParse(input);
  if (!parsed.success) throw new ValidationError(fieldErrors('body', parsed.error));
  const request = parsed.data;

  const [catalog, store] = await Promise.all([lookUpSkus([request.sku], deps), getStore(request.storeId, deps)]);
  const entry = catalog.get(request.sku);
  const errors = [
    ...(!entry ? [{ field: 'body.sku', message: `no product has the SKU ${request.sku}` }] : []),
    ...(entry?.components
      ? [{ field: 'body.sku', message: `${request.sku} is a bundle, stocked as its components (${entry.components.map((c) => c.sku).join(', ')}): adjust those` }]
      : []),
    ...(!store ? [{ field: 'body.storeId', message: `no store has the id ${request.storeId}` }] : []),
  ];
  if (errors.length > 0) throw new ValidationError(errors);
  // Stores are public, so a bad id is a 400 for everyone; a real store that is not the caller's is theirs to be told.
  requireActsAtStore(who, request.storeId);

  const adjustmentId = deps.newId();
  for (let attempt = 1; ; attempt += 1) {
    const before = (await readStockAt(request.storeId, [request.sku], deps)).get(request.sku);
    const available = before?.available ?? 0;
    const result = request.setTo ?? available + (request.delta ?? 0);
    if (result < 0) throw new NegativeStockError(request.sku, request.storeId, available, result);
    if (result > MAX_QUANTITY) throw new ValidationError([{ field: 'body', message: `would leave ${result} available, more than ${MAX_QUANTITY}` }]);
    const at = deps.now().toISOString();
    const after: StockItem = {
      sku: request.sku,
      storeId: request.storeId,
      available: result,
      reserved: before?.reserved ?? 0,
      committed: before?.committed ?? 0,
      leadTimeDays: request.leadTimeDays ?? before?.leadTimeDays ?? DEFAULT_LEAD_TIME_DAYS,
      version: (before?.version ?? 0) + 1,
      updatedAt: at,
    };
    const view: AdjustmentView = {
      id: adjustmentId,
      sku: request.sku,
      storeId: request.storeId,
      delta: result - available,
      reason: request.reason,
      ...(request.note ? { note: request.note } : {}),
      actor: who.actor,
      at,
      before: before ? counts(before) : null,
      after: counts(after),
    };
    try {
      await transactWrite(deps, [
        stockPut(deps, after, before),
        {
          Put: {
            TableName: deps.tableName,
            Item: auditItem({
              ...attributedTo(who),
              id: adjustmentId,
              entity: 'stock',
              entityId: `${request.storeId}/${request.sku}`,
              action: 'adjust',
              at,
              before: before ? counts(before) : {},
              after: { ...counts(after), delta: view.delta, reason: request.reason, ...(request.note ? { note: request.note } : {}) },
            }),
          },
        },
        outboxEvent(
          deps.tableName,
          stockAdjustedV1,
          { adjustmentId, sku: request.sku, storeId: request.storeId, delta: view.delta, reason: request.reason, actor: who.actor, level: levelOf(after) },
          { id: `adjusted-${adjustmentId}`, now: new Date(at), ...(who.correlationId ? { correlationId: who.correlationId } : {}) },
        ).item,
      ]);
      return view;
    } catch (error) {
      if (!(error instanceof TransactionCancelled) || !error.failedConditions().includes(0)) throw error;
      if (attempt >= MAX_ATTEMPTS) throw new StockBusyError(`${request.sku} at ${request.storeId}`);
      await backoff(attempt);
    }
  }
}

/** Writes the whole stock item back, on condition that nobody changed it since it was read (or created it meanwhile). */
function stockPut(deps: InventoryDeps, after: StockItem, before: StockItem | undefined): TransactItem {
  return {
    Put: {
      TableName: deps.tableName,
      Item: stockItem(after),
      ...(before
        ? { ConditionExpression: 'version = :expected', ExpressionAttributeValues: { ':expected': before.version } }
        : { ConditionExpression: 'attribute_not_exists(pk)' }),
    },
  };
}

