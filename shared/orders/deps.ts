import { config } from '../config/config.js';
import { tableDeps, type TableDeps } from '../db/deps.js';
import type { PaymentGateway } from '../payments/gateway.js';
import { paymentGateway } from '../payments/gateway-config.js';

/**
 * What the order's own actions need. Orders sits below checkout and billing: it never imports them. Where an action must
 * reach the checkout saga (resume it after a pick, fail its wait on a cancel), it does so through {@link SagaWaits}, a
 * port orders defines and checkout implements, handed in by whoever calls the action.
 */

/** What the order actions need: the table, the payment gateway (a refund moves money) and how orders run. */
export interface OrderDeps extends TableDeps {
  gateway: () => Promise<PaymentGateway>;
  /** How long a shopper has to answer a proposed substitute (`config.orders`), unless the dispatch cut-off comes first. */
  substitutionResponseSeconds: number;
}

/** The production dependencies, with any of them replaced (tests pass their own table, clock or gateway). */
export function orderDeps(overrides: Partial<OrderDeps> = {}): OrderDeps {
  return {
    ...tableDeps(overrides),
    gateway: overrides.gateway ?? paymentGateway,
    substitutionResponseSeconds: overrides.substitutionResponseSeconds ?? config.orders.substitutionResponseSeconds,
  };
}

/** Whether a task token was delivered, or had already been settled or timed out (then nothing waits on it any more). */
export type TokenDelivery = 'sent' | 'stale';

/**
 * The port to the process that waits on an order: the checkout saga's `.waitForTaskToken` states, which wait for the
 * order to be picked or for its payment's 3-D Secure, each holding a task token (kept in `waits.ts`). Settle a wait with
 * `succeed` (the saga goes on with `output`) or `fail` (the saga's `Catch` matches `error`, its compensations run).
 * Checkout implements it on Step Functions: its `Workflow` is one, and `checkoutDeps()` wires it in production.
 */
export interface SagaWaits {
  succeed(token: string, output: unknown): Promise<TokenDelivery>;
  fail(token: string, error: string, cause: string): Promise<TokenDelivery>;
}

/** The error a wait is failed with when its order is cancelled: the saga's FailOrder then marks the order `cancelled`. */
export const ORDER_CANCELLED = 'OrderCancelled';

/**
 * What the actions that settle a saga's wait (a pick, a cancel) need besides: the port. Orders has no production
 * default for it; checkout's deps satisfy this, so the handlers pass `checkoutDeps()`.
 */
export interface SagaWaitDeps extends OrderDeps {
  workflow: SagaWaits;
}
