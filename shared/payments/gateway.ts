import type { Money } from '../pricing/money.js';

/**
 * The payment port the checkout saga drives. One adapter implements it (`stripe-gateway.ts`);
 * locally it talks to the Stripe-compatible sandbox, so only configuration differs.
 *
 * Every mutating call takes an idempotency key from {@link idempotencyKey}: a retried saga step
 * then replays the provider's first answer instead of authorizing, capturing or refunding twice.
 */
export interface PaymentGateway {
  /**
   * Creates the PaymentIntent for the amount (manual capture, `metadata.orderId`) without confirming
   * it: no money is held yet. It is a step of its own so the saga records the intent id before any
   * hold exists, and a hold placed by a {@link PaymentGateway.confirm} that crashed can still be found and voided.
   *
   * @throws RangeError when `offSession` is combined with a `returnUrl`: no customer is there to come back.
   */
  createIntent(request: IntentRequest, key: string): Promise<PaymentState>;
  /**
   * Confirms an intent from {@link PaymentGateway.createIntent}: the hold is placed (`authorized`),
   * the customer must authenticate (`requires_action`), or the card is refused (`declined`). Off
   * session a card that needs authentication is declined with `authentication_required`, as on Stripe.
   */
  confirm(intentId: string, key: string, options?: ConfirmOptions): Promise<Authorization>;
  /**
   * Captures up to the authorized amount; the rest of the hold is released. An intent already
   * captured for the same amount (by an earlier call under another key) is returned as it is.
   *
   * @throws CaptureExceedsAuthorizationError before calling the provider when the amount is above the hold.
   * @throws PermanentPaymentError when the intent was captured for another amount, or cannot be captured.
   */
  capture(request: CaptureRequest, key: string): Promise<PaymentState>;
  /**
   * Voids an uncaptured hold. An intent that is already canceled is returned as it is, so a
   * compensation may run twice under different keys.
   *
   * @throws PermanentPaymentError when the intent was captured (refund it instead).
   */
  cancel(intentId: string, key: string): Promise<PaymentState>;
  /** Refunds a captured payment, in full when `amount` is left out. */
  refund(request: RefundRequest, key: string): Promise<Refund>;
  /** The intent as the provider sees it now. */
  retrieve(intentId: string): Promise<PaymentState>;
  /** A provider customer, so payment methods can be saved for later orders. */
  createCustomer(request: CustomerRequest, key: string): Promise<{ customerId: string }>;
  /** A SetupIntent that saves a payment method on the customer for off-session use. */
  createSetupIntent(customerId: string, key: string): Promise<SetupIntent>;
  /**
   * One payment method as the provider holds it, with the customer it is saved on (none for a method made by
   * Stripe.js that nobody saved).
   * @throws PermanentPaymentError with code `resource_missing` when there is no such method
   */
  retrievePaymentMethod(paymentMethodId: string): Promise<SavedPaymentMethod>;
  /** The payment methods saved on a customer, newest first, each saying whether it is the customer's default. */
  listPaymentMethods(customerId: string): Promise<SavedPaymentMethod[]>;
  /** Removes a saved method from its customer, for good: it can never be charged or saved again. */
  detachPaymentMethod(paymentMethodId: string, key: string): Promise<SavedPaymentMethod>;
  /**
   * Deletes a customer for good (its shopper was erased): the provider keeps only a stub (`deleted: true`) and refuses
   * any further use of it. A customer already deleted, or never there, counts as deleted, so a rerun changes nothing.
   * @param key sent when given; Stripe needs none for a DELETE, which is idempotent by definition
   */
  deleteCustomer(customerId: string, key?: string): Promise<void>;
  /**
   * The captures and refunds that moved money on the account from `from` (inclusive) to `to` (exclusive), as the
   * provider's balance transactions, every page read. Other movements (payouts, fees, disputes) are left out: the
   * nightly reconciliation compares sales and refunds only.
   */
  listBalanceTransactions(from: Date, to: Date): Promise<GatewayTransaction[]>;
}

