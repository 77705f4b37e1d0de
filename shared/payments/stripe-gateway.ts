import Stripe from 'stripe';
import {
  CaptureExceedsAuthorizationError,
  IdempotencyMismatchError,
  PermanentPaymentError,
  TransientPaymentError,
  type Authorization,
  type CaptureRequest,
  type ConfirmOptions,
  type CustomerRequest,
  type GatewayTransaction,
  type IntentRequest,
  type IntentStatus,
  type PaymentError,
  type PaymentGateway,
  type PaymentState,
  type Refund,
  type RefundRequest,
  type SavedPaymentMethod,
  type SetupIntent,
} from './gateway.js';
import type { Money } from '../pricing/money.js';

/**
 * How to reach Stripe. Against the real API only `secretKey` is needed; locally `host`, `port`
 * and `protocol` point the same client at the payments sandbox.
 */
export interface StripeGatewayOptions {
  secretKey: string;
  host?: string;
  port?: number;
  protocol?: 'http' | 'https';
  /** stripe-node's own retries of connection errors, 409s and 5xx, each with the same idempotency key. */
  maxNetworkRetries?: number;
  timeoutMs?: number;
}

/** A Stripe client pinned to the API version this library release was built for. */
export function stripeClient(options: StripeGatewayOptions): Stripe {
  return new Stripe(options.secretKey, {
    apiVersion: Stripe.API_VERSION,
    maxNetworkRetries: options.maxNetworkRetries ?? 2,
    timeout: options.timeoutMs ?? 10_000,
    ...(options.host === undefined ? {} : { host: options.host }),
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.protocol === undefined ? {} : { protocol: options.protocol }),
  });
}

/** The {@link PaymentGateway} over a Stripe client (the real API or the local sandbox). */
export function stripeGateway(options: StripeGatewayOptions): PaymentGateway {
  return new StripeGateway(stripeClient(options));
}

/**
 * Maps a Stripe error to the saga's vocabulary: unreachable, rate-limited, conflicting (a
 * concurrent request holding the same key) and 5xx answers are transient; everything else,
 * including a key reused with different parameters, is permanent. Unknown errors are bugs and
 * are returned unchanged.
 */
export function toPaymentError(error: unknown): PaymentError | unknown {
  if (!(error instanceof Stripe.errors.StripeError)) return error;
  // stripe-node gives a card error without a decline code an empty one, hence || rather than ??.
  const code = error.decline_code || error.code || error.rawType || error.type;
  if (error instanceof Stripe.errors.StripeIdempotencyError) return new IdempotencyMismatchError(error.message, { cause: error });
  if (
    error instanceof Stripe.errors.StripeConnectionError ||
    error instanceof Stripe.errors.StripeRateLimitError ||
    error.statusCode === 409 ||
    (error instanceof Stripe.errors.StripeAPIError && (error.statusCode === undefined || error.statusCode >= 500))
  ) {
    return new TransientPaymentError(code, error.message, { cause: error });
  }
  return new PermanentPaymentError(code, error.message, { cause: error });
}

async function mapped<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    throw toPaymentError(error);
  }
}

function toMoney(amount: number, currency: string): Money {
  return { amount, currency: currency.toUpperCase() };
}

const STATUSES: ReadonlySet<string> = new Set<IntentStatus>([
  'requires_payment_method',
  'requires_confirmation',
  'requires_action',
  'processing',
  'requires_capture',
  'canceled',
  'succeeded',
]);

function isIntentStatus(status: string): status is IntentStatus {
  return STATUSES.has(status);
}

function stateOf(intent: Stripe.PaymentIntent): PaymentState {
  // A status added by a newer API version is not something the saga can reason about.
  if (!isIntentStatus(intent.status)) {
    throw new PermanentPaymentError('unexpected_status', `PaymentIntent ${intent.id} has unknown status ${intent.status}.`);
  }
  return {
    intentId: intent.id,
    status: intent.status,
    amount: toMoney(intent.amount, intent.currency),
    capturable: intent.amount_capturable,
    captured: intent.amount_received,
    ...(intent.client_secret ? { clientSecret: intent.client_secret } : {}),
    ...(idOf(intent.payment_method) === undefined ? {} : { paymentMethod: idOf(intent.payment_method)! }),
    ...(idOf(intent.customer) === undefined ? {} : { customerId: idOf(intent.customer)! }),
  };
}

