import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import Stripe from 'stripe';
import { testCard, type TestCard } from './cards.js';
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

const now = (): number => Math.floor(Date.now() / 1000);

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

interface IdempotentResult {
  fingerprint: string;
  answer: Answer;
}

/** Starts the sandbox on `port` (a free one when absent) and resolves when it listens. */
export async function startPaymentsSandbox(options: PaymentsSandboxOptions = {}): Promise<PaymentsSandbox> {
  const intents = new Map<string, Stripe.PaymentIntent>();
  const refunded = new Map<string, number>();
  const refunds: Record<string, unknown>[] = [];
  const customers = new Map<string, Record<string, unknown>>();
  const setupIntents = new Map<string, Record<string, unknown>>();
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
    if (pi.capture_method === 'automatic') {
      Object.assign(pi, { status: 'succeeded', amount_received: pi.amount, amount_capturable: 0, next_action: null });
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

  /** The test card given in the call, else the one the intent already carries. */
  function cardOf(params: Params, attached: string | null = null): TestCard {
    const reference = text(params, 'payment_method');
    const data = params.payment_method_data;
    const number =
      data && typeof data === 'object' && !Array.isArray(data) && typeof data.card === 'object' && !Array.isArray(data.card)
        ? data.card.number
        : undefined;
    const given = reference ?? (typeof number === 'string' ? number : undefined) ?? attached ?? undefined;
    if (given === undefined) throw invalid('You must provide a payment_method to confirm this PaymentIntent.', 'parameter_missing', 'payment_method');
    const card = testCard(given);
    if (!card) throw invalid(`No such PaymentMethod: '${given}'`, 'resource_missing', 'payment_method');
    return card;
  }

  /** Stripe takes `off_session` as `true` or as `one_off`/`recurring`. */
  function offSession(params: Params): boolean {
    const value = text(params, 'off_session');
    return value !== undefined && value !== 'false';
  }

  function confirm(pi: Stripe.PaymentIntent, params: Params, request: { id: string; key?: string }): Stripe.PaymentIntent {
    if (!['requires_payment_method', 'requires_confirmation'].includes(pi.status)) throw unexpectedState(pi, 'confirm');
    const card = cardOf(params, typeof pi.payment_method === 'string' ? pi.payment_method : null);
    const returnUrl = text(params, 'return_url');
    pi.payment_method = card.paymentMethod;
    pi.last_payment_error = null;
    const behaviour = card.behaviour;
    const paymentMethod = { id: card.paymentMethod, object: 'payment_method', type: 'card' };
    if (behaviour.kind === 'declines') {
      throw failed(pi, { type: 'card_error', code: behaviour.code, decline_code: behaviour.declineCode, message: behaviour.message, payment_method: paymentMethod }, request);
    }
    if (behaviour.kind === 'requires-authentication' && offSession(params)) {
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
    if (behaviour.kind === 'requires-authentication') {
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
        // As on Stripe, an unknown payment method refuses the intent before it exists.
        const card = params.payment_method !== undefined || params.payment_method_data !== undefined ? cardOf(params) : undefined;
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
          customer: text(params, 'customer') ?? null,
          payment_method: card?.paymentMethod ?? null,
          metadata: metadataOf(params),
          status: card ? 'requires_confirmation' : 'requires_payment_method',
          next_action: null,
          last_payment_error: null,
          canceled_at: null,
          cancellation_reason: null,
          livemode: false,
        } as unknown as Stripe.PaymentIntent;
        if (pi.customer && !customers.has(pi.customer as string)) throw invalid(`No such customer: '${String(pi.customer)}'`, 'resource_missing', 'customer');
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
        Object.assign(pi, { status: 'succeeded', amount_received: amount, amount_capturable: 0, latest_charge: id('ch') });
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
        const refund = { id: id('re'), object: 'refund', amount, currency: pi.currency, payment_intent: pi.id, charge: pi.latest_charge, status: 'succeeded', created: now(), metadata: metadataOf(params) };
        refunds.push(refund);
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
    {
      method: 'POST',
      path: /^\/v1\/customers$/,
      run: (_m, params) => {
        const customer = { id: id('cus'), object: 'customer', created: now(), email: text(params, 'email') ?? null, metadata: metadataOf(params), livemode: false };
        customers.set(customer.id, customer);
        return customer;
      },
    },
    {
      method: 'GET',
      path: /^\/v1\/customers\/([^/]+)$/,
      run: ([cusId]) => existing(customers, cusId as string, 'customer'),
    },
    {
      method: 'POST',
      path: /^\/v1\/setup_intents$/,
      run: (_m, params) => {
        const customer = text(params, 'customer');
        if (customer && !customers.has(customer)) throw invalid(`No such customer: '${customer}'`, 'resource_missing', 'customer');
        const seti = id('seti');
        const setup = { id: seti, object: 'setup_intent', client_secret: `${seti}_secret_${randomBytes(8).toString('hex')}`, customer: customer ?? null, usage: text(params, 'usage') ?? 'off_session', status: 'requires_payment_method', created: now(), livemode: false };
        setupIntents.set(seti, setup);
        return setup;
      },
    },
    { method: 'GET', path: /^\/v1\/setup_intents\/([^/]+)$/, run: ([setiId]) => existing(setupIntents, setiId as string, 'setup_intent') },
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
    // The idempotency keys of the calls being answered now (held by injected latency): a test can act while one is.
    if (method === 'GET' && path === '/_sandbox/in-flight') return { status: 200, body: { keys: [...running] } };
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
    webhooksIdle: () => webhooks.idle(),
    stop: async () => {
      target = undefined;
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
      await webhooks.idle();
    },
  };
}
