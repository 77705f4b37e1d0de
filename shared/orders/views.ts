import { z } from 'zod';
import type { OrderAccess } from './access.js';
import { HandoverCode } from './handover-codes.js';
import { Order, OrderPayment } from './model.js';
import { Collection, Shipment } from './shipments.js';
import { Tracking, trackingOf } from './tracking.js';

/** The actor a shopper sees for anything done to their order by someone else: the business, never a person. */
export const BUSINESS_ACTOR = 'smartshelf';

/**
 * An order as the API answers with it. It never carries the checkout key's hash or the saga's bookkeeping; the
 * payment's `clientSecret` (what a client needs to finish 3-D Secure) reaches the order's shopper only.
 */
export const OrderView = Order.omit({ checkoutKey: true, redemptionsTaken: true }).extend({
  payment: OrderPayment.extend({
    action: z
      .strictObject({
        type: z.string().min(1),
        clientSecret: z.string().min(1).optional().describe('For the order’s shopper only: what their client needs to finish authentication.'),
        redirectUrl: z.string().optional(),
        intentId: z.string().optional().describe('The payment to authenticate when it is not the order’s first: the re-authorization of a pick heavier than the hold (`type` `confirm_payment`).'),
      })
      .optional(),
  }),
  /** Without the dispatch request's hash; the stock moves for staff only. */
  shipments: z.array(Shipment.omit({ requestKey: true, stockMoves: true }).extend({ stockMoves: Shipment.shape.stockMoves.optional() })).optional(),
  /** Without the code's salt; the code itself for the order's shopper only. */
  collection: Collection.omit({ codeSalt: true })
    .extend({ handoverCode: HandoverCode.optional().describe('For the order’s shopper only, while the order waits at the desk: the code to show at handover.') })
    .optional(),
  /** Where the order is: its fulfilment status, an ETA inside its slot, and every step with its time. */
  tracking: Tracking.optional(),
});
export type OrderView = z.infer<typeof OrderView>;

/** What a reader's view adds that the order does not hold: the handover code, derived for the order's shopper. */
export interface ViewExtras {
  handoverCode?: string;
}

/** The order's fulfilment with what no reader sees taken out: the dispatch requests' hashes and the code's salt. */
function fulfilmentView(order: Order, reader: OrderAccess, extras: ViewExtras): Pick<OrderView, 'shipments' | 'collection' | 'tracking'> {
  const shopper = reader.kind === 'shopper';
  const shipments = order.shipments?.map(({ requestKey: _key, stockMoves, ...shipment }) => (shopper ? shipment : { ...shipment, stockMoves }));
  const collection = order.collection && (({ codeSalt: _salt, ...rest }) => rest)(order.collection);
  const code = shopper && order.collection?.status === 'ready' && extras.handoverCode !== undefined ? { handoverCode: extras.handoverCode } : {};
  return {
    ...(shipments ? { shipments } : {}),
    ...(collection ? { collection: { ...collection, ...code } } : {}),
    tracking: trackingOf(order),
  };
}

/** Staff subjects in the order's fulfilment replaced by the business, for its shopper. */
function anonymousFulfilment(view: OrderView, shopperId: string): Partial<OrderView> {
  const who = (actor: string) => (actor === shopperId ? actor : BUSINESS_ACTOR);
  return {
    ...(view.packing ? { packing: { ...view.packing, packedBy: who(view.packing.packedBy) } } : {}),
    ...(view.fulfillmentHistory ? { fulfillmentHistory: view.fulfillmentHistory.map((change) => ({ ...change, actor: who(change.actor) })) } : {}),
    ...(view.shipments
      ? {
          shipments: view.shipments.map(({ idCheck, ...shipment }) => ({
            ...shipment,
            ...(idCheck ? { idCheck: { ...idCheck, checkedBy: who(idCheck.checkedBy) } } : {}),
            timeline: shipment.timeline.map((change) => ({ ...change, actor: who(change.actor) })),
          })),
        }
      : {}),
    ...(view.collection
      ? {
          collection: {
            ...view.collection,
            readyBy: who(view.collection.readyBy),
            ...(view.collection.collectedBy ? { collectedBy: who(view.collection.collectedBy) } : {}),
            ...(view.collection.idCheck ? { idCheck: { ...view.collection.idCheck, checkedBy: who(view.collection.idCheck.checkedBy) } } : {}),
          },
        }
      : {}),
  };
}

/**
 * The order shaped for who reads it. Its shopper sees no staff subject (whoever else acted is `smartshelf`) and no
 * till's notes about the store; staff see who did what but never the client secret of the shopper's payment. Everyone
 * sees where the order is (`tracking`); only its shopper sees the handover code (`extras.handoverCode`), and nobody the
 * code's salt or a dispatch request's hash.
 */
export function orderView(order: Order, reader: OrderAccess, extras: ViewExtras = {}): OrderView {
  const { checkoutKey: _key, redemptionsTaken: _taken, ...stored } = order;
  const rest: OrderView = { ...stored, ...fulfilmentView(order, reader, extras) };
  if (reader.kind === 'staff') {
    const action = order.payment.action;
    if (!action) return rest;
    const { clientSecret: _secret, ...staffAction } = action;
    return { ...rest, payment: { ...order.payment, action: staffAction } };
  }
  const { storeMetadata: _metadata, ...shopperView } = rest;
  return {
    ...shopperView,
    ...anonymousFulfilment(rest, order.shopperId),
    statusHistory: order.statusHistory.map((change) => (change.actor === order.shopperId ? change : { ...change, actor: BUSINESS_ACTOR })),
  };
}
