import { invoiceCreatedV1 } from '../billing/invoice-created.v1.js';
import { billingPaymentFailedV1 } from '../billing/payment-failed.v1.js';
import { cartAddV2 } from '../carts/cart-add.v2.js';
import { cartUpdateV2 } from '../carts/cart-update.v2.js';
import { categoryCreatedV1 } from '../catalog/category-created.v1.js';
import { productCreatedV1 } from '../catalog/product-created.v1.js';
import { productPriceChangedV1 } from '../catalog/product-price-changed.v1.js';
import { productUpdatedV1 } from '../catalog/product-updated.v1.js';
import { checkoutCompleteV1 } from '../checkout/checkout-complete.v1.js';
import { checkoutStartV1 } from '../checkout/checkout-start.v1.js';
import type { EventContract } from '../contract.js';
import { stockAdjustedV1 } from '../inventory/stock-adjusted.v1.js';
import { fulfillmentUpdatedV1 } from '../orders/fulfillment-updated.v1.js';
import { orderCompletedV1 } from '../orders/order-completed.v1.js';
import { orderRefundedV1 } from '../orders/order-refunded.v1.js';
import { orderStatusChangedV1 } from '../orders/order-status-changed.v1.js';
import { substitutionDecidedV1 } from '../orders/substitution-decided.v1.js';
import { substitutionProposedV1 } from '../orders/substitution-proposed.v1.js';
import { paymentCreatedV1 } from '../payments/payment-created.v1.js';
import { paymentSucceededV1 } from '../payments/payment-succeeded.v1.js';
import { customerErasedV1 } from '../personal-data/customer-erased.v1.js';
import { webhookEndpointDisabledV1 } from './endpoint-disabled.v1.js';

/**
 * The events webhook endpoints may subscribe to, by contract: what a warehouse, an ERP or a marketing tool acts on
 * (catalog and stock changes, the seven documented shopper events, orders and their fulfilment, payments, invoices,
 * `customer.erased`), and `webhook-endpoint.disabled`, the operational event that tells an integrator one of its
 * endpoints was disabled. Left out are the platform's own work items: image thumbnails, stock holds
 * (`inventory.reserved`/`released`, which follow every cart), personal-data requests and the reconciliation's
 * discrepancies, which are for operators.
 *
 * Here, in `events/`, because both the wiring (its `events-to-webhooks` rule routes exactly these to the fan-out) and
 * `shared/webhooks` (which refuses any other type at `POST /webhook-endpoints`) read it, and the wiring sits below
 * `shared/`. `test/unit/webhooks/subscribable-events.test.ts` checks that the two agree.
 */
export const SUBSCRIBABLE_EVENTS: readonly EventContract[] = [
  productCreatedV1,
  productUpdatedV1,
  productPriceChangedV1,
  categoryCreatedV1,
  stockAdjustedV1,
  cartAddV2,
  cartUpdateV2,
  checkoutStartV1,
  checkoutCompleteV1,
  paymentCreatedV1,
  paymentSucceededV1,
  orderStatusChangedV1,
  orderCompletedV1,
  orderRefundedV1,
  substitutionProposedV1,
  substitutionDecidedV1,
  fulfillmentUpdatedV1,
  invoiceCreatedV1,
  billingPaymentFailedV1,
  customerErasedV1,
  webhookEndpointDisabledV1,
];
