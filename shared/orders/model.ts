import { z } from 'zod';
import { OrderStatus } from '../../events/orders/order-status.js';
import { Currency, Id, Sku, SoldBy } from '../catalog/model.js';
import { DeliveryRecipient, LineQuantity, Substitution } from '../carts/model.js';
import { SlotId } from '../fulfillment/slot-id.js';
import { Address, StoreId } from '../stores/model.js';
import { Collection, FulfillmentChange, FulfillmentStatus, Packing, Shipment } from './shipments.js';

/**
 * The order's shapes. An order is one document (one item in the table), replaced whole on every
 * status change under a condition on its version and status. Its lines and amounts are frozen at
 * checkout: a later price or promotion change never reaches an order that exists. Every amount is
 * integer minor units of the order's one `currency`.
 */

const Amount = z.number().int().nonnegative();

export { ORDER_STATUSES, OrderStatus } from '../../events/orders/order-status.js';

export const OrderChannel = z.enum(['online', 'pos', 'phone']);

const WALK_IN_PREFIX = 'pos:';

/** The shopper of a walk-in sale: the store itself, so its sales list together and never reach a person's history. */
export function walkInShopper(storeId: string): string {
  return `${WALK_IN_PREFIX}${storeId}`;
}

/** Whether an order's shopper is nobody in particular: a walk-in at a till, who earns and spends no points. */
export function isWalkIn(shopperId: string): boolean {
  return shopperId.startsWith(WALK_IN_PREFIX);
}
export type OrderChannel = z.infer<typeof OrderChannel>;

/** A POS system's own reference for an order; unique per store. */
export const PosReference = z.string().trim().min(1).max(64).regex(/^[A-Za-z0-9][A-Za-z0-9_./-]*$/, 'must be letters, digits, _ . / -');

/** One discount on one line, as priced at checkout. */
export const OrderLineDiscount = z.strictObject({ promotionId: z.string().min(1), name: z.string(), amount: Amount });

/** A product handed over instead of the one ordered. */
export const Substitute = z.strictObject({ sku: Sku, productId: Id, name: z.string().min(1) });
export type Substitute = z.infer<typeof Substitute>;

/** What a line costs: its total (tax included in either tax mode) and the tax in it. */
export const LinePrice = z.strictObject({ total: Amount, tax: Amount });
export type LinePrice = z.infer<typeof LinePrice>;

/** Who settled a substitution proposal: the shopper, or the cut-off by the line's preference. */
export const SubstitutionDecider = z.enum(['shopper', 'cut-off']);
export type SubstitutionDecider = z.infer<typeof SubstitutionDecider>;

/**
 * A substitute the picker proposed for a line. The shopper accepts or rejects it until `respondBy`; after that the line's
 * preference decides (`acceptedAtCutoff`). docs/fulfillment.md ("Substitutions") gives the rules.
 */
export const SubstitutionProposal = z.strictObject({
  substitute: Substitute,
  quantity: LineQuantity,
  /** The substitute's shelf price (per item or pack, kg or litre) when it was proposed, in the order's tax mode. */
  unitPrice: Amount,
  /** At its own price, the line's discounts and redemption kept: what the shopper pays when they accept. */
  price: LinePrice,
  /** What the shopper pays unless they accept: the lower of `price` and the ordered product's price at this quantity. */
  protectedPrice: LinePrice,
  /** Whether the cut-off accepts it: what the line's preference allows without asking (a best match, the chosen SKU). */
  acceptedAtCutoff: z.boolean(),
  status: z.enum(['proposed', 'accepted', 'rejected']),
  proposedAt: z.iso.datetime(),
  /** The cut-off: the shopper's answer counts until then, well before the order can be dispatched. */
  respondBy: z.iso.datetime(),
  decidedAt: z.iso.datetime().optional(),
  decidedBy: SubstitutionDecider.optional(),
});
export type SubstitutionProposal = z.infer<typeof SubstitutionProposal>;

/**
 * What a picker recorded for a line: what is handed over, and what it costs. With a substitution proposal, `quantity`,
 * `substitute`, `total` and `tax` follow its decision: the substitute at its protected price while proposed or accepted
 * at the cut-off, at its own price once the shopper accepts it, nothing once it is rejected.
 */
export const PickedLine = z.strictObject({
  /** Absent when nothing is handed over (out of stock, no substitute allowed or found, the substitute rejected). */
  quantity: LineQuantity.optional(),
  /** What is handed over instead, when the picker substituted. */
  substitute: Substitute.optional(),
  total: Amount,
  tax: Amount,
  proposal: SubstitutionProposal.optional(),
});
export type PickedLine = z.infer<typeof PickedLine>;

export const OrderLine = z.strictObject({
  lineId: Id,
  sku: Sku,
  productId: Id,
  name: z.string().min(1),
  soldBy: SoldBy,
  quantity: LineQuantity,
  /** Per item or pack, or per kg / per litre, in the price list's tax mode. */
  unitPrice: Amount,
  /** Before discounts. */
  subtotal: Amount,
  discounts: z.array(OrderLineDiscount),
  loyaltyRedemption: Amount,
  tax: z.strictObject({ rateBasisPoints: z.number().int().nonnegative(), amount: Amount }),
  /** After discounts and redemption, tax-inclusive. */
  total: Amount,
  substitution: Substitution,
  /** With `substitution: specific`: the SKU the shopper chose as the substitute. */
  substituteSku: Sku.optional(),
  /** Weighed lines: the estimate and what its authorization holds (estimate + buffer). */
  estimate: z
    .strictObject({ grams: z.number().int().positive(), bufferBasisPoints: z.number().int().nonnegative(), authorizationAmount: Amount, authorizationTotal: Amount })
    .optional(),
  picked: PickedLine.optional(),
});
export type OrderLine = z.infer<typeof OrderLine>;

