import { randomBytes, randomInt } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { CourierApiSettings } from '../../../shared/couriers/http-courier.js';
import {
  BookingRequest,
  CancelRequest,
  CourierFailureReason,
  CourierStatus,
  QuoteRequest,
  type CourierMoney,
  type CourierQuote,
  type CourierService,
  type CourierShipment,
  type CourierTrackingEvent,
  type CourierWebhookEvent,
  type CourierWindow,
} from '../../../shared/couriers/model.js';
import { activeFaults as inForce, answerWithFaults, type PartnerSandboxFaults } from '../partner-faults.js';
import { courierWebhookSender, type CourierWebhookTarget } from './webhooks.js';

/**
 * A local courier implementing integration-files/couriers/openapi.json, so the one HTTP courier adapter runs unchanged
 * against it (only the base URL and token differ from a real courier). A booked shipment moves along its tracking
 * statuses on its own (`settings`) or on a test's command (`/_sandbox/shipments/{id}/advance`), and each move is a
 * signed `tracking.updated` webhook. `/_sandbox/*` endpoints inject faults (errors, latency, timeouts, lost answers,
 * duplicated and shuffled webhooks), replay webhooks and show the state. State lives in memory.
 */

export const COURIER_SANDBOX_TOKEN = 'courier_token_local';

/** The carrier id of the shipments the sandbox carries. */
export const COURIER_SANDBOX_ID = 'sandbox-courier';

/**
 * Deliveries to postcodes starting with one of these are refused (422 `not_serviceable`), as a real courier's area ends
 * somewhere: Shetland, and Rotherhithe (`SE16 `), which London Bridge's own delivery area reaches but the courier does
 * not, so that an order a cart may deliver there (issue 13: carts refuse addresses outside the store's area) can meet it.
 */
export const UNSERVICEABLE_POSTCODE_PREFIXES: readonly string[] = ['ZE', 'SE16 '];

/** Failures to inject into the sandbox's API calls (`partner-faults.ts`). */
export type CourierSandboxFaults = PartnerSandboxFaults;

/** How booked shipments move on their own. */
export interface CourierSandboxSettings {
  /** Each booked shipment takes one step towards `outcome` every `stepDelayMs`. */
  autoAdvance: boolean;
  stepDelayMs: number;
  /** Where the automatic steps stop. */
  outcome: 'delivered' | 'delivery_failed' | 'returned_to_sender';
  /** The reason of an automatic failed attempt. */
  failureReason: CourierFailureReason;
}

export interface CourierSandboxOptions {
  port?: number;
  token?: string;
  webhook?: CourierWebhookTarget;
  settings?: Partial<CourierSandboxSettings>;
}

/** A shipment as the sandbox keeps it: the contract's shipment and its tracking events, oldest first. */
export interface SandboxShipment extends CourierShipment {
  events: CourierTrackingEvent[];
  /** The booking's request, as sent. */
  request: BookingRequest;
}

export interface CourierSandboxState {
  counts: {
    quotes: number;
    shipments: number;
    events: number;
    webhooksDelivered: number;
    webhooksFailed: number;
    /** Calls that reached the API (after auth), faults included. */
    apiCalls: number;
    /** Bookings answered from an earlier call under the same key. */
    replays: number;
  };
  faults: CourierSandboxFaults;
  settings: CourierSandboxSettings;
  shipments: SandboxShipment[];
}

export interface CourierSandbox {
  url: string;
  port: number;
  /** What the HTTP courier adapter needs to reach this sandbox. */
  clientSettings: CourierApiSettings;
  faults(faults: CourierSandboxFaults): void;
  webhook(target: CourierWebhookTarget | undefined): void;
  settings(settings: Partial<CourierSandboxSettings>): void;
  state(): CourierSandboxState;
  /** Moves a shipment to `to` along its statuses, one event per step (the next step when `to` is absent). */
  advance(shipmentId: string, to?: CourierStatus, failureReason?: CourierFailureReason): SandboxShipment;
  /** Forgets every shipment, event, idempotency key and fault. */
  reset(): void;
  /** Resolves once queued webhooks have been delivered or given up on. */
  webhooksIdle(): Promise<void>;
  stop(): Promise<void>;
}

interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

class SandboxFailure extends Error {
  constructor(
    readonly status: number,
    readonly type: 'invalid_request' | 'authentication' | 'idempotency' | 'rate_limit' | 'api_error' | 'shipment_state',
    readonly code: string,
    message: string,
    readonly param?: string,
  ) {
    super(message);
  }
}

const failureAnswer = (f: SandboxFailure): Answer => ({
  status: f.status,
  body: { error: { type: f.type, code: f.code, message: f.message, ...(f.param ? { param: f.param } : {}) } },
});

function id(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('base64url').replace(/[-_]/g, 'x')}`;
}

/** The statuses a shipment may take next: a failed attempt is tried again or brought back; the last three end it. */
const NEXT: Record<CourierStatus, readonly CourierStatus[]> = {
  booked: ['collected', 'cancelled'],
  collected: ['in_transit'],
  in_transit: ['out_for_delivery'],
  out_for_delivery: ['delivered', 'delivery_failed'],
  delivery_failed: ['out_for_delivery', 'returned_to_sender'],
  delivered: [],
  returned_to_sender: [],
  cancelled: [],
};

/** The shortest walk from `from` to `to` (excluding `from`), or undefined when `to` cannot be reached. */
function walk(from: CourierStatus, to: CourierStatus): CourierStatus[] | undefined {
  const queue: CourierStatus[][] = [[from]];
  const seen = new Set<CourierStatus>([from]);
  while (queue.length > 0) {
    const path = queue.shift()!;
    const last = path.at(-1)!;
    if (last === to && path.length > 1) return path.slice(1);
    for (const next of NEXT[last]) {
      if (next === to) return [...path.slice(1), next];
      if (!seen.has(next)) {
        seen.add(next);
        queue.push([...path, next]);
      }
    }
  }
  return undefined;
}

const DESCRIPTIONS: Record<CourierStatus, string> = {
  booked: 'Label created, waiting for collection',
  collected: 'Collected from the store',
  in_transit: 'At the depot',
  out_for_delivery: 'On the van',
  delivered: 'Delivered to the recipient',
  delivery_failed: 'Delivery attempt failed',
  returned_to_sender: 'Returned to the store',
  cancelled: 'Cancelled before collection',
};

/** A one-page PDF naming the tracking number: enough for a printer, small enough for a sample. */
function pdfLabel(trackingNumber: string): string {
  const text = `BT /F1 24 Tf 20 100 Td (${trackingNumber}) Tj ET`;
  return [
    '%PDF-1.4',
    '1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj',
    '2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj',
    '3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 298 420] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >> endobj',
    `4 0 obj << /Length ${text.length} >> stream\n${text}\nendstream endobj`,
    '5 0 obj << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> endobj',
    'trailer << /Root 1 0 R >>',
    '%%EOF',
    '',
  ].join('\n');
}

function parseBody<T>(schema: z.ZodType<T>, body: string): T {
  let json: unknown;
  try {
    json = body === '' ? undefined : JSON.parse(body);
  } catch {
    throw new SandboxFailure(400, 'invalid_request', 'invalid_json', 'The body is not JSON.');
  }
  const result = schema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const param = issue.path.join('.');
    throw new SandboxFailure(400, 'invalid_request', 'parameter_invalid', `${param || 'body'}: ${issue.message}`, param || undefined);
  }
  return result.data;
}

/** The sandbox's tariff: a price per service, 0.50 a kg above 5 kg, and surcharges for a cold compartment and an ID check. */
function price(service: CourierService, request: Pick<QuoteRequest, 'parcels' | 'ageVerification'>): CourierMoney {
  const grams = request.parcels.reduce((sum, p) => sum + p.weightGrams, 0);
  const cold = request.parcels.some((p) => p.temperature !== 'ambient');
  const base = { timed: 695, same_day: 495, next_day: 395 }[service];
  return { amount: base + Math.max(0, Math.ceil((grams - 5_000) / 1_000)) * 50 + (cold ? 200 : 0) + (request.ageVerification ? 100 : 0), currency: 'GBP' };
}

const addMinutes = (iso: string, minutes: number) => new Date(Date.parse(iso) + minutes * 60_000).toISOString();

/** Starts the sandbox on `port` (a free one when absent) and resolves when it listens. */
export async function startCourierSandbox(options: CourierSandboxOptions = {}): Promise<CourierSandbox> {
  const token = options.token ?? COURIER_SANDBOX_TOKEN;
  const shipments = new Map<string, SandboxShipment>();
  const events = new Map<string, CourierWebhookEvent>();
  const idempotent = new Map<string, { fingerprint: string; answer: Answer }>();
  const running = new Set<string>();
  const timers = new Set<NodeJS.Timeout>();
  let quotes = 0;
  let replays = 0;
  let apiCalls = 0;
  let faults: CourierSandboxFaults = {};
  let settings: CourierSandboxSettings = { autoAdvance: true, stepDelayMs: 1_000, outcome: 'delivered', failureReason: 'not_at_home', ...options.settings };
  let target = options.webhook;
  let stopping = false;

  const activeFaults = (): CourierSandboxFaults => inForce(faults);
  const webhooks = courierWebhookSender(
    () => target,
    () => ({ duplicates: activeFaults().webhookDuplicates ?? 1, shuffle: activeFaults().webhookShuffle ?? false }),
  );

  function existing(shipmentId: string): SandboxShipment {
    const found = shipments.get(shipmentId);
    if (!found) throw new SandboxFailure(404, 'invalid_request', 'resource_missing', `No such shipment: '${shipmentId}'.`, 'shipmentId');
    return found;
  }

  /** Records one tracking event on the shipment and sends it. */
  function record(shipment: SandboxShipment, status: CourierStatus, failureReason?: CourierFailureReason): void {
    // Strictly later than the shipment's last event, so that steps taken within one millisecond keep their order in time too.
    const last = shipment.events.at(-1);
    const now = new Date(Math.max(Date.now(), last ? Date.parse(last.occurredAt) + 1 : 0)).toISOString();
    const eventId = id('evt');
    const event: CourierTrackingEvent = {
      eventId,
      shipmentId: shipment.shipmentId,
      reference: shipment.reference,
      trackingNumber: shipment.trackingNumber,
      status,
      sequence: shipment.events.length + 1,
      occurredAt: now,
      description: DESCRIPTIONS[status],
      ...(status === 'delivery_failed' ? { failureReason: failureReason ?? settings.failureReason } : {}),
      ...(status === 'out_for_delivery' ? { eta: etaWithin(shipment.deliveryWindow, now) } : {}),
      ...(status === 'delivered' ? { proofOfDelivery: { recipientName: shipment.request.delivery.recipient.name, ageVerified: shipment.ageVerification } } : {}),
    };
    shipment.events.push(event);
    shipment.status = status;
    shipment.updatedAt = now;
    if (event.eta) shipment.eta = event.eta;
    const webhook: CourierWebhookEvent = { id: eventId, type: 'tracking.updated', created: Math.floor(Date.now() / 1000), data: { object: event } };
    events.set(eventId, webhook);
    webhooks.send(JSON.stringify(webhook));
  }

  /** A 20-minute window inside the delivery window, from now on when the window has begun. */
  function etaWithin(window: CourierWindow, now: string): CourierWindow {
    const start = Math.max(Date.parse(window.from), Date.parse(now));
    const from = new Date(Math.min(start, Date.parse(window.to) - 20 * 60_000)).toISOString();
    return { from, to: addMinutes(from, 20) };
  }

  function advance(shipmentId: string, to?: CourierStatus, failureReason?: CourierFailureReason): SandboxShipment {
    const shipment = existing(shipmentId);
    const steps = to === undefined ? NEXT[shipment.status].slice(0, 1) : walk(shipment.status, to);
    if (!steps || steps.length === 0) {
      throw new SandboxFailure(409, 'shipment_state', 'not_reachable', `Shipment ${shipmentId} is ${shipment.status}; ${to ?? 'no further status'} cannot follow.`);
    }
    for (const status of steps) record(shipment, status, failureReason);
    return shipment;
  }

  /** One automatic step towards the settings' outcome, then the next one after the delay. */
  function scheduleStep(shipmentId: string): void {
    if (!settings.autoAdvance || stopping) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      const shipment = shipments.get(shipmentId);
      if (!shipment || stopping || !settings.autoAdvance) return;
      const steps = walk(shipment.status, settings.outcome);
      if (!steps?.[0]) return;
      record(shipment, steps[0]);
      scheduleStep(shipmentId);
    }, settings.stepDelayMs);
    timers.add(timer);
  }

  function quote(request: QuoteRequest): CourierQuote[] {
    refuseUnserviceable(request.delivery.address.postcode);
    const ready = request.collection.readyAt;
    const expiresAt = addMinutes(new Date().toISOString(), 15);
    const day = ready.slice(0, 10);
    const nextDay = new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    const timed = request.delivery.window ?? { from: addMinutes(ready, 60), to: addMinutes(ready, 120) };
    quotes += 1;
    return [
      { quoteId: id('qt'), service: 'timed', price: price('timed', request), deliveryWindow: timed, expiresAt },
      { quoteId: id('qt'), service: 'same_day', price: price('same_day', request), deliveryWindow: { from: ready, to: `${day}T22:00:00.000Z` }, expiresAt },
      { quoteId: id('qt'), service: 'next_day', price: price('next_day', request), deliveryWindow: { from: `${nextDay}T08:00:00.000Z`, to: `${nextDay}T18:00:00.000Z` }, expiresAt },
    ];
  }

  function refuseUnserviceable(postcode: string): void {
    if (UNSERVICEABLE_POSTCODE_PREFIXES.some((prefix) => postcode.toUpperCase().startsWith(prefix))) {
      throw new SandboxFailure(422, 'invalid_request', 'not_serviceable', `The courier does not deliver to postcode ${postcode}.`, 'delivery.address.postcode');
    }
  }

  function book(request: BookingRequest, base: string): CourierShipment {
    refuseUnserviceable(request.delivery.address.postcode);
    const { window } = request.delivery;
    if (Date.parse(window.to) <= Date.parse(window.from)) throw new SandboxFailure(400, 'invalid_request', 'parameter_invalid', 'delivery.window: to must be after from.', 'delivery.window');
    if (Date.parse(window.to) <= Date.parse(request.collection.readyAt)) {
      throw new SandboxFailure(422, 'invalid_request', 'window_unavailable', 'The delivery window ends before the parcels are ready.', 'delivery.window');
    }
    const shipmentId = id('shp');
    const trackingNumber = `CX${randomInt(1_000_000_000, 10_000_000_000)}GB`;
    const now = new Date().toISOString();
    const shipment: SandboxShipment = {
      shipmentId,
      reference: request.reference,
      status: 'booked',
      service: request.service,
      trackingNumber,
      trackingUrl: `https://track.courier.example.com/${trackingNumber}`,
      labelUrl: `${base}/v1/shipments/${shipmentId}/label`,
      price: price(request.service, request),
      deliveryWindow: window,
      parcels: request.parcels.map((p, i) => ({ parcelId: `pcl_${shipmentId.slice(4)}_${i + 1}`, reference: p.reference, weightGrams: p.weightGrams, temperature: p.temperature })),
      ageVerification: request.ageVerification,
      createdAt: now,
      updatedAt: now,
      events: [],
      request,
    };
    shipments.set(shipmentId, shipment);
    record(shipment, 'booked');
    scheduleStep(shipmentId);
    return contractShipment(shipment);
  }

  /** The contract's shipment: the sandbox's record without its events and request. */
  function contractShipment(shipment: SandboxShipment): CourierShipment {
    const { events: _events, request: _request, ...rest } = shipment;
    return structuredClone(rest);
  }

  function cancel(shipmentId: string): CourierShipment {
    const shipment = existing(shipmentId);
    if (shipment.status === 'cancelled') return contractShipment(shipment);
    if (shipment.status !== 'booked') {
      const collected = shipment.events.find((e) => e.status === 'collected')?.occurredAt;
      throw new SandboxFailure(409, 'shipment_state', 'not_cancellable', `Shipment ${shipmentId} is ${shipment.status}${collected ? ` (collected at ${collected})` : ''} and can no longer be cancelled.`);
    }
    record(shipment, 'cancelled');
    return contractShipment(shipment);
  }

  const routes: { method: string; path: RegExp; run: (match: string[], body: string, query: URLSearchParams, base: string) => Answer }[] = [
    { method: 'POST', path: /^\/v1\/quotes$/, run: (_m, body) => ({ status: 200, body: { quotes: quote(parseBody(QuoteRequest, body)) } }) },
    { method: 'POST', path: /^\/v1\/shipments$/, run: (_m, body, _q, base) => ({ status: 201, body: book(parseBody(BookingRequest, body), base) }) },
    { method: 'GET', path: /^\/v1\/shipments\/([^/]+)$/, run: ([shipmentId]) => ({ status: 200, body: contractShipment(existing(shipmentId!)) }) },
    {
      method: 'POST',
      path: /^\/v1\/shipments\/([^/]+)\/cancel$/,
      run: ([shipmentId], body) => {
        parseBody(CancelRequest.optional(), body);
        return { status: 200, body: cancel(shipmentId!) };
      },
    },
    {
      method: 'GET',
      path: /^\/v1\/shipments\/([^/]+)\/label$/,
      run: ([shipmentId], _body, query) => {
        const shipment = existing(shipmentId!);
        const format = query.get('format') ?? 'pdf';
        if (format !== 'pdf' && format !== 'zpl') throw new SandboxFailure(400, 'invalid_request', 'parameter_invalid', 'format must be pdf or zpl.', 'format');
        if (shipment.status === 'cancelled') throw new SandboxFailure(409, 'shipment_state', 'label_unavailable', `Shipment ${shipment.shipmentId} is cancelled.`);
        const file = format === 'pdf' ? pdfLabel(shipment.trackingNumber) : `^XA^FO50,50^A0N,40,40^FD${shipment.trackingNumber}^FS^XZ\n`;
        return {
          status: 200,
          body: {
            shipmentId: shipment.shipmentId,
            trackingNumber: shipment.trackingNumber,
            format,
            contentType: format === 'pdf' ? 'application/pdf' : 'application/x-zpl',
            data: Buffer.from(file, 'utf8').toString('base64'),
          },
        };
      },
    },
    { method: 'GET', path: /^\/v1\/shipments\/([^/]+)\/events$/, run: ([shipmentId]) => ({ status: 200, body: { items: existing(shipmentId!).events } }) },
  ];

  function execute(run: () => Answer): Answer {
    try {
      return structuredClone(run());
    } catch (error) {
      if (error instanceof SandboxFailure) return failureAnswer(error);
      throw error;
    }
  }

  /**
   * Runs one `/v1` call under the idempotency rules: the same key and body replay the first answer, another body is
   * a 422, and a key whose first call is still running (injected latency holds it) is a 409.
   */
  async function api(method: string, path: string, body: string, query: URLSearchParams, key: string | undefined, latencyMs: number, base: string): Promise<Answer & { replayed?: boolean }> {
    const route = routes.find((r) => r.method === method && r.path.test(path));
    if (!route) return failureAnswer(new SandboxFailure(404, 'invalid_request', 'route_unknown', `Unrecognized request URL (${method}: ${path}).`));
    const match = (route.path.exec(path) ?? []).slice(1).map(decodeURIComponent);
    if (method !== 'POST') {
      await sleep(latencyMs);
      return execute(() => route.run(match, body, query, base));
    }
    if (key === undefined || key === '') return failureAnswer(new SandboxFailure(400, 'invalid_request', 'idempotency_key_missing', 'Every POST needs an Idempotency-Key header.'));
    const fingerprint = JSON.stringify([method, path, body]);
    const earlier = idempotent.get(key);
    if (earlier) {
      if (earlier.fingerprint !== fingerprint) {
        return failureAnswer(new SandboxFailure(422, 'idempotency', 'idempotency_key_reused', `Idempotency-Key '${key}' was first used with another request; use another key for a different request.`));
      }
      replays += 1;
      return { ...structuredClone(earlier.answer), replayed: true };
    }
    if (running.has(key)) return failureAnswer(new SandboxFailure(409, 'idempotency', 'idempotency_key_in_use', 'Another request with this Idempotency-Key is in progress.'));
    running.add(key);
    try {
      await sleep(latencyMs);
      const answer = execute(() => route.run(match, body, query, base));
      // A malformed request or a missing shipment is not kept: the caller fixes the request and may use the key again.
      if (answer.status !== 400 && answer.status !== 404) idempotent.set(key, { fingerprint, answer });
      return answer;
    } finally {
      running.delete(key);
    }
  }

  function state(): CourierSandboxState {
    return structuredClone({
      counts: {
        quotes,
        shipments: shipments.size,
        events: events.size,
        webhooksDelivered: webhooks.delivered,
        webhooksFailed: webhooks.failed,
        apiCalls,
        replays,
      },
      faults,
      settings,
      shipments: [...shipments.values()],
    });
  }

  function reset(): void {
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
    shipments.clear();
    events.clear();
    idempotent.clear();
    faults = {};
    quotes = 0;
    replays = 0;
    apiCalls = 0;
  }

  const FaultsBody = z.strictObject({
    errorRate: z.number().min(0).max(1).optional(),
    errorStatus: z.union([z.literal(500), z.literal(503), z.literal(429)]).optional(),
    retryAfterSeconds: z.number().int().min(0).optional(),
    latencyMs: z.number().int().min(0).optional(),
    timeout: z.boolean().optional(),
    ackLostRate: z.number().min(0).max(1).optional(),
    webhookDuplicates: z.number().int().min(1).max(20).optional(),
    webhookShuffle: z.boolean().optional(),
    window: z.strictObject({ untilEpochMs: z.number() }).optional(),
  });
  const SettingsBody = z.strictObject({
    autoAdvance: z.boolean().optional(),
    stepDelayMs: z.number().int().min(0).optional(),
    outcome: z.enum(['delivered', 'delivery_failed', 'returned_to_sender']).optional(),
    failureReason: CourierFailureReason.optional(),
  });
  const WebhookBody = z.strictObject({ url: z.url(), secrets: z.array(z.string().min(1)).min(1).max(2) });
  const ReplayBody = z.union([z.strictObject({ eventId: z.string().min(1) }), z.strictObject({ eventIds: z.array(z.string().min(1)).min(1) })]);
  const AdvanceBody = z.strictObject({ to: CourierStatus.optional(), failureReason: CourierFailureReason.optional() });

  function sandboxControl(method: string, path: string, body: string): Answer {
    if (path === '/_sandbox/faults' && method === 'POST') {
      faults = parseBody(FaultsBody, body);
      return { status: 200, body: faults };
    }
    if (path === '/_sandbox/faults' && method === 'DELETE') {
      faults = {};
      return { status: 200, body: faults };
    }
    if (path === '/_sandbox/state' && method === 'GET') return { status: 200, body: state() };
    if (path === '/_sandbox/reset' && method === 'POST') {
      reset();
      return { status: 200, body: state() };
    }
    if (path === '/_sandbox/settings' && method === 'POST') {
      settings = { ...settings, ...parseBody(SettingsBody, body) };
      return { status: 200, body: settings };
    }
    if (path === '/_sandbox/webhooks' && method === 'PUT') {
      target = parseBody(WebhookBody, body);
      return { status: 200, body: { url: target.url, keys: target.secrets.length } };
    }
    if (path === '/_sandbox/webhooks/replay' && method === 'POST') {
      const req = parseBody(ReplayBody, body);
      const ids = 'eventId' in req ? [req.eventId] : req.eventIds;
      const replayed = ids.map((eventId) => {
        const event = events.get(eventId);
        if (!event) throw new SandboxFailure(404, 'invalid_request', 'resource_missing', `No such event: '${eventId}'.`, 'eventId');
        return event;
      });
      for (const event of replayed) webhooks.send(JSON.stringify(event));
      return { status: 200, body: { replayed: replayed.length } };
    }
    const advanceMatch = /^\/_sandbox\/shipments\/([^/]+)\/advance$/.exec(path);
    if (advanceMatch?.[1] && method === 'POST') {
      const req = parseBody(AdvanceBody.optional(), body) ?? {};
      return { status: 200, body: advance(decodeURIComponent(advanceMatch[1]), req.to, req.failureReason) };
    }
    throw new SandboxFailure(404, 'invalid_request', 'route_unknown', `Unrecognized sandbox URL (${method}: ${path}).`);
  }

  async function handle(req: IncomingMessage, res: ServerResponse, base: string): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const method = req.method ?? 'GET';
    const send = (answer: Answer & { replayed?: boolean }): void => {
      res.writeHead(answer.status, { 'content-type': 'application/json', 'request-id': id('req'), ...answer.headers, ...(answer.replayed ? { 'idempotent-replayed': 'true' } : {}) });
      res.end(JSON.stringify(answer.body));
    };
    if (url.pathname.startsWith('/_sandbox/')) return send(execute(() => sandboxControl(method, url.pathname, body)));
    if ((req.headers.authorization ?? '') !== `Bearer ${token}`) {
      return send(failureAnswer(new SandboxFailure(401, 'authentication', 'token_invalid', 'The bearer token is missing or not valid.')));
    }
    apiCalls += 1;
    const fault = activeFaults();
    const key = req.headers['idempotency-key'];
    await answerWithFaults(fault, req, res, send, (latencyMs) => api(method, url.pathname, body, url.searchParams, typeof key === 'string' ? key : undefined, latencyMs, base));
  }

  let sandboxUrl = '';
  const server = createServer((req, res) => {
    handle(req, res, sandboxUrl).catch((error: unknown) => {
      console.error('courier sandbox: request failed', error);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { type: 'api_error', code: 'sandbox_failed', message: 'The sandbox failed.' } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  sandboxUrl = `http://127.0.0.1:${port}`;
  return {
    url: sandboxUrl,
    port,
    clientSettings: { courierId: COURIER_SANDBOX_ID, baseUrl: sandboxUrl, token },
    faults: (next) => {
      faults = { ...next };
    },
    webhook: (next) => {
      target = next;
    },
    settings: (next) => {
      settings = { ...settings, ...next };
    },
    state,
    advance: (shipmentId, to, failureReason) => structuredClone(advance(shipmentId, to, failureReason)),
    reset,
    webhooksIdle: () => webhooks.idle(),
    stop: async () => {
      stopping = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      target = undefined;
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
      await webhooks.idle();
    },
  };
}