/**
 * The balance transaction types that are a capture or a refund of a card payment: `charge` and `refund` for charges,
 * `payment` and `payment_refund` for the same made through other payment methods. Everything else is not a sale's.
 */
const TRANSACTION_KINDS: Partial<Record<string, GatewayTransaction['kind']>> = { charge: 'capture', payment: 'capture', refund: 'refund', payment_refund: 'refund' };

/** The id of a field Stripe gives as an id or, expanded, as the object. */
function idOf(field: string | { id: string } | null | undefined): string | undefined {
  if (field === null || field === undefined) return undefined;
  return typeof field === 'string' ? field : field.id;
}

/** Only what identifies a card to its holder: brand, last four digits and expiry. */
function savedMethod(method: Stripe.PaymentMethod, defaultId: string | undefined): SavedPaymentMethod {
  const customerId = idOf(method.customer);
  return {
    paymentMethodId: method.id,
    ...(customerId === undefined ? {} : { customerId }),
    type: method.type,
    ...(method.card ? { card: { brand: method.card.brand, last4: method.card.last4, expMonth: method.card.exp_month, expYear: method.card.exp_year } } : {}),
    isDefault: defaultId !== undefined && method.id === defaultId,
  };
}

/** Stripe's adapter. A card decline on confirm is an outcome the saga branches on, not an error. */
export class StripeGateway implements PaymentGateway {
  constructor(private readonly stripe: Stripe) {}

  async createIntent(request: IntentRequest, key: string): Promise<PaymentState> {
    if (request.offSession && request.returnUrl !== undefined) {
      throw new RangeError('an off-session intent cannot take a return URL: no customer is there to come back');
    }
    const intent = await mapped(
      this.stripe.paymentIntents.create(
        {
          amount: request.amount.amount,
          currency: request.amount.currency.toLowerCase(),
          capture_method: 'manual',
          confirm: false,
          payment_method: request.paymentMethod,
          ...(request.saveForOffSession ? { setup_future_usage: 'off_session' as const } : {}),
          // Wallets arrive as card payment methods; redirect-only methods need somewhere to return to.
          automatic_payment_methods: { enabled: true, allow_redirects: request.returnUrl === undefined ? 'never' : 'always' },
          ...(request.customerId === undefined ? {} : { customer: request.customerId }),
          metadata: { orderId: request.orderId },
        },
        { idempotencyKey: key },
      ),
    );
    return stateOf(intent);
  }

  async confirm(intentId: string, key: string, options: ConfirmOptions = {}): Promise<Authorization> {
    let intent: Stripe.PaymentIntent;
    try {
      intent = await this.stripe.paymentIntents.confirm(
        intentId,
        {
          ...(options.offSession ? { off_session: true } : {}),
          ...(options.returnUrl === undefined ? {} : { return_url: options.returnUrl }),
        },
        { idempotencyKey: key },
      );
    } catch (error) {
      if (error instanceof Stripe.errors.StripeCardError) {
        return {
          status: 'declined',
          intentId: error.payment_intent?.id ?? intentId,
          declineCode: error.decline_code || error.code || 'card_declined',
          message: error.message,
        };
      }
      throw toPaymentError(error);
    }
    return this.authorization(intent);
  }

  private authorization(intent: Stripe.PaymentIntent): Authorization {
    const payment = stateOf(intent);
    if (intent.status === 'requires_capture') return { status: 'authorized', payment };
    if (intent.status === 'requires_action' && intent.client_secret) {
      const redirectUrl = intent.next_action?.redirect_to_url?.url ?? undefined;
      return {
        status: 'requires_action',
        payment,
        clientSecret: intent.client_secret,
        nextAction: intent.next_action?.type ?? 'use_stripe_sdk',
        ...(redirectUrl === undefined ? {} : { redirectUrl }),
      };
    }
    if (intent.status === 'requires_payment_method' && intent.last_payment_error) {
      const failure = intent.last_payment_error;
      return {
        status: 'declined',
        intentId: intent.id,
        declineCode: failure.decline_code ?? failure.code ?? 'card_declined',
        message: failure.message ?? 'The payment was declined.',
      };
    }
    throw new PermanentPaymentError('unexpected_status', `PaymentIntent ${intent.id} is ${intent.status} after confirmation.`);
  }