export const OrderTotals = z.strictObject({
  currency: Currency,
  taxMode: z.enum(['exclusive', 'inclusive']),
  subtotal: Amount,
  /** Promotions only; the loyalty redemption is under `loyalty`. */
  discount: Amount,
  tax: Amount,
  fees: Amount,
  total: Amount,
  /** What the card is authorized for: weighed lines at their buffered estimate. */
  authorizationTotal: Amount,
});
export type OrderTotals = z.infer<typeof OrderTotals>;

export const OrderFulfillment = z.discriminatedUnion('mode', [
  /** `recipient`: the delivery snapshot of the cart's saved address, taken at checkout (absent for an inline address and on orders before it). */
  z.strictObject({ mode: z.literal('delivery'), slotId: SlotId, address: Address, recipient: DeliveryRecipient.optional() }),
  z.strictObject({ mode: z.literal('pickup'), slotId: SlotId }),
  /** A POS sale handed over at the till: no slot. */
  z.strictObject({ mode: z.literal('in-store') }),
]);
export type OrderFulfillment = z.infer<typeof OrderFulfillment>;

export const PaymentStatus = z.enum(['none', 'requires-action', 'authorized', 'captured', 'voided', 'partially-refunded', 'refunded']);
export type PaymentStatus = z.infer<typeof PaymentStatus>;

/** The money side of an order; the state machine keeps `refunded ≤ captured ≤ authorized`. */
export const OrderPayment = z.strictObject({
  /** The saved or client-created payment method (`pm_...`) the checkout was asked to charge. */
  method: z.string().min(1).optional(),
  /**
   * The shopper's Customer at the payment provider, which every intent of the order is made on (and the method saved
   * on, so an off-session re-authorization can charge it again); refunds and reconciliation find it here. Absent on
   * till orders and on orders from before saved cards.
   */
  customerId: z.string().min(1).optional(),
  intentId: z.string().min(1).optional(),
  /** What the customer must do to authenticate (3-D Secure), while the payment is `requires-action`; for the client only. */
  action: z
    .strictObject({
      type: z.string().min(1),
      clientSecret: z.string().min(1),
      redirectUrl: z.string().optional(),
      /** The intent to authenticate when it is not the order's own hold: the re-authorization of a heavier pick. */
      intentId: z.string().min(1).optional(),
    })
    .optional(),
  authorized: Amount,
  captured: Amount,
  refunded: Amount,
  /** The tax in what was refunded (absent on orders refunded before refunds carried their tax, and on those never refunded). */
  refundedTax: Amount.optional(),
  status: PaymentStatus,
});
export type OrderPayment = z.infer<typeof OrderPayment>;

export const PromotionRedemption = z.strictObject({
  promotionId: z.string().min(1),
  /** The coupon code that unlocked it, if any. */
  code: z.string().optional(),
  /** What it took off the lines; zero for a waived fee, which shows in `fees` instead. */
  discount: Amount,
});
export type PromotionRedemption = z.infer<typeof PromotionRedemption>;

export const StatusChange = z.strictObject({
  from: OrderStatus,
  to: OrderStatus,
  event: z.string().min(1),
  at: z.iso.datetime(),
  actor: z.string().min(1),
  reason: z.string().max(500).optional(),
});
export type StatusChange = z.infer<typeof StatusChange>;

/** Facts about the store where a POS or phone order was taken (till, operator), kept as given. */
export const StoreMetadata = z.record(z.string().min(1).max(40), z.union([z.string().max(200), z.number(), z.boolean()]));

export const Order = z.strictObject({
  id: Id,
  shopperId: z.string().min(1),
  storeId: StoreId,
  channel: OrderChannel,
  posReference: PosReference.optional(),
  storeMetadata: StoreMetadata.optional(),
  /** The cart the order was checked out from (online orders). */
  cartId: Id.optional(),
  lines: z.array(OrderLine).min(1),
  totals: OrderTotals,
  fulfillment: OrderFulfillment,
  payment: OrderPayment,
  reservationId: z.string().min(1).optional(),
  promotions: z.array(PromotionRedemption),
  loyalty: z.strictObject({ pointsRedeemed: z.number().int().nonnegative(), redemptionAmount: Amount, pointsEarned: z.number().int().nonnegative() }),
  status: OrderStatus,
  statusHistory: z.array(StatusChange),
  failureReason: z.string().max(500).optional(),
  /** The problem type of the failure (`insufficient-stock`, `payment-declined`, `authentication-timeout`, ...), for clients to branch on. */
  failureCode: z.string().min(1).max(80).optional(),
  /** Age-restricted goods: the courier or the pickup desk checks the shopper's ID at handover. */
  idCheckRequired: z.boolean().optional(),
  /** Where the goods are after picking, derived from `packing`, `shipments` and `collection` (`fulfilment.ts`); absent until packed. */
  fulfillmentStatus: FulfillmentStatus.optional(),
  /** Bags per temperature zone, each with its label. */
  packing: Packing.optional(),
  /** Delivery orders: what left the store, in one or more shipments. */
  shipments: z.array(Shipment).optional(),
  /** Pickup orders: ready for collection with a handover code, then collected. */
  collection: Collection.optional(),
  /** Every fulfilment change, like `statusHistory` for the order's status. */
  fulfillmentHistory: z.array(FulfillmentChange).optional(),
  /** The order took its promotions' uses and its loyalty points at checkout; a failure or a cancel gives them back. */
  redemptionsTaken: z.boolean().optional(),
  /** A hash of the shopper and the `Idempotency-Key` of the checkout that created it: a repeat finds this order. */
  checkoutKey: z.string().min(1).max(100).optional(),
  version: z.number().int().positive(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type Order = z.infer<typeof Order>;
