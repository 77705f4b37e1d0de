import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import Stripe from 'stripe';
import { cardOutcome, testCard, type TestCard } from './cards.js';
import { parseForm, type FormValue } from './form.js';
import { stripeWebhookSender, type WebhookTarget } from './webhooks.js';

/**
 * A local stand-in for the part of Stripe's REST API that shared/payments uses, so the real
 * stripe-node client runs unchanged against it (only `host`, `port` and `protocol` differ).
 * State lives in memory.
 */

/** Failures to inject into `/v1` calls; `count` limits how many calls are affected (all when absent). */
export interface SandboxFaults {
  /** Share of calls (0..1) answered with `status` before doing anything. */
  errorRate?: number;
  status?: 500 | 429;
  latencyMs?: number;
  /** The call takes effect, then the connection is destroyed before the answer. */
  dropResponse?: boolean;
  count?: number;
  /** How many times each webhook is sent in all. */
  duplicateWebhooks?: number;
  shuffleWebhooks?: boolean;
}

export interface PaymentsSandboxOptions {
  port?: number;
  webhook?: WebhookTarget;
  /**
   * The sandbox's clock, in Unix seconds: what it stamps on everything it makes (captures, refunds and their balance
   * transactions included), so a test can make a day's money movements on a day of its own. The wall clock when absent.
   */
  now?: () => number;
}

/** What `POST /_sandbox/charges` makes: a charge captured outside our checkout, refunded in part or whole when `refunded`. */
export interface SeededCharge {
  amount: number;
  /** ISO 4217, any case. */
  currency: string;
  /** Put in the charge's `metadata.orderId`, as our checkout's PaymentIntents do; absent for a charge made elsewhere. */
  orderId?: string;
  /** Unix seconds; the sandbox's clock when absent. */
  created?: number;
  /** Refunded this much, at `refundedAt`. */
  refunded?: number;
  /** Unix seconds; when the charge was made if absent. */
  refundedAt?: number;
}

export interface PaymentsSandbox {
  url: string;
  host: string;
  port: number;
  /** Settings for `stripeClient` / `stripeGateway` to reach this sandbox. */
  stripeOptions: { secretKey: string; host: string; port: number; protocol: 'http' };
  faults(faults: SandboxFaults): void;
  webhook(target: WebhookTarget | undefined): void;
  /** Every PaymentIntent created so far. */
  paymentIntents(): Stripe.PaymentIntent[];
  /** Every PaymentMethod created so far (test cards used by name mint a new one each time, as on Stripe). */
  paymentMethods(): Stripe.PaymentMethod[];
  /** Every Customer created so far; a deleted one as the stub Stripe keeps (`{ id, object, deleted: true }`). */
  customers(): Record<string, unknown>[];
  /** Seeds a charge we did not make, as `POST /_sandbox/charges` does; answers the charge. */
  seedCharge(charge: SeededCharge): Record<string, unknown>;
  /** Resolves once queued webhooks have been delivered (or given up on). */
  webhooksIdle(): Promise<void>;
  stop(): Promise<void>;
}

type Params = Record<string, FormValue>;

interface Answer {
  status: number;
  body: unknown;
}

/** An error answered the way Stripe shapes it, so stripe-node raises its own error classes. */
class StripeFailure extends Error {
  constructor(
    readonly status: number,
    readonly error: Record<string, unknown>,
  ) {
    super(String(error.message));
  }
}

function invalid(message: string, code: string, param?: string): StripeFailure {
  return new StripeFailure(400, { type: 'invalid_request_error', code, message, ...(param ? { param } : {}) });
}