  async capture(request: CaptureRequest, key: string): Promise<PaymentState> {
    if (request.amount.currency !== request.authorized.currency || request.amount.amount > request.authorized.amount) {
      throw new CaptureExceedsAuthorizationError(request.amount, request.authorized);
    }
    try {
      return stateOf(
        await this.stripe.paymentIntents.capture(request.intentId, { amount_to_capture: request.amount.amount }, { idempotencyKey: key }),
      );
    } catch (error) {
      // The same key replays Stripe's answer; another key (a step rerun after Stripe forgot the key) meets a captured intent.
      const current = await this.afterUnexpectedState(error, request.intentId);
      if (current?.status === 'succeeded' && current.captured === request.amount.amount && current.amount.currency === request.amount.currency) {
        return current;
      }
      throw toPaymentError(error);
    }
  }

  async cancel(intentId: string, key: string): Promise<PaymentState> {
    try {
      return stateOf(await this.stripe.paymentIntents.cancel(intentId, {}, { idempotencyKey: key }));
    } catch (error) {
      const current = await this.afterUnexpectedState(error, intentId);
      if (current?.status === 'canceled') return current;
      throw toPaymentError(error);
    }
  }

  /**
   * The intent as it is now when Stripe refused a call because of the intent's status, so capture
   * and cancel can tell "already done" from "cannot be done"; undefined for any other error.
   */
  private async afterUnexpectedState(error: unknown, intentId: string): Promise<PaymentState | undefined> {
    if (!(error instanceof Stripe.errors.StripeInvalidRequestError) || error.code !== 'payment_intent_unexpected_state') return undefined;
    // The error's own copy of the intent may be a replay of an older answer; ask for the current one.
    return this.retrieve(intentId);
  }

  async refund(request: RefundRequest, key: string): Promise<Refund> {
    const refund = await mapped(
      this.stripe.refunds.create(
        { payment_intent: request.intentId, ...(request.amount === undefined ? {} : { amount: request.amount.amount }) },
        { idempotencyKey: key },
      ),
    );
    return {
      refundId: refund.id,
      intentId: request.intentId,
      amount: toMoney(refund.amount, refund.currency),
      status: (refund.status ?? 'pending') as Refund['status'],
    };
  }

  async retrieve(intentId: string): Promise<PaymentState> {
    return stateOf(await mapped(this.stripe.paymentIntents.retrieve(intentId)));
  }

  async createCustomer(request: CustomerRequest, key: string): Promise<{ customerId: string }> {
    const customer = await mapped(
      this.stripe.customers.create(
        { metadata: { shopperId: request.shopperId }, ...(request.email === undefined ? {} : { email: request.email }) },
        { idempotencyKey: key },
      ),
    );
    return { customerId: customer.id };
  }

  async createSetupIntent(customerId: string, key: string): Promise<SetupIntent> {
    const intent = await mapped(
      this.stripe.setupIntents.create(
        { customer: customerId, usage: 'off_session', automatic_payment_methods: { enabled: true } },
        { idempotencyKey: key },
      ),
    );
    if (!intent.client_secret) throw new PermanentPaymentError('missing_client_secret', `SetupIntent ${intent.id} came back without a client secret.`);
    return { setupIntentId: intent.id, clientSecret: intent.client_secret, status: intent.status };
  }

  async retrievePaymentMethod(paymentMethodId: string): Promise<SavedPaymentMethod> {
    const method = await mapped(this.stripe.paymentMethods.retrieve(paymentMethodId));
    const customerId = idOf(method.customer);
    return savedMethod(method, customerId === undefined ? undefined : await this.defaultMethodOf(customerId));
  }

