import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCourierSandbox, type CourierSandbox } from '../../../infra/local/courier-sandbox/server.js';
import document from '../../../integration-files/couriers/openapi.json' with { type: 'json' };
import bookingSample from '../../../integration-files/couriers/samples/bookShipment.request.json' with { type: 'json' };
import quoteSample from '../../../integration-files/couriers/samples/createQuote.request.json' with { type: 'json' };
import { CourierRefusedError } from '../../../shared/couriers/courier.js';
import { httpCourier } from '../../../shared/couriers/http-courier.js';
import { BookingRequest, CourierWebhookEvent, QuoteRequest } from '../../../shared/couriers/model.js';
import { verifyCourierSignature } from '../../../shared/couriers/signing.js';
import { bookingRequestOf } from '../../../shared/orders/courier-booking.js';
import { fulfil } from '../../../shared/orders/fulfilment.js';
import { SAMPLE_STORES } from '../../../shared/stores/seed.js';
import { describe as describeErrors } from '../../support/openapi.js';
import { anOrder, AT } from '../orders/fixtures.js';

/**
 * The courier contract (integration-files/couriers/openapi.json) is what the HTTP courier adapter is written against
 * and what the courier sandbox implements: the document is valid OpenAPI 3.1; every sample in `samples/` is named after
 * an operation or the webhook and validates against its schema; every operation and the webhook has its samples; the
 * request samples are what our own schemas accept; and the sandbox's answers (through the adapter and raw) and its
 * signed webhooks keep the contract.
 */

// The request samples parse as the adapter's own request types: a field renamed on one side fails here.
const typedSamples: { booking: BookingRequest; quote: QuoteRequest } = { booking: BookingRequest.parse(bookingSample), quote: QuoteRequest.parse(quoteSample) };

interface Operation {
  operationId: string;
  /** A shared parameter by reference, or one of the operation's own inline. */
  parameters?: ({ $ref: string } | { name: string })[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { $ref: string } | { content?: Record<string, unknown> }>;
}
const doc = document as unknown as {
  paths: Record<string, Record<string, Operation>>;
  webhooks: Record<string, { post: Operation }>;
};

const DIR = 'integration-files/couriers/samples';
const samples = readdirSync(DIR).filter((f) => f.endsWith('.json'));
const read = (file: string): unknown => JSON.parse(readFileSync(join(DIR, file), 'utf8'));

const operations = Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, operation]) => ({ path, method, operation })));
const byId = new Map(operations.map((o) => [o.operation.operationId, o]));