function id(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('base64url').replace(/[-_]/g, 'x')}`;
}

const wallClock = (): number => Math.floor(Date.now() / 1000);

function text(params: Params, name: string): string | undefined {
  const value = params[name];
  return typeof value === 'string' ? value : undefined;
}

function amountParam(params: Params, name: string, required: boolean): number | undefined {
  const value = text(params, name);
  if (value === undefined) {
    if (required) throw invalid(`Missing required param: ${name}.`, 'parameter_missing', name);
    return undefined;
  }
  if (!/^\d+$/.test(value) || Number(value) < 1) throw invalid(`Invalid integer: ${value}`, 'parameter_invalid_integer', name);
  return Number(value);
}

function metadataOf(params: Params): Record<string, string> {
  const metadata = params.metadata;
  if (metadata === undefined) return {};
  if (typeof metadata !== 'object' || Array.isArray(metadata)) throw invalid('Invalid metadata.', 'parameter_invalid', 'metadata');
  return Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, String(v)]));
}

/** The object with that id, or Stripe's `resource_missing` answer. */
function existing<T>(objects: Map<string, T>, objectId: string, kind: string): T {
  const found = objects.get(objectId);
  if (found === undefined) throw invalid(`No such ${kind}: '${objectId}'`, 'resource_missing', 'id');
  return found;
}

/**
 * A PaymentMethod and what Stripe remembers about it: its test card, whether it was used without a customer
 * (`consumed`: it cannot be used again), detached (never again), and set up for off-session use.
 */
interface SandboxMethod {
  object: Stripe.PaymentMethod;
  card: TestCard;
  consumed: boolean;
  detached: boolean;
  setUpForOffSession: boolean;
}

/** Stripe's own words for a method used once without a customer, or detached. */
const SPENT_METHOD =
  'The provided PaymentMethod was previously used with a PaymentIntent without Customer attachment, shared with a connected account without Customer attachment, or was detached from a Customer. It may not be used again. To use a PaymentMethod multiple times, you must attach it to a Customer first.';

interface IdempotentResult {
  fingerprint: string;
  answer: Answer;
}

/** Starts the sandbox on `port` (a free one when absent) and resolves when it listens. */
export async function startPaymentsSandbox(options: PaymentsSandboxOptions = {}): Promise<PaymentsSandbox> {
  const intents = new Map<string, Stripe.PaymentIntent>();
  const refunded = new Map<string, number>();
  const refunds: Record<string, unknown>[] = [];
  const charges = new Map<string, Record<string, unknown>>();
  /** The account's balance transactions, oldest first. */
  const balance: Record<string, unknown>[] = [];
  const now = options.now ?? wallClock;
  const customers = new Map<string, Record<string, unknown>>();
  const setupIntents = new Map<string, Record<string, unknown>>();
  const methods = new Map<string, SandboxMethod>();
  const idempotent = new Map<string, IdempotentResult>();
  const running = new Set<string>();
  let faults: SandboxFaults = {};
  let target = options.webhook;
  const webhooks = stripeWebhookSender(
    () => target,
    () => ({ duplicates: faults.duplicateWebhooks ?? 1, shuffle: faults.shuffleWebhooks ?? false }),
  );

  function emit(type: string, object: unknown, request: { id: string; key?: string }): void {
    const event = {
      id: id('evt'),
      object: 'event',
      api_version: Stripe.API_VERSION,
      created: now(),
      type,
      livemode: false,
      pending_webhooks: 1,
      request: { id: request.id, idempotency_key: request.key ?? null },
      data: { object: structuredClone(object) },
    };
    webhooks.send(JSON.stringify(event));
  }

  function intent(intentId: string): Stripe.PaymentIntent {
    return existing(intents, intentId, 'payment_intent');
  }

  function unexpectedState(pi: Stripe.PaymentIntent, action: string): StripeFailure {
    return new StripeFailure(400, {
      type: 'invalid_request_error',
      code: 'payment_intent_unexpected_state',
      message: `You cannot ${action} this PaymentIntent because it has a status of ${pi.status}.`,
      payment_intent: pi,
    });
  }

  function authorized(pi: Stripe.PaymentIntent, request: { id: string; key?: string }): void {
    // setup_future_usage saves the method on the intent's customer once the payment goes through, as on Stripe.
    const method = typeof pi.payment_method === 'string' ? methods.get(pi.payment_method) : undefined;
    if (method && typeof pi.customer === 'string' && pi.setup_future_usage !== null) attach(method, pi.customer, pi.setup_future_usage === 'off_session');
    if (pi.capture_method === 'automatic') {
      const charge = book({ amount: pi.amount, currency: pi.currency, paymentIntent: pi.id, metadata: pi.metadata });
      Object.assign(pi, { status: 'succeeded', amount_received: pi.amount, amount_capturable: 0, next_action: null, latest_charge: charge.id });
      emit('payment_intent.succeeded', pi, request);
    } else {
      Object.assign(pi, { status: 'requires_capture', amount_capturable: pi.amount, next_action: null });
      emit('payment_intent.amount_capturable_updated', pi, request);
    }
  }

  function failed(pi: Stripe.PaymentIntent, error: Record<string, unknown>, request: { id: string; key?: string }): StripeFailure {
    Object.assign(pi, { status: 'requires_payment_method', next_action: null, last_payment_error: error });
    emit('payment_intent.payment_failed', pi, request);
    return new StripeFailure(402, { ...error, payment_intent: structuredClone(pi) });
  }

  /**
   * A new PaymentMethod for a test card, as Stripe makes one each time a test card is named (`pm_card_visa`,
   * `tok_visa`) or typed in: its id is new, it belongs to no customer.
   */
  function mintMethod(card: TestCard): SandboxMethod {
    const last4 = card.number.slice(-4);
    const object = {
      id: id('pm'),
      object: 'payment_method',
      type: 'card',
      created: now(),
      customer: null,
      livemode: false,
      metadata: {},
      billing_details: { address: null, email: null, name: null, phone: null },
      card: { brand: card.brand, last4, exp_month: 12, exp_year: new Date().getUTCFullYear() + 3, funding: 'credit', country: 'GB', fingerprint: `fp${card.number.slice(0, 8)}` },
    } as unknown as Stripe.PaymentMethod;
    const method = { object, card, consumed: false, detached: false, setUpForOffSession: false };
    methods.set(object.id, method);
    return method;
  }

  /** The PaymentMethod a reference names: a stored one by id, else a new one for a test card (name, token or number). */
  function methodOf(reference: string, param = 'payment_method'): SandboxMethod {
    const stored = methods.get(reference);
    if (stored) return stored;
    const card = testCard(reference);
    if (!card) throw invalid(`No such PaymentMethod: '${reference}'`, 'resource_missing', param);
    return mintMethod(card);
  }

  /** The method given in the call (an id, a test card's name or number), else the one the intent already carries. */
  function paymentMethodOf(params: Params, attached: string | null = null): SandboxMethod {
    const reference = text(params, 'payment_method');
    const data = params.payment_method_data;
    const number =
      data && typeof data === 'object' && !Array.isArray(data) && typeof data.card === 'object' && !Array.isArray(data.card)
        ? data.card.number
        : undefined;
    const given = reference ?? (typeof number === 'string' ? number : undefined) ?? attached ?? undefined;
    if (given === undefined) throw invalid('You must provide a payment_method to confirm this PaymentIntent.', 'parameter_missing', 'payment_method');
    return methodOf(given);
  }

  /**
   * Stripe's rules for using a method with a customer (or none): a method spent without a customer, or detached, is
   * refused; one attached to a customer can only be used with that customer.
   */
  function assertUsable(method: SandboxMethod, customer: string | null): void {
    // Stripe answers this one with no code, only the message.
    if (method.consumed || method.detached) throw new StripeFailure(400, { type: 'invalid_request_error', message: SPENT_METHOD, param: 'payment_method' });
    const owner = method.object.customer as string | null;
    if (owner !== null && customer === null) {
      throw invalid(`The provided PaymentMethod ${method.object.id} is attached to a Customer; to use it, pass that Customer's id in \`customer\`.`, 'parameter_missing', 'customer');
    }
    if (owner !== null && owner !== customer) {
      throw invalid(`The provided PaymentMethod ${method.object.id} does not belong to the Customer ${String(customer)}.`, 'resource_missing', 'payment_method');
    }
  }

  /** Attaches a method to a customer; `setUp` when a SetupIntent or `setup_future_usage=off_session` saved it for off-session use. */
  function attach(method: SandboxMethod, customer: string, setUp: boolean): void {
    method.object.customer = customer;
    method.setUpForOffSession = method.setUpForOffSession || setUp;
  }

  /** Stripe takes `off_session` as `true` or as `one_off`/`recurring`. */
  function offSession(params: Params): boolean {
    const value = text(params, 'off_session');
    return value !== undefined && value !== 'false';
  }

  function confirm(pi: Stripe.PaymentIntent, params: Params, request: { id: string; key?: string }): Stripe.PaymentIntent {
    if (!['requires_payment_method', 'requires_confirmation'].includes(pi.status)) throw unexpectedState(pi, 'confirm');
    const method = paymentMethodOf(params, typeof pi.payment_method === 'string' ? pi.payment_method : null);
    const customer = (pi.customer as string | null) ?? null;
    assertUsable(method, customer);
    const returnUrl = text(params, 'return_url');
    pi.payment_method = method.object.id;
    pi.last_payment_error = null;
    // Used without a customer to keep it (attached, or to attach with setup_future_usage), the method is spent whatever the bank says.
    if (method.object.customer === null && (customer === null || pi.setup_future_usage === null)) method.consumed = true;
    const card = method.card;
    const paymentMethod = { id: method.object.id, object: 'payment_method', type: 'card' };
    const outcome = cardOutcome(card, { offSession: offSession(params), setUpForOffSession: method.setUpForOffSession });
    if (outcome === 'declines' && card.behaviour.kind === 'declines') {
      const behaviour = card.behaviour;
      throw failed(pi, { type: 'card_error', code: behaviour.code, decline_code: behaviour.declineCode, message: behaviour.message, payment_method: paymentMethod }, request);
    }
    if (outcome === 'authentication-required') {
      // Nobody is there to authenticate, so Stripe declines rather than asking.
      throw failed(
        pi,
        {
          type: 'card_error',
          code: 'authentication_required',
          decline_code: 'authentication_required',
          message: 'Your card was declined. This transaction requires authentication.',
          payment_method: paymentMethod,
        },
        request,
      );
    }
    if (outcome === 'requires-action') {
      Object.assign(pi, {
        status: 'requires_action',
        next_action: returnUrl
          ? { type: 'redirect_to_url', redirect_to_url: { url: `${sandboxUrl}/_sandbox/authenticate/${pi.id}`, return_url: returnUrl } }
          : { type: 'use_stripe_sdk', use_stripe_sdk: { type: 'three_d_secure_redirect', stripe_js: `${sandboxUrl}/_sandbox/authenticate/${pi.id}` } },
      });
      return pi;
    }
    authorized(pi, request);
    return pi;
  }

  /** A SetupIntent confirmed with a card: saved on its customer (`succeeded`), or waiting on the customer's authentication. */
  function confirmSetup(setup: Record<string, unknown>, params: Params): Record<string, unknown> {
    if (!['requires_payment_method', 'requires_confirmation'].includes(String(setup.status))) {
      throw new StripeFailure(400, {
        type: 'invalid_request_error',
        code: 'setup_intent_unexpected_state',
        message: `You cannot confirm this SetupIntent because it has a status of ${String(setup.status)}.`,
        setup_intent: structuredClone(setup),
      });
    }
    const method = paymentMethodOf(params, typeof setup.payment_method === 'string' ? setup.payment_method : null);
    const customer = (setup.customer as string | null) ?? null;
    assertUsable(method, customer);
    setup.payment_method = method.object.id;
    if (method.card.behaviour.kind === 'declines') {
      const behaviour = method.card.behaviour;
      const error = { type: 'card_error', code: behaviour.code, decline_code: behaviour.declineCode, message: behaviour.message };
      Object.assign(setup, { status: 'requires_payment_method', last_setup_error: error });
      throw new StripeFailure(402, { ...error, setup_intent: structuredClone(setup) });
    }
    // Saving a card is done with the customer there: every card that needs authentication asks for it now.
    if (method.card.behaviour.kind === 'requires-authentication') {
      Object.assign(setup, {
        status: 'requires_action',
        next_action: { type: 'use_stripe_sdk', use_stripe_sdk: { type: 'three_d_secure_redirect', stripe_js: `${sandboxUrl}/_sandbox/authenticate/${String(setup.id)}` } },
      });
      return setup;
    }
    return setupSucceeded(setup, method);
  }

  function setupSucceeded(setup: Record<string, unknown>, method: SandboxMethod): Record<string, unknown> {
    Object.assign(setup, { status: 'succeeded', next_action: null, last_setup_error: null });
    if (typeof setup.customer === 'string') attach(method, setup.customer, setup.usage === 'off_session');
    return setup;
  }

  /**
   * A customer that may be used: Stripe still answers a retrieve of a deleted one (`deleted: true`), and refuses
   * everything else with it as it would a customer that never was.
   */
  function liveCustomer(customerId: string, param: string): Record<string, unknown> {
    const customer = customers.get(customerId);
    if (customer === undefined || customer.deleted === true) throw invalid(`No such customer: '${customerId}'`, 'resource_missing', param);
    return customer;
  }

  /** A customer's PaymentMethods, newest first, as Stripe's list answers. */
  function methodsOf(customer: string): Record<string, unknown> {
    liveCustomer(customer, 'customer');
    const data = [...methods.values()].filter((m) => m.object.customer === customer).map((m) => m.object).reverse();
    return { object: 'list', url: `/v1/customers/${customer}/payment_methods`, has_more: false, data };
  }

  /**
   * A captured charge and its balance transaction (type `charge`), as Stripe books a capture: the charge carries the
   * PaymentIntent's metadata, copied when it was confirmed.
   */
  function book(charge: { amount: number; currency: string; paymentIntent: string | null; metadata: Record<string, string>; created?: number }): Record<string, unknown> {
    const created = charge.created ?? now();
    const chargeId = id('ch');
    const transaction = balanceTransaction('charge', charge.amount, charge.currency, chargeId, created);
    const object = {
      id: chargeId,
      object: 'charge',
      amount: charge.amount,
      amount_captured: charge.amount,
      amount_refunded: 0,
      balance_transaction: transaction.id,
      captured: true,
      created,
      currency: charge.currency,
      livemode: false,
      metadata: { ...charge.metadata },
      paid: true,
      payment_intent: charge.paymentIntent,
      refunded: false,
      status: 'succeeded',
    };
    charges.set(chargeId, object);
    return object;
  }

  /** A refund of a charge and its balance transaction (type `refund`, a negative amount), stamped `created`. */
  function refundCharge(charge: Record<string, unknown>, amount: number, created: number, metadata: Record<string, string>): Record<string, unknown> {
    const refundId = id('re');
    const transaction = balanceTransaction('refund', -amount, String(charge.currency), refundId, created);
    const refund = {
      id: refundId,
      object: 'refund',
      amount,
      balance_transaction: transaction.id,
      charge: charge.id,
      created,
      currency: charge.currency,
      metadata,
      payment_intent: charge.payment_intent,
      status: 'succeeded',
    };
    refunds.push(refund);
    const total = Number(charge.amount_refunded) + amount;
    Object.assign(charge, { amount_refunded: total, refunded: total === charge.amount });
    return refund;
  }

  /** A balance transaction as Stripe shapes one; the sandbox charges no fees, so `net` is the amount. */
  function balanceTransaction(type: 'charge' | 'refund', amount: number, currency: string, source: string, created: number): Record<string, unknown> {
    const transaction = {
      id: id('txn'),
      object: 'balance_transaction',
      amount,
      available_on: created,
      created,
      currency,
      description: null,
      fee: 0,
      fee_details: [],
      net: amount,
      reporting_category: type,
      source,
      status: 'available',
      type,
    };
    balance.push(transaction);
    return transaction;
  }

  /**
   * Stripe's balance transaction list: newest first (ties by id, as a stable order), filtered by `created[gte|gt|lte|lt]`
   * (or an exact second), `type` and `source`, paged by `limit` (10 by default, at most 100) and `starting_after`;
   * `expand[]=data.source` puts the charge or refund in place of its id.
   */
  function listBalance(params: Params): Record<string, unknown> {
    const created = params.created;
    const bound = (name: string) => {
      const value = typeof created === 'object' && !Array.isArray(created) ? created[name] : undefined;
      if (value === undefined) return undefined;
      if (typeof value !== 'string' || !/^\d+$/.test(value)) throw invalid(`Invalid integer: ${String(value)}`, 'parameter_invalid_integer', `created[${name}]`);
      return Number(value);
    };
    const [gte, gt, lte, lt] = ['gte', 'gt', 'lte', 'lt'].map(bound);
    const exact = typeof created === 'string' ? Number(created) : undefined;
    const type = text(params, 'type');
    const source = text(params, 'source');
    const limitText = text(params, 'limit') ?? '10';
    if (!/^\d+$/.test(limitText) || Number(limitText) < 1 || Number(limitText) > 100) throw invalid('This value must be between 1 and 100.', 'parameter_invalid_integer', 'limit');
    const limit = Number(limitText);
    const matching = balance
      .filter((t) => {
        const at = Number(t.created);
        return (
          (exact === undefined || at === exact) &&
          (gte === undefined || at >= gte) &&
          (gt === undefined || at > gt) &&
          (lte === undefined || at <= lte) &&
          (lt === undefined || at < lt) &&
          (type === undefined || t.type === type) &&
          (source === undefined || t.source === source)
        );
      })
      .sort((a, b) => Number(b.created) - Number(a.created) || (String(a.id) < String(b.id) ? 1 : -1));
    const after = text(params, 'starting_after');
    let start = 0;
    if (after !== undefined) {
      const index = matching.findIndex((t) => t.id === after);
      if (index < 0) throw invalid(`No such balance_transaction: '${after}'`, 'resource_missing', 'starting_after');
      start = index + 1;
    }
    const page = matching.slice(start, start + limit);
    const expand = Array.isArray(params.expand) ? params.expand : [];
    const data = expand.includes('data.source')
      ? page.map((t) => ({ ...t, source: charges.get(String(t.source)) ?? refunds.find((r) => r.id === t.source) ?? t.source }))
      : page;
    return { object: 'list', url: '/v1/balance_transactions', has_more: start + limit < matching.length, data };
  }

  function seedCharge(seed: SeededCharge): Record<string, unknown> {
    if (!Number.isInteger(seed.amount) || seed.amount < 1) throw invalid('amount must be a positive integer.', 'parameter_invalid_integer', 'amount');
    if (typeof seed.currency !== 'string' || !/^[a-z]{3}$/i.test(seed.currency)) throw invalid('currency must be an ISO code.', 'parameter_invalid', 'currency');
    if (seed.created !== undefined && !Number.isInteger(seed.created)) throw invalid('created must be Unix seconds.', 'parameter_invalid_integer', 'created');
    if (seed.refunded !== undefined && (!Number.isInteger(seed.refunded) || seed.refunded < 1 || seed.refunded > seed.amount)) {
      throw invalid('refunded must be a positive integer no more than amount.', 'parameter_invalid_integer', 'refunded');
    }
    if (seed.refundedAt !== undefined && (!Number.isInteger(seed.refundedAt) || seed.refunded === undefined)) {
      throw invalid('refundedAt must be Unix seconds, with refunded.', 'parameter_invalid_integer', 'refundedAt');
    }
    const charge = book({
      amount: seed.amount,
      currency: seed.currency.toLowerCase(),
      paymentIntent: null,
      metadata: seed.orderId === undefined ? {} : { orderId: seed.orderId },
      ...(seed.created === undefined ? {} : { created: seed.created }),
    });
    if (seed.refunded !== undefined) refundCharge(charge, seed.refunded, seed.refundedAt ?? Number(charge.created), {});
    return structuredClone(charge);
  }

  const routes: { method: string; path: RegExp; run: (match: string[], params: Params, request: { id: string; key?: string }) => unknown }[] = [
    {
      method: 'POST',
      path: /^\/v1\/payment_intents$/,
      run: (_m, params, request) => {
        const currency = text(params, 'currency');
        if (!currency || !/^[a-z]{3}$/.test(currency)) throw invalid('Missing or invalid currency.', 'parameter_missing', 'currency');
        const captureMethod = text(params, 'capture_method') ?? 'automatic';
        if (!['automatic', 'automatic_async', 'manual'].includes(captureMethod)) throw invalid(`Invalid capture_method: ${captureMethod}`, 'parameter_invalid', 'capture_method');
        const confirming = text(params, 'confirm') === 'true';
        if (!confirming && offSession(params)) throw invalid('off_session can only be used when confirm is true.', 'parameter_invalid', 'off_session');
        const setupFutureUsage = text(params, 'setup_future_usage') ?? null;
        if (setupFutureUsage !== null && !['off_session', 'on_session'].includes(setupFutureUsage)) {
          throw invalid(`Invalid setup_future_usage: ${setupFutureUsage}`, 'parameter_invalid', 'setup_future_usage');
        }
        const customer = text(params, 'customer') ?? null;
        if (customer !== null) liveCustomer(customer, 'customer');
        if (setupFutureUsage !== null && customer === null) {
          throw invalid('setup_future_usage needs a customer to save the PaymentMethod on.', 'parameter_missing', 'customer');
        }
        // As on Stripe, an unknown, spent or someone else's payment method refuses the intent before it exists.
        const method = params.payment_method !== undefined || params.payment_method_data !== undefined ? paymentMethodOf(params) : undefined;
        if (method) assertUsable(method, customer);
        const piId = id('pi');
        const pi = {
          id: piId,
          object: 'payment_intent',
          amount: amountParam(params, 'amount', true) as number,
          amount_capturable: 0,
          amount_received: 0,
          currency,
          capture_method: captureMethod === 'manual' ? 'manual' : 'automatic',
          client_secret: `${piId}_secret_${randomBytes(8).toString('hex')}`,
          created: now(),
          customer,
          setup_future_usage: setupFutureUsage,
          payment_method: method?.object.id ?? null,
          metadata: metadataOf(params),
          status: method ? 'requires_confirmation' : 'requires_payment_method',
          next_action: null,
          last_payment_error: null,
          canceled_at: null,
          cancellation_reason: null,
          livemode: false,
        } as unknown as Stripe.PaymentIntent;
        intents.set(pi.id, pi);
        emit('payment_intent.created', pi, request);
        return confirming ? confirm(pi, params, request) : pi;
      },
    },
    { method: 'GET', path: /^\/v1\/payment_intents\/([^/]+)$/, run: ([piId]) => intent(piId as string) },
    { method: 'POST', path: /^\/v1\/payment_intents\/([^/]+)\/confirm$/, run: ([piId], params, request) => confirm(intent(piId as string), params, request) },
    {
      method: 'POST',
      path: /^\/v1\/payment_intents\/([^/]+)\/capture$/,
      run: ([piId], params, request) => {
        const pi = intent(piId as string);
        if (pi.status !== 'requires_capture') throw unexpectedState(pi, 'capture');
        const amount = amountParam(params, 'amount_to_capture', false) ?? pi.amount_capturable;
        if (amount > pi.amount_capturable) {
          throw invalid(`The amount_to_capture (${amount}) is greater than the amount_capturable (${pi.amount_capturable}).`, 'amount_too_large', 'amount_to_capture');
        }
        const charge = book({ amount, currency: pi.currency, paymentIntent: pi.id, metadata: pi.metadata });
        Object.assign(pi, { status: 'succeeded', amount_received: amount, amount_capturable: 0, latest_charge: charge.id });
        emit('payment_intent.succeeded', pi, request);
        return pi;
      },
    },
    {
      method: 'POST',
      path: /^\/v1\/payment_intents\/([^/]+)\/cancel$/,
      run: ([piId], params, request) => {
        const pi = intent(piId as string);
        if (pi.status === 'succeeded' || pi.status === 'canceled') throw unexpectedState(pi, 'cancel');
        Object.assign(pi, {
          status: 'canceled',
          amount_capturable: 0,
          next_action: null,
          canceled_at: now(),
          cancellation_reason: text(params, 'cancellation_reason') ?? 'requested_by_customer',
        });
        emit('payment_intent.canceled', pi, request);
        return pi;
      },
    },
    {
      method: 'POST',
      path: /^\/v1\/refunds$/,
      run: (_m, params, request) => {
        const piId = text(params, 'payment_intent');
        if (!piId) throw invalid('Missing required param: payment_intent.', 'parameter_missing', 'payment_intent');
        const pi = intent(piId);
        if (pi.status !== 'succeeded') throw unexpectedState(pi, 'refund');
        const already = refunded.get(pi.id) ?? 0;
        const remaining = pi.amount_received - already;
        if (remaining === 0) throw invalid(`Charge for PaymentIntent ${pi.id} has already been refunded.`, 'charge_already_refunded');
        const amount = amountParam(params, 'amount', false) ?? remaining;
        if (amount > remaining) throw invalid(`Refund amount (${amount}) is greater than unrefunded amount on charge (${remaining})`, 'amount_too_large', 'amount');
        refunded.set(pi.id, already + amount);
        const refund = refundCharge(existing(charges, String(pi.latest_charge), 'charge'), amount, now(), metadataOf(params));
        emit('charge.refunded', { id: pi.latest_charge, object: 'charge', payment_intent: pi.id, amount: pi.amount_received, amount_refunded: already + amount, refunded: already + amount === pi.amount_received, currency: pi.currency }, request);
        return refund;
      },
    },
    {
      // Stripe's refund list, one page, newest first; `payment_intent` keeps one intent's.
      method: 'GET',
      path: /^\/v1\/refunds$/,
      run: (_m, params) => {
        const piId = text(params, 'payment_intent');
        const data = refunds.filter((refund) => piId === undefined || refund.payment_intent === piId).reverse();
        return { object: 'list', url: '/v1/refunds', has_more: false, data };
      },
    },
    { method: 'GET', path: /^\/v1\/balance_transactions$/, run: (_m, params) => listBalance(params) },
    { method: 'GET', path: /^\/v1\/charges\/([^/]+)$/, run: ([chId]) => existing(charges, chId as string, 'charge') },
    {
      method: 'POST',
      path: /^\/v1\/customers$/,
      run: (_m, params) => {
        const customer = {
          id: id('cus'),
          object: 'customer',
          created: now(),
          email: text(params, 'email') ?? null,
          metadata: metadataOf(params),
          invoice_settings: { default_payment_method: null },
          livemode: false,
        };
        customers.set(customer.id, customer);
        return customer;
      },
    },
    {
      // A deleted customer is still answered, as the stub Stripe keeps.
      method: 'GET',
      path: /^\/v1\/customers\/([^/]+)$/,
      run: ([cusId]) => existing(customers, cusId as string, 'customer'),
    },
    {
      // Deleting is for good: its saved methods are detached (never usable again) and only the stub stays; deleting it
      // again is Stripe's `resource_missing`.
      method: 'DELETE',
      path: /^\/v1\/customers\/([^/]+)$/,
      run: ([cusId]) => {
        liveCustomer(cusId as string, 'id');
        for (const method of methods.values()) {
          if (method.object.customer !== cusId) continue;
          Object.assign(method, { detached: true, setUpForOffSession: false });
          method.object.customer = null;
        }
        const stub = { id: cusId as string, object: 'customer', deleted: true };
        customers.set(stub.id, stub);
        return stub;
      },
    },
    {
      method: 'POST',
      path: /^\/v1\/setup_intents$/,
      run: (_m, params) => {
        const customer = text(params, 'customer');
        if (customer) liveCustomer(customer, 'customer');
        const seti = id('seti');
        const setup = { id: seti, object: 'setup_intent', client_secret: `${seti}_secret_${randomBytes(8).toString('hex')}`, customer: customer ?? null, usage: text(params, 'usage') ?? 'off_session', status: 'requires_payment_method', payment_method: null, next_action: null, last_setup_error: null, created: now(), livemode: false };
        setupIntents.set(seti, setup);
        return setup;
      },
    },
    { method: 'GET', path: /^\/v1\/setup_intents\/([^/]+)$/, run: ([setiId]) => existing(setupIntents, setiId as string, 'setup_intent') },
    {
      // What Stripe.js does with the client secret when the customer saves a card.
      method: 'POST',
      path: /^\/v1\/setup_intents\/([^/]+)\/confirm$/,
      run: ([setiId], params) => confirmSetup(existing(setupIntents, setiId as string, 'setup_intent'), params),
    },
    {
      // Stripe.js's createPaymentMethod: a test card by token (`card[token]=tok_visa`) or test number.
      method: 'POST',
      path: /^\/v1\/payment_methods$/,
      run: (_m, params) => {
        const card = params.card;
        const reference = card && typeof card === 'object' && !Array.isArray(card) ? (card.token ?? card.number) : undefined;
        if (typeof reference !== 'string') throw invalid('Missing required param: card[token].', 'parameter_missing', 'card');
        const test = testCard(reference);
        if (!test) throw invalid(`No such token: '${reference}'`, 'resource_missing', 'card[token]');
        return mintMethod(test).object;
      },
    },
    {
      method: 'GET',
      path: /^\/v1\/payment_methods$/,
      run: (_m, params) => {
        const customer = text(params, 'customer');
        if (!customer) throw invalid('Missing required param: customer.', 'parameter_missing', 'customer');
        return methodsOf(customer);
      },
    },
    { method: 'GET', path: /^\/v1\/payment_methods\/([^/]+)$/, run: ([pmId]) => methodOf(pmId as string, 'id').object },
    { method: 'GET', path: /^\/v1\/customers\/([^/]+)\/payment_methods$/, run: ([cusId]) => methodsOf(cusId as string) },
    {
      method: 'POST',
      path: /^\/v1\/payment_methods\/([^/]+)\/attach$/,
      run: ([pmId], params) => {
        const customer = text(params, 'customer');
        if (!customer) throw invalid('Missing required param: customer.', 'parameter_missing', 'customer');
        liveCustomer(customer, 'customer');
        const method = methodOf(pmId as string, 'id');
        if (method.object.customer === customer) return method.object;
        if (method.object.customer !== null) throw invalid(`The payment method ${method.object.id} is already attached to another customer.`, 'payment_method_unexpected_state');
        assertUsable(method, customer);
        // Attached directly, not through a SetupIntent: saved, but not set up for off-session use.
        attach(method, customer, false);
        return method.object;
      },
    },
    {
      method: 'POST',
      path: /^\/v1\/payment_methods\/([^/]+)\/detach$/,
      run: ([pmId]) => {
        const method = existing(methods, pmId as string, 'payment_method');
        if (method.object.customer === null) {
          throw invalid('The payment method you provided is not attached to a customer so detachment is impossible.', 'payment_method_unexpected_state');
        }
        // Detaching is for good: the method can never be used or attached again.
        Object.assign(method, { detached: true, setUpForOffSession: false });
        method.object.customer = null;
        return method.object;
      },
    },
  ];

  /** Runs one `/v1` call under Stripe's idempotency rules: the same key and params replay the first answer. */
  async function api(method: string, path: string, params: Params, key: string | undefined, latencyMs: number): Promise<Answer & { replayed?: boolean }> {
    const route = routes.find((r) => r.method === method && r.path.test(path));
    if (!route) return { status: 404, body: { error: { type: 'invalid_request_error', message: `Unrecognized request URL (${method}: ${path}).` } } };
    const match = (route.path.exec(path) ?? []).slice(1);
    const request = { id: id('req'), ...(key === undefined ? {} : { key }) };
    if (method !== 'POST' || key === undefined) {
      await sleep(latencyMs);
      return execute(() => route.run(match, params, request));
    }
    const fingerprint = JSON.stringify([method, path, params]);
    const earlier = idempotent.get(key);
    if (earlier) {
      if (earlier.fingerprint !== fingerprint) {
        return {
          status: 400,
          body: { error: { type: 'idempotency_error', message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.` } },
        };
      }
      return { ...earlier.answer, replayed: true };
    }
    if (running.has(key)) {
      return { status: 409, body: { error: { type: 'idempotency_error', code: 'idempotency_key_in_use', message: 'There is currently another in-progress request using this Idempotent Key.' } } };
    }
    running.add(key);
    try {
      // Injected latency holds the key, so a concurrent retry meets Stripe's 409 as it would there.
      await sleep(latencyMs);
      const answer = execute(() => route.run(match, params, request));
      // Like Stripe, a request rejected before it ran (validation) is not saved; one that ran is, declines included.
      if (answer.status !== 400 || (answer.body as { error: { code?: string } }).error.code === 'payment_intent_unexpected_state') {
        idempotent.set(key, { fingerprint, answer });
      }
      return answer;
    } finally {
      running.delete(key);
    }
  }

  function execute(run: () => unknown): Answer {
    try {
      return { status: 200, body: structuredClone(run()) };
    } catch (error) {
      // Cloned so a saved answer replays the object as it was, not as later calls left it.
      if (error instanceof StripeFailure) return { status: error.status, body: structuredClone({ error: error.error }) };
      throw error;
    }
  }

  function takeFault(): SandboxFaults | undefined {
    if (faults.count !== undefined) {
      if (faults.count <= 0) return undefined;
      faults.count -= 1;
    }
    return faults;
  }

  function sandboxControl(method: string, path: string, body: string): Answer {
    const json = (body ? JSON.parse(body) : {}) as Record<string, unknown>;
    if (method === 'POST' && path === '/_sandbox/faults') {
      faults = json as SandboxFaults;
      return { status: 200, body: faults };
    }
    // A charge we did not make (no PaymentIntent of ours), for the reconciliation's tests: see SeededCharge.
    if (method === 'POST' && path === '/_sandbox/charges') return execute(() => seedCharge(json as unknown as SeededCharge));
    // The idempotency keys of the calls being answered now (held by injected latency): a test can act while one is.
    if (method === 'GET' && path === '/_sandbox/in-flight') return { status: 200, body: { keys: [...running] } };
    const setupAuth = /^\/_sandbox\/setup_intents\/([^/]+)\/authenticate$/.exec(path);
    if (method === 'POST' && setupAuth?.[1]) return authenticateSetup(setupAuth[1], json.outcome);
    const auth = /^\/_sandbox\/payment_intents\/([^/]+)\/authenticate$/.exec(path);
    if (method === 'POST' && auth?.[1]) {
      const pi = intents.get(auth[1]);
      if (!pi) return { status: 404, body: { error: { type: 'invalid_request_error', code: 'resource_missing', message: `No such payment_intent: '${auth[1]}'` } } };
      if (pi.status !== 'requires_action') return { status: 400, body: { error: { type: 'invalid_request_error', code: 'payment_intent_unexpected_state', message: `PaymentIntent ${pi.id} is ${pi.status}, not requires_action.` } } };
      const request = { id: id('req') };
      if (json.outcome === 'approve') authorized(pi, request);
      else if (json.outcome === 'fail') {
        failed(pi, { type: 'card_error', code: 'payment_intent_authentication_failure', message: 'The provided PaymentMethod has failed authentication.' }, request);
      } else return { status: 400, body: { error: { type: 'invalid_request_error', message: 'outcome must be approve or fail.' } } };
      return { status: 200, body: pi };
    }
    return { status: 404, body: { error: { type: 'invalid_request_error', message: `Unrecognized sandbox URL (${method}: ${path}).` } } };
  }

  /** The customer's side of authenticating a card being saved: `approve` saves it, `fail` leaves the SetupIntent without one. */
  function authenticateSetup(setiId: string, outcome: unknown): Answer {
    const setup = setupIntents.get(setiId);
    if (!setup) return { status: 404, body: { error: { type: 'invalid_request_error', code: 'resource_missing', message: `No such setup_intent: '${setiId}'` } } };
    if (setup.status !== 'requires_action') {
      return { status: 400, body: { error: { type: 'invalid_request_error', code: 'setup_intent_unexpected_state', message: `SetupIntent ${setiId} is ${String(setup.status)}, not requires_action.` } } };
    }
    const method = methods.get(String(setup.payment_method));
    if (outcome === 'approve' && method) return { status: 200, body: setupSucceeded(setup, method) };
    if (outcome === 'fail') {
      Object.assign(setup, {
        status: 'requires_payment_method',
        next_action: null,
        last_setup_error: { type: 'card_error', code: 'setup_intent_authentication_failure', message: 'The latest attempt to set up the payment method has failed because authentication failed.' },
      });
      return { status: 200, body: setup };
    }
    return { status: 400, body: { error: { type: 'invalid_request_error', message: 'outcome must be approve or fail.' } } };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const method = req.method ?? 'GET';
    const send = (answer: Answer & { replayed?: boolean }): void => {
      res.writeHead(answer.status, {
        'content-type': 'application/json',
        'request-id': id('req'),
        ...(answer.replayed ? { 'idempotent-replayed': 'true' } : {}),
      });
      res.end(JSON.stringify(answer.body));
    };
    if (url.pathname.startsWith('/_sandbox/')) return send(sandboxControl(method, url.pathname, body));
    const authorization = req.headers.authorization ?? '';
    if (!/^Bearer sk_test_\w+$/.test(authorization)) {
      return send({ status: 401, body: { error: { type: 'invalid_request_error', message: 'Invalid API Key provided. The sandbox accepts any sk_test_ key.' } } });
    }
    const fault = takeFault();
    if (fault?.errorRate && Math.random() < fault.errorRate) {
      const status = fault.status ?? 500;
      return send({
        status,
        body: { error: status === 429 ? { type: 'invalid_request_error', code: 'rate_limit', message: 'Too many requests.' } : { type: 'api_error', message: 'Injected sandbox failure.' } },
      });
    }
    let params: Params;
    try {
      params = parseForm(method === 'GET' ? url.search.slice(1) : body);
    } catch (error) {
      return send({ status: 400, body: { error: { type: 'invalid_request_error', message: (error as Error).message } } });
    }
    const key = req.headers['idempotency-key'];
    const answer = await api(method, url.pathname, params, typeof key === 'string' ? key : undefined, fault?.latencyMs ?? 0);
    if (fault?.dropResponse) {
      req.socket.destroy();
      return;
    }
    send(answer);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      console.error('payments sandbox: request failed', error);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { type: 'api_error', message: 'The sandbox failed.' } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const sandboxUrl = `http://127.0.0.1:${port}`;
  return {
    url: sandboxUrl,
    host: '127.0.0.1',
    port,
    stripeOptions: { secretKey: 'sk_test_sandbox', host: '127.0.0.1', port, protocol: 'http' },
    faults: (next) => {
      faults = { ...next };
    },
    webhook: (next) => {
      target = next;
    },
    paymentIntents: () => [...intents.values()].map((pi) => structuredClone(pi)),
    paymentMethods: () => [...methods.values()].map((m) => structuredClone(m.object)),
    customers: () => [...customers.values()].map((c) => structuredClone(c)),
    seedCharge: (seed) => {
      const answer = execute(() => seedCharge(seed));
      if (answer.status !== 200) throw new Error(`seeding a charge: ${JSON.stringify(answer.body)}`);
      return answer.body as Record<string, unknown>;
    },
    webhooksIdle: () => webhooks.idle(),
    stop: async () => {
      target = undefined;
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
      await webhooks.idle();
    },
  };
}