/** One capture or refund as the provider booked it on the account's balance. */
export interface GatewayTransaction {
  /** The balance transaction's id (`txn_...`). */
  transactionId: string;
  kind: 'capture' | 'refund';
  /** Minor units, positive for both kinds: what was taken, or what was given back. */
  amount: number;
  currency: string;
  /** The charge (`ch_...`) of a capture, the refund (`re_...`) of a refund. */
  sourceId: string;
  /** The charge captured or refunded. */
  chargeId: string;
  /** The PaymentIntent behind the charge, when it was made through one. */
  intentId?: string;
  /** Our order, from the charge's `metadata.orderId` (copied from the PaymentIntent's when it was confirmed). */
  orderId?: string;
  /** When it was booked, ISO 8601. */
  createdAt: string;
}

/** A payment method as the provider reports it: only what a shopper needs to recognise a card, never its number. */
export interface SavedPaymentMethod {
  paymentMethodId: string;
  /** The customer it is saved on; absent when it is saved on none. */
  customerId?: string;
  /** `card` for cards and the wallets Stripe.js turns into cards. */
  type: string;
  card?: { brand: string; last4: string; expMonth: number; expYear: number };
  isDefault: boolean;
}

export interface AuthorizeRequest {
  orderId: string;
  amount: Money;
  /**
   * A saved or client-created payment method (`pm_...`): a card, or a wallet (Apple Pay, Google
   * Pay) that Stripe.js turned into one. Raw card numbers never reach the server.
   */
  paymentMethod: string;
  customerId?: string;
  /**
   * Allows redirect-based authentication (3DS) for the intent; the same URL goes to
   * {@link PaymentGateway.confirm}, since Stripe only takes it when confirming.
   */
  returnUrl?: string;
}

/** What {@link PaymentGateway.createIntent} needs. */
export interface IntentRequest extends AuthorizeRequest {
  /** A re-authorization with no customer present (after picking): redirects are never allowed. */
  offSession?: boolean;
  /**
   * Saves the method on `customerId` for off-session use once the payment is authorized (Stripe's
   * `setup_future_usage=off_session`), so a later re-authorization with nobody there can charge it again: a method
   * used without a customer is single-use on Stripe.
   */
  saveForOffSession?: boolean;
}

export interface ConfirmOptions {
  /** No customer is present, so a card that needs authentication is declined instead of asking. */
  offSession?: boolean;
  /** Where the customer comes back after a redirect-based authentication (3DS). */
  returnUrl?: string;
}

export interface CaptureRequest {
  intentId: string;
  /** The final amount; must not exceed what was authorized. */
  amount: Money;
  /** The amount the hold was placed for, as the saga recorded it. */
  authorized: Money;
}

export interface RefundRequest {
  intentId: string;
  /** Left out, the whole captured amount is refunded. */
  amount?: Money;
}

export interface CustomerRequest {
  shopperId: string;
  email?: string;
}

export type IntentStatus =
  | 'requires_payment_method'
  | 'requires_confirmation'
  | 'requires_action'
  | 'processing'
  | 'requires_capture'
  | 'canceled'
  | 'succeeded';

/** What the saga needs to know about an intent, and what its compensations need to undo it. */
export interface PaymentState {
  intentId: string;
  status: IntentStatus;
  amount: Money;
  /** How much may still be captured (the hold), in minor units. */
  capturable: number;
  captured: number;
  /** What the customer's client confirms the intent with (Stripe.js), should the bank want them to authenticate. */
  clientSecret?: string;
  /** The payment method the intent charges (the provider's id, even when a test card was named). */
  paymentMethod?: string;
  customerId?: string;
}

/** The outcome of {@link PaymentGateway.confirm}: a decline is an outcome, not an exception. */
export type Authorization =
  | { status: 'authorized'; payment: PaymentState }
  | {
      status: 'requires_action';
      payment: PaymentState;
      /** Handed to the client, which completes authentication with Stripe.js. */
      clientSecret: string;
      nextAction: string;
      redirectUrl?: string;
    }
  | { status: 'declined'; intentId?: string; declineCode: string; message: string };