  async listPaymentMethods(customerId: string): Promise<SavedPaymentMethod[]> {
    const [list, defaultId] = await Promise.all([
      mapped(this.stripe.customers.listPaymentMethods(customerId, { limit: 100 })),
      this.defaultMethodOf(customerId),
    ]);
    return list.data.map((method) => savedMethod(method, defaultId));
  }

  async detachPaymentMethod(paymentMethodId: string, key: string): Promise<SavedPaymentMethod> {
    return savedMethod(await mapped(this.stripe.paymentMethods.detach(paymentMethodId, {}, { idempotencyKey: key })), undefined);
  }

  async deleteCustomer(customerId: string, key?: string): Promise<void> {
    try {
      await this.stripe.customers.del(customerId, {}, key === undefined ? {} : { idempotencyKey: key });
    } catch (error) {
      // Stripe answers a second delete (a rerun, or stripe-node's own retry after a lost answer) with `resource_missing`.
      if (error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'resource_missing') return;
      throw toPaymentError(error);
    }
  }

  async listBalanceTransactions(from: Date, to: Date): Promise<GatewayTransaction[]> {
    const seconds = (at: Date) => Math.floor(at.getTime() / 1000);
    const found: GatewayTransaction[] = [];
    // The sources expanded, so a capture's order comes with its charge; a refund names only its charge, read below.
    const list = this.stripe.balanceTransactions.list({ created: { gte: seconds(from), lt: seconds(to) }, limit: 100, expand: ['data.source'] });
    const refundsOf = new Map<string, Stripe.BalanceTransaction[]>();
    const charges = new Map<string, Stripe.Charge>();
    try {
      // stripe-node's auto-paging follows `has_more` with `starting_after` the last id of each page.
      for await (const transaction of list) {
        const kind = TRANSACTION_KINDS[transaction.type];
        const source = transaction.source;
        if (kind === undefined || source === null || typeof source === 'string') continue;
        if (kind === 'capture' && source.object === 'charge') {
          charges.set(source.id, source);
          found.push(this.transaction(transaction, kind, source.id, source));
        } else if (kind === 'refund' && source.object === 'refund') {
          const chargeId = idOf(source.charge);
          if (chargeId === undefined) continue;
          refundsOf.set(chargeId, [...(refundsOf.get(chargeId) ?? []), transaction]);
        }
      }
      // A refund of a charge captured on another day: its charge is read once for its order.
      for (const [chargeId, refunds] of refundsOf) {
        const charge = charges.get(chargeId) ?? (await this.stripe.charges.retrieve(chargeId));
        for (const refund of refunds) found.push(this.transaction(refund, 'refund', (refund.source as Stripe.Refund).id, charge));
      }
    } catch (error) {
      throw toPaymentError(error);
    }
    return found.sort((a, b) => (a.transactionId < b.transactionId ? -1 : a.transactionId > b.transactionId ? 1 : 0));
  }

  private transaction(transaction: Stripe.BalanceTransaction, kind: GatewayTransaction['kind'], sourceId: string, charge: Stripe.Charge): GatewayTransaction {
    const intentId = idOf(charge.payment_intent);
    const orderId = charge.metadata?.orderId;
    return {
      transactionId: transaction.id,
      kind,
      // Stripe books a refund as a negative amount on the balance.
      amount: Math.abs(transaction.amount),
      currency: transaction.currency.toUpperCase(),
      sourceId,
      chargeId: charge.id,
      ...(intentId === undefined ? {} : { intentId }),
      ...(orderId ? { orderId } : {}),
      createdAt: new Date(transaction.created * 1000).toISOString(),
    };
  }

  /** The customer's default payment method (`invoice_settings.default_payment_method`), if one is set. */
  private async defaultMethodOf(customerId: string): Promise<string | undefined> {
    const customer = await mapped(this.stripe.customers.retrieve(customerId));
    return customer.deleted ? undefined : idOf(customer.invoice_settings.default_payment_method);
  }
}
