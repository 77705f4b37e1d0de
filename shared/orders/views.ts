import { z } from 'zod';
import type { OrderAccess } from './access.js';
import { Order, OrderPayment } from './model.js';

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
      })
      .optional(),
  }),
});
export type OrderView = z.infer<typeof OrderView>;

/**
 * The order shaped for who reads it. Its shopper sees no staff subject (whoever else acted is `smartshelf`) and no
 * till's notes about the store; staff see who did what but never the client secret of the shopper's payment.
 */
export function orderView(order: Order, reader: OrderAccess): OrderView {
  const { checkoutKey: _key, redemptionsTaken: _taken, ...rest } = order;
  if (reader.kind === 'staff') {
    const action = order.payment.action;
    if (!action) return rest;
    const { clientSecret: _secret, ...staffAction } = action;
    return { ...rest, payment: { ...order.payment, action: staffAction } };
  }
  const { storeMetadata: _metadata, ...shopperView } = rest;
  return {
    ...shopperView,
    statusHistory: order.statusHistory.map((change) => (change.actor === order.shopperId ? change : { ...change, actor: BUSINESS_ACTOR })),
  };
}