export interface Refund {
  refundId: string;
  intentId: string;
  amount: Money;
  status: 'pending' | 'succeeded' | 'failed' | 'canceled' | 'requires_action';
}

export interface SetupIntent {
  setupIntentId: string;
  clientSecret: string;
  status: string;
}

/**
 * The saga steps that call the gateway; each gets its own key per order. `authorize` and
 * `reauthorize` create intents, `confirm` and `reauthorize-confirm` confirm them.
 */
export type PaymentStep =
  | 'authorize'
  | 'confirm'
  | 'reauthorize'
  | 'reauthorize-confirm'
  | 'capture'
  | 'cancel'
  | 'refund'
  | 'customer'
  | 'setup'
  | 'detach';

const MAX_KEY_LENGTH = 255;
const KEY_PART = /^[A-Za-z0-9_.-]+$/;

/**
 * The idempotency key for one gateway call: the same order and step (and, for steps that may
 * happen more than once, such as partial refunds, the same discriminator) always give the same
 * key, so a saga retry, a Lambda retry or a replayed webhook cannot move money twice.
 *
 * @param discriminator tells apart repeated calls of the same step, e.g. a refund request id.
 * @throws RangeError when a part is empty, holds characters outside `[A-Za-z0-9_.-]`, or the key exceeds Stripe's 255 characters.
 */
export function idempotencyKey(orderId: string, step: PaymentStep, discriminator?: string): string {
  const parts = discriminator === undefined ? [orderId, step] : [orderId, step, discriminator];
  for (const part of parts) {
    if (!KEY_PART.test(part)) throw new RangeError(`idempotency key parts must match ${KEY_PART.source}, got "${part}"`);
  }
  const key = `order:${parts.join(':')}`;
  if (key.length > MAX_KEY_LENGTH) throw new RangeError(`idempotency key is ${key.length} characters, Stripe allows ${MAX_KEY_LENGTH}`);
  return key;
}

/**
 * Whether a saga step should retry the call (`transient`: the provider was unreachable, slow,
 * rate limited or failed internally, and the same idempotency key makes the retry safe) or
 * compensate (`permanent`: the request is wrong or was refused and will be refused again).
 */
export type PaymentErrorKind = 'transient' | 'permanent';

/** A gateway failure in the saga's vocabulary; `code` is the provider's, when it gave one. */
export class PaymentError extends Error {
  override readonly name: string = 'PaymentError';

  constructor(
    readonly kind: PaymentErrorKind,
    readonly code: string,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
  }
}

/** The provider is unreachable, rate limiting or failing; retry with the same key. */
export class TransientPaymentError extends PaymentError {
  override readonly name: string = 'TransientPaymentError';
  constructor(code: string, message: string, options: { cause?: unknown } = {}) {
    super('transient', code, message, options);
  }
}

/** The provider refused the request; retrying it unchanged cannot succeed. */
export class PermanentPaymentError extends PaymentError {
  override readonly name: string = 'PermanentPaymentError';
  constructor(code: string, message: string, options: { cause?: unknown } = {}) {
    super('permanent', code, message, options);
  }
}

/** An idempotency key was reused with different parameters: a bug in the caller, never retried. */
export class IdempotencyMismatchError extends PermanentPaymentError {
  override readonly name: string = 'IdempotencyMismatchError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('idempotency_key_in_use', message, options);
  }
}

/** Refused locally, before any call: capturing more than the hold would need a new authorization. */
export class CaptureExceedsAuthorizationError extends PermanentPaymentError {
  override readonly name: string = 'CaptureExceedsAuthorizationError';
  constructor(
    readonly requested: Money,
    readonly authorized: Money,
  ) {
    super(
      'capture_exceeds_authorization',
      `Cannot capture ${requested.amount} ${requested.currency}: only ${authorized.amount} ${authorized.currency} is authorized.`,
    );
  }
}