const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
addFormats.default(ajv);
ajv.addSchema(document as object, 'courier');
const escape = (token: string) => token.replace(/~/g, '~0').replace(/\//g, '~1');
const compiled = new Map<string, ValidateFunction>();
function check(pointer: string, value: unknown): string {
  let validate = compiled.get(pointer);
  if (!validate) {
    validate = ajv.compile({ $ref: `courier${pointer}` });
    compiled.set(pointer, validate);
  }
  return validate(value) ? '' : describeErrors(validate.errors);
}

/** The schema pointer of an operation's answer with `status` (exact, else its `5XX`-style range). */
function responsePointer(operationId: string, status: number): string {
  const found = byId.get(operationId);
  if (!found) throw new Error(`no operation ${operationId}`);
  const key = [String(status), `${String(status)[0]}XX`].find((k) => k in found.operation.responses);
  if (!key) throw new Error(`${operationId} declares no ${status}`);
  const response = found.operation.responses[key]!;
  const base = '$ref' in response ? `#/components/responses/${response.$ref.split('/').at(-1)!}` : `#/paths/${escape(found.path)}/${found.method}/responses/${key}`;
  return `${base}/content/application~1json/schema`;
}

const WEBHOOK_SCHEMA = `#/webhooks/tracking.updated/post/requestBody/content/application~1json/schema`;

/** Where a sample's schema is, from its name: `<operationId>.request.json`, `<operationId>.<status>.json`, or `webhook.<type>[~<variant>].json`. */
function schemaOf(file: string): string {
  const webhook = /^webhook\.(.+?)(?:~[a-z_]+)?\.json$/.exec(file);
  if (webhook) {
    expect(Object.keys(doc.webhooks), file).toContain(webhook[1]);
    return `#/webhooks/${escape(webhook[1]!)}/post/requestBody/content/application~1json/schema`;
  }
  const [operationId, part] = file.replace(/\.json$/, '').split('.') as [string, string];
  const found = byId.get(operationId);
  expect(found, `${file} names an operation`).toBeDefined();
  if (part === 'request') {
    expect(found!.operation.requestBody, `${operationId} takes a body`).toBeDefined();
    return `#/paths/${escape(found!.path)}/${found!.method}/requestBody/content/application~1json/schema`;
  }
  expect(part, file).toMatch(/^\d{3}$/);
  return responsePointer(operationId, Number(part));
}

describe('the courier contract document', () => {
  it('is valid OpenAPI 3.1', async () => {
    await expect(SwaggerParser.validate(structuredClone(document) as never)).resolves.toBeDefined();
    expect(document.openapi).toMatch(/^3\.1\./);
  });

  it('has quote, book, read, cancel, label and tracking events, with a bearer token, and an Idempotency-Key on every POST', () => {
    expect(operations.map((o) => `${o.method.toUpperCase()} ${o.path}`).sort()).toEqual([
      'GET /v1/shipments/{shipmentId}',
      'GET /v1/shipments/{shipmentId}/events',
      'GET /v1/shipments/{shipmentId}/label',
      'POST /v1/quotes',
      'POST /v1/shipments',
      'POST /v1/shipments/{shipmentId}/cancel',
    ]);
    expect(document.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const { path, method, operation } of operations) {
      const parameters = (operation.parameters ?? []).map((p) => ('$ref' in p ? p.$ref.split('/').at(-1) : p.name));
      if (method === 'post') expect(parameters, `${method} ${path}`).toContain('IdempotencyKey');
      expect(Object.keys(operation.responses), `${method} ${path}`).toEqual(expect.arrayContaining(['401', '429', '5XX']));
    }
  });

  it('sends tracking.updated signed with Courier-Signature', () => {
    expect(Object.keys(doc.webhooks)).toEqual(['tracking.updated']);
    expect(doc.webhooks['tracking.updated']!.post.parameters).toEqual([{ $ref: '#/components/parameters/CourierSignature' }]);
  });

  it('has a request sample for every body, an answer sample for every operation, and samples of the webhook', () => {
    for (const { operation } of operations) {
      if (operation.requestBody) expect(samples, operation.operationId).toContain(`${operation.operationId}.request.json`);
      expect(samples.some((s) => new RegExp(`^${operation.operationId}\\.2\\d\\d\\.json$`).test(s)), `${operation.operationId} answer`).toBe(true);
    }
    expect(samples).toContain('webhook.tracking.updated.json');
    expect(typedSamples.booking.reference).toMatch(/^[^/]+\/[^/]+$/);
  });

  it('takes a booking made from an order’s delivery snapshot as the sample has it: recipient, phone and instructions in the delivery', () => {
    const snapshot = {
      mode: 'delivery' as const,
      slotId: '2026-11-27T17:00Z~delivery',
      address: bookingSample.delivery.address,
      recipient: { name: bookingSample.delivery.recipient.name, phone: bookingSample.delivery.recipient.phone, instructions: bookingSample.delivery.instructions },
    };
    const order = anOrder({ status: 'completed', fulfillment: snapshot });
    const packed = fulfil(order, { type: 'pack', zones: [{ zone: 'ambient', bags: 1, lineIds: order.lines.map((l) => l.lineId) }] }, AT, 'pat').order;
    const store = { ...SAMPLE_STORES[0]!, address: bookingSample.collection.address, createdAt: AT.toISOString(), updatedAt: AT.toISOString() };
    const request = bookingRequestOf(packed, store, '2', [], packed.packing!.bags);
    expect(check(`#/paths/${escape('/v1/shipments')}/post/requestBody/content/application~1json/schema`, request)).toBe('');
    expect(request.delivery).toEqual({ ...bookingSample.delivery, window: request.delivery.window });
  });

  it.each(samples)('%s validates against its schema', (file) => {
    expect(check(schemaOf(file), read(file))).toBe('');
    if (file.startsWith('webhook.')) {
      const event = read(file) as { id: string; type: string; data: { object: { eventId: string } } };
      expect(file).toMatch(new RegExp(`^webhook\\.${event.type.replace('.', '\\.')}[.~]`));
      expect(event.id).toBe(event.data.object.eventId);
      // What the receiver parses it with accepts it too.
      expect(CourierWebhookEvent.safeParse(event).success, file).toBe(true);
    }
  });
});

describe('the courier sandbox keeps the contract', () => {
  let sandbox: CourierSandbox;
  let receiver: Server;
  const received: { body: string; signature: string | undefined }[] = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const signature = req.headers['courier-signature'];
        received.push({ body: Buffer.concat(chunks).toString('utf8'), signature: typeof signature === 'string' ? signature : undefined });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/orders`;
    sandbox = await startCourierSandbox({ webhook: { url, secrets: ['courier_whsec_new', 'courier_whsec_old'] }, settings: { autoAdvance: false } });
  });
  afterAll(async () => {
    await sandbox.stop();
    await new Promise((resolve) => receiver.close(resolve));
  });

  async function call(method: 'GET' | 'POST', path: string, body?: unknown, key?: string, token = sandbox.clientSettings.token): Promise<{ status: number; body: unknown; headers: Headers }> {
    const response = await fetch(`${sandbox.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: await response.json(), headers: response.headers };
  }

  function expectAnswer(operationId: string, answer: { status: number; body: unknown }, status: number): void {
    expect(answer.status, JSON.stringify(answer.body)).toBe(status);
    expect(check(responsePointer(operationId, answer.status), answer.body), operationId).toBe('');
  }

  it('answers every operation through the adapter as the document says, and every refusal raw', async () => {
    const courier = httpCourier(sandbox.clientSettings);
    const quotes = await courier.quote(typedSamples.quote);
    expect(quotes.map((q) => q.service).sort()).toEqual(['next_day', 'same_day', 'timed']);
    expectAnswer('createQuote', { status: 200, body: { quotes } }, 200);

    const booked = await courier.book(typedSamples.booking, 'shipment:contract:1');
    expectAnswer('bookShipment', { status: 201, body: booked }, 201);
    expect(booked).toMatchObject({ reference: typedSamples.booking.reference, status: 'booked', ageVerification: true });
    // The same key and body: the first booking back, and no second shipment.
    const replay = await call('POST', '/v1/shipments', typedSamples.booking, 'shipment:contract:1');
    expectAnswer('bookShipment', replay, 201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect((replay.body as { shipmentId: string }).shipmentId).toBe(booked.shipmentId);
    expect(sandbox.state().counts.shipments).toBe(1);

    expectAnswer('getShipment', await call('GET', `/v1/shipments/${booked.shipmentId}`), 200);
    const label = await courier.label(booked.shipmentId, 'pdf');
    expectAnswer('getLabel', { status: 200, body: label }, 200);
    expect(Buffer.from(label.data, 'base64').toString('utf8')).toMatch(/^%PDF-1\.4/);
    expectAnswer('getLabel', { status: 200, body: await courier.label(booked.shipmentId, 'zpl') }, 200);

    sandbox.advance(booked.shipmentId, 'delivered');
    const events = await courier.trackingEvents(booked.shipmentId);
    expect(events.map((e) => [e.sequence, e.status])).toEqual([
      [1, 'booked'],
      [2, 'collected'],
      [3, 'in_transit'],
      [4, 'out_for_delivery'],
      [5, 'delivered'],
    ]);
    expectAnswer('listTrackingEvents', { status: 200, body: { items: events } }, 200);

    const other = await courier.book({ ...typedSamples.booking, reference: 'order-2/1' }, 'shipment:contract:2');
    expectAnswer('cancelShipment', { status: 200, body: await courier.cancel(other.shipmentId, 'cancel:contract:2', 'Order cancelled') }, 200);

    expectAnswer('bookShipment', await call('POST', '/v1/shipments', { ...typedSamples.booking, service: 'same_day' }, 'shipment:contract:1'), 422);
    expectAnswer('bookShipment', await call('POST', '/v1/shipments', typedSamples.booking), 400);
    expectAnswer('bookShipment', await call('POST', '/v1/shipments', { ...typedSamples.booking, parcels: [] }, 'shipment:contract:3'), 400);
    const faraway = { ...typedSamples.booking, delivery: { ...typedSamples.booking.delivery, address: { ...typedSamples.booking.delivery.address, postcode: 'ZE2 9XX' } } };
    expectAnswer('bookShipment', await call('POST', '/v1/shipments', faraway, 'shipment:contract:4'), 422);
    await expect(courier.book(faraway, 'shipment:contract:5')).rejects.toMatchObject({ name: CourierRefusedError.name, status: 422, code: 'not_serviceable' });
    expectAnswer('cancelShipment', await call('POST', `/v1/shipments/${booked.shipmentId}/cancel`, {}, 'cancel:contract:1'), 409);
    expectAnswer('getShipment', await call('GET', '/v1/shipments/shp_missing'), 404);
    expectAnswer('listTrackingEvents', await call('GET', '/v1/shipments/shp_missing/events'), 404);
    expectAnswer('getLabel', await call('GET', `/v1/shipments/${other.shipmentId}/label`), 409);
    expectAnswer('getShipment', await call('GET', `/v1/shipments/${booked.shipmentId}`, undefined, undefined, 'wrong'), 401);
    sandbox.faults({ errorRate: 1, errorStatus: 429 });
    const limited = await call('POST', '/v1/quotes', typedSamples.quote, 'quote:limited');
    expectAnswer('createQuote', limited, 429);
    expect(limited.headers.get('retry-after')).toBe('1');
    sandbox.faults({ errorRate: 1, errorStatus: 503 });
    expectAnswer('bookShipment', await call('POST', '/v1/shipments', typedSamples.booking, 'shipment:contract:6'), 503);
    sandbox.faults({});
  });

  it('signs every webhook with each key of a rotation, in the shape of the document', async () => {
    await sandbox.webhooksIdle();
    expect(received.length).toBeGreaterThanOrEqual(7);
    for (const { body, signature } of received) {
      expect(verifyCourierSignature(body, signature, ['courier_whsec_new']), body).toBe('ok');
      expect(verifyCourierSignature(body, signature, ['courier_whsec_old']), body).toBe('ok');
      expect(verifyCourierSignature(body, signature, ['courier_whsec_other']), body).toBe('bad-signature');
      expect(check(WEBHOOK_SCHEMA, JSON.parse(body))).toBe('');
    }
    const statuses = received.map((r) => (JSON.parse(r.body) as CourierWebhookEvent).data.object.status);
    expect(statuses).toEqual(expect.arrayContaining(['booked', 'collected', 'in_transit', 'out_for_delivery', 'delivered', 'cancelled']));
  });
});
