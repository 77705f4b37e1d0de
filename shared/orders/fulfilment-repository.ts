import { fulfillmentUpdatedV1 } from '../../events/orders/fulfillment-updated.v1.js';
import type { TableDeps } from '../db/deps.js';
import { type TransactItem, TransactionCancelled, transactWrite } from '../db/transact.js';
import { outboxEvent } from '../events/outbox.js';
import { fulfil, type FulfilmentEvent } from './fulfilment.js';
import type { Order } from './model.js';
import { OrderChangedError, orderItem, type OrderActor } from './repository.js';
import type { Shipment } from './shipments.js';

/**
 * Writes one fulfilment change: the order replaced whole under `version = :read AND status = :status` (as every status
 * change is), its fulfilment history entry inside it, `fulfillment.updated` to the outbox, and the caller's items (stock
 * leaving the store, a shipment's lookup item, audit entries) in the same transaction.
 */

/** The `fulfillment.updated` outbox item of a change, one per order version. */
function updatedEvent(deps: TableDeps, next: Order, shipment: Shipment | undefined, who: OrderActor): TransactItem {
  const change = next.fulfillmentHistory!.at(-1)!;
  const mode = next.fulfillment.mode === 'delivery' ? 'delivery' : 'pickup';
  return outboxEvent(
    deps.tableName,
    fulfillmentUpdatedV1,
    {
      orderId: next.id,
      shopperId: next.shopperId,
      storeId: next.storeId,
      mode,
      event: change.event,
      from: change.from,
      status: change.to,
      ...(shipment === undefined
        ? {}
        : {
            shipment: {
              id: shipment.id,
              status: shipment.status,
              carrier: shipment.carrier,
              ...(shipment.trackingNumber === undefined ? {} : { trackingNumber: shipment.trackingNumber }),
              ...(shipment.trackingUrl === undefined ? {} : { trackingUrl: shipment.trackingUrl }),
              attempt: shipment.attempt,
            },
          }),
      version: next.version,
      actor: change.actor,
      ...(change.reason === undefined ? {} : { reason: change.reason }),
      at: change.at,
    },
    { id: `fulfillment-${next.id}-v${next.version}`, now: deps.now(), correlationId: who.correlationId },
  ).item;
}

/** A wrong handover code and a new code change no status: they are kept in the history, and announce nothing. */
const SILENT: readonly FulfilmentEvent['type'][] = ['refuse-handover', 'reissue-code'];

/** The result of a fulfilment change: the order as written, the shipment it concerned, and whether anything was written. */
export interface FulfilmentChangeResult {
  order: Order;
  shipment?: Shipment;
  /** False for a stale courier report: the order was left as it was. */
  written: boolean;
}

/**
 * Applies one fulfilment event to the order as it was read and writes the result in one transaction: the order under
 * its version and status, its `fulfillment.updated` event (unless the event is silent), and `extraItems`, given as a
 * function of the changed order and shipment when they depend on them. A stale courier report writes nothing.
 * @throws what `fulfil` throws (409 invalid-fulfillment-transition, 400, 404, 422), before anything is written
 * @throws OrderChangedError (409) when the order is no longer at the version and status it was read at
 * @throws TransactionCancelled when one of `extraItems` failed its condition (the caller knows which and why)
 */
export async function updateOrderFulfilment(
  deps: TableDeps,
  read: Order,
  event: FulfilmentEvent,
  who: OrderActor,
  extraItems: readonly TransactItem[] | ((next: Order, shipment: Shipment | undefined) => readonly TransactItem[]) = [],
): Promise<FulfilmentChangeResult> {
  const { order: next, shipment } = fulfil(read, event, deps.now(), who.actor);
  if (next === read) return { order: read, ...(shipment === undefined ? {} : { shipment }), written: false };
  const put: TransactItem = {
    Put: {
      TableName: deps.tableName,
      Item: orderItem(next),
      ConditionExpression: '#version = :version AND #status = :status',
      ExpressionAttributeNames: { '#version': 'version', '#status': 'status' },
      ExpressionAttributeValues: { ':version': read.version, ':status': read.status },
    },
  };
  const events = SILENT.includes(event.type) ? [] : [updatedEvent(deps, next, shipment, who)];
  try {
    await transactWrite(deps, [put, ...events, ...(typeof extraItems === 'function' ? extraItems(next, shipment) : extraItems)]);
  } catch (error) {
    if (error instanceof TransactionCancelled && error.failedConditions().includes(0)) throw new OrderChangedError(read.id, read.version, read.status);
    throw error;
  }
  return { order: next, ...(shipment === undefined ? {} : { shipment }), written: true };
}
