import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';
import Stripe from 'stripe';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { localDynamoClient } from '../../infra/local/engines/dynamodb.js';
import { LOCAL_BILLING_WEBHOOK_SECRET, LOCAL_COURIER_WEBHOOK_SECRET, LOCAL_WEBHOOK_SECRET } from '../../infra/local/resources.js';
import { genericStatusesOf, ownStatusesOf, type Operation, type Schema } from '../../integration-files/openapi/build-openapi.js';
import { signWebhook } from '../../shared/billing/signing.js';
import { signCourierWebhook } from '../../shared/couriers/signing.js';
import { keys } from '../../shared/db/keys.js';
import { ApiClient, type ApiResponse, type Credentials, type Problem, type RequestOptions } from '../support/api-client.js';
import { eventually, problem } from '../support/e2e.js';
import { findOperation, openApiDocument, ResponseValidator } from '../support/openapi.js';
import { localRuntime, SandboxLedger } from '../support/payments-sandbox.js';
import { sampleSkus } from '../support/sample-skus.js';

/**
 * The OpenAPI document says no less than the API enforces, and no more. For every operation of the document (a
 * fixture per operation builds a valid request from the sample data and this file's own category, products, carts
 * and orders at `manchester-piccadilly`, a store no other e2e file orders at):
 *
 * - without each required part (header, query parameter, the body, each required top-level body field, and the
 *   credentials of a secured operation) the request is refused, 400, or 401 for a missing credential: the bearer
 *   token or API key of a secured operation, or the signature header of a webhook (the document's 401 on a public
 *   operation), and the refusal changes nothing the operation would change;
 * - without each optional part the request still succeeds, and of a group of parts of which one is required (a
 *   body's `oneOf`/`anyOf` of `required`, or `x-smartshelf-required-one-of` across header and body) any one is
 *   enough and none is a 400;
 * - behind the idempotency middleware, a repeat gets the first answer and the key with another body a 422;
 * - each status the operation documents for itself (its successes and its problems: `ownStatusesOf`, not those
 *   every operation of its kind has from the gateway and the middleware, `genericStatusesOf`) is produced by some
 *   request here, or is listed in `UNPROVOKED` with the reason.
 *
 * Path parameters are not removed: a path without a segment is another path, which the router answers, not the
 * operation. Every response is checked against the document by the e2e client, so a status the document does not
 * list for an operation fails the test that provoked it.
 */

const run = Date.now().toString(36);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const STORE = 'manchester-piccadilly';
const doc = openApiDocument;

// ---------------------------------------------------------------------------------------------
// A client that records which statuses each operation answered with.

/**
 * Per operation, the statuses it answered with, except those the idempotency middleware gave (a reused key, a request
 * in progress): they are every idempotent operation's, so they prove nothing about the operation's own 409 or 422.
 */
const observed = new Map<string, Set<string>>();
const MIDDLEWARE_PROBLEMS = /\/(idempotency-key-reused|request-in-progress)$/;
/**
 * Operations that handle their Idempotency-Key themselves rather than through the middleware: their
 * `idempotency-key-reused` is their own documented 409, so it counts as theirs.
 */
const OWN_IDEMPOTENCY = new Set(['POST /api-keys', 'POST /webhook-endpoints']);

class RecordingClient extends ApiClient {
  constructor(baseUrl: string, credentials: Credentials = {}) {
    super(baseUrl, credentials);
  }

  override as(credentials: Credentials): RecordingClient {
    return new RecordingClient(this.baseUrl, credentials);
  }

  override async request<T = unknown>(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    let response = await super.request<T>(method, path, options);
    // One shopper holds and checks out at most 10 times a minute (issue 11), fewer than this file's fixtures need: it
    // waits as told, like a well-behaved client, and the throttle is no status of the operation's own.
    if (response.status === 429 && (response.body as { type?: string } | undefined)?.type?.endsWith('/too-many-requests')) {
      await new Promise((resolve) => setTimeout(resolve, Number(response.headers.get('retry-after')) * 1000 + 100));
      response = await super.request<T>(method, path, options);
    }
    const match = findOperation(method, path)!;
    const key = `${match.method} ${match.template}`;
    if (!OWN_IDEMPOTENCY.has(key) && MIDDLEWARE_PROBLEMS.test((response.body as { type?: string } | undefined)?.type ?? '')) return response;
    if (!observed.has(key)) observed.set(key, new Set());
    observed.get(key)!.add(String(response.status));
    return response;
  }
}

const api = new RecordingClient(inject('baseUrl'));
const admin = api.as({ apiKey: inject('adminApiKey') });
let shopper: RecordingClient;

let sequence = 0;
const unique = (prefix: string) => `${prefix}-${run}-${(sequence += 1)}`;
const upper = (prefix: string) => unique(prefix).toUpperCase().replace(/[^A-Z0-9-]/g, '-');

/** A fresh API key for a harmless catalog feed, made by the admin: its id. */
async function newApiKey(): Promise<string> {
  const response = await admin.post<{ id: string }>('/api-keys', { name: unique('Fixture feed'), roles: ['catalog-feed'] }, { headers: { 'Idempotency-Key': unique('key') } });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body.id;
}

/**
 * Where this file's webhook endpoints point: nothing listens there. They are made disabled and subscribed to a rare
 * event, and the create's probes delete any left enabled (a create without `enabled` makes an enabled one).
 */
const HOOK_URL = `http://127.0.0.1:9/openapi-required/${run}`;

/** A fresh, disabled webhook endpoint made by the admin: its id. */
async function newWebhookEndpoint(): Promise<string> {
  const body = { url: HOOK_URL, eventTypes: ['customer.erased'], enabled: false };
  const response = await admin.post<{ id: string }>('/webhook-endpoints', body, { headers: { 'Idempotency-Key': unique('key') } });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body.id;
}

let hooked: Promise<{ endpointId: string; deliveryId: string }> | undefined;

/**
 * An enabled endpoint of this file's, subscribed to stock adjustments, with one delivery (of an adjustment at this
 * file's store) that a receiver here accepted. Made once; the range replay's probes disable it when done.
 */
function hookedDelivery(): Promise<{ endpointId: string; deliveryId: string }> {
  hooked ??= (async () => {
    const receiver = createServer((request, response) => {
      request.resume();
      request.on('end', () => response.writeHead(204).end());
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiver.unref();
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/openapi-required/${run}`;
    const made = await admin.post<{ id: string }>('/webhook-endpoints', { url, eventTypes: ['inventory.adjusted'] }, { headers: { 'Idempotency-Key': unique('key') } });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const adjusted = await admin.post('/inventory/adjustments', { sku: fixed.variants[0]!.sku, storeId: STORE, delta: 1, reason: 'delivery' }, { headers: { 'Idempotency-Key': unique('adjust') } });
    expect(adjusted.status, JSON.stringify(adjusted.body)).toBe(201);
    const delivery = await eventually('a delivery of the stock adjustment', async () => {
      const { body } = await admin.get<{ items: { id: string; status: string }[] }>(`/webhook-endpoints/${made.body.id}/deliveries?status=succeeded`);
      return body.items[0];
    });
    return { endpointId: made.body.id, deliveryId: delivery.id };
  })();
  return hooked;
}

/** A delivery id of nothing: well-formed, for a 404. */
const GHOST_DELIVERY = `dlv_${Buffer.from('2020-01-01T00:00:00.000Z#nothing', 'utf8').toString('base64url')}`;

async function tokenClient(subject: string, roles: string[]): Promise<RecordingClient> {
  return api.as({ token: await api.mintToken(subject, roles) });
}

// ---------------------------------------------------------------------------------------------
// Requests and their parts.

interface Call {
  client: ApiClient;
  /** The concrete path, without the query string. */
  path: string;
  query?: Record<string, string>;
  /** Header names as the document spells them; compared without case. */
  headers?: Record<string, string>;
  /** A JSON value, a string (sent with `contentType`) or FormData. */
  body?: unknown;
  contentType?: string;
  /** Send no credentials at all. */
  anonymous?: boolean;
}

interface Fixture {
  /** A valid request, afresh for every attempt (operations with side effects make new carts, orders, keys). */
  build: () => Promise<Call>;
  /** What the valid request, and the request without any one optional part, answers. */
  ok: number;
  /** What the operation would change, read before and after each refused request: it must not differ. */
  state?: (call: Call) => Promise<unknown>;
  /**
   * Parts the document lists as optional that this request needs anyway, for a reason the document gives in words
   * (a condition OpenAPI cannot state): each is expected to be a 400 when left out.
   */
  neededHere?: Record<string, string>;
  /** Parts that only make sense with another: leaving out the key part leaves these out too (the document says why). */
  together?: Record<string, string[]>;
  /** Requests that provoke the statuses the valid request and the missing parts do not. */
  probes?: () => Promise<void>;
}

const headerName = (headers: Record<string, string> | undefined, name: string) =>
  Object.keys(headers ?? {}).find((h) => h.toLowerCase() === name.toLowerCase());

function split(part: string): [string, string] {
  const at = part.indexOf(':');
  return at < 0 ? [part, ''] : [part.slice(0, at), part.slice(at + 1)];
}

function has(call: Call, part: string): boolean {
  const [kind, name] = split(part);
  if (part === 'credentials') return !call.anonymous;
  if (part === 'body') return call.body !== undefined;
  if (kind === 'header') return headerName(call.headers, name) !== undefined;
  if (kind === 'query') return call.query?.[name] !== undefined;
  if (call.body instanceof FormData) return call.body.has(name);
  return typeof call.body === 'object' && call.body !== null && name in call.body;
}

function without(call: Call, part: string): Call {
  const [kind, name] = split(part);
  if (part === 'credentials') return { ...call, anonymous: true };
  if (part === 'body') return { ...call, body: undefined, contentType: undefined };
  if (kind === 'header') {
    const found = headerName(call.headers, name);
    return { ...call, headers: Object.fromEntries(Object.entries(call.headers ?? {}).filter(([h]) => h !== found)) };
  }
  if (kind === 'query') return { ...call, query: Object.fromEntries(Object.entries(call.query ?? {}).filter(([q]) => q !== name)) };
  if (call.body instanceof FormData) {
    const form = new FormData();
    for (const [field, value] of call.body.entries()) if (field !== name) form.append(field, value);
    return { ...call, body: form };
  }
  const { [name]: _removed, ...rest } = call.body as Record<string, unknown>;
  return { ...call, body: rest };
}

function send<T = unknown>(method: string, call: Call): Promise<ApiResponse<T>> {
  const query = new URLSearchParams(call.query ?? {}).toString();
  return call.client.request<T>(method, `${call.path}${query ? `?${query}` : ''}`, {
    ...(call.headers ? { headers: call.headers } : {}),
    ...(call.body === undefined ? {} : { body: call.body }),
    ...(call.contentType ? { contentType: call.contentType } : {}),
    ...(call.anonymous ? { token: null } : {}),
  });
}

const validator = new ResponseValidator();
const escape = (token: string) => token.replace(/~/g, '~0').replace(/\//g, '~1');

function mediaTypeOf(call: Call): string {
  if (call.body instanceof FormData) return 'multipart/form-data';
  return call.contentType ?? 'application/json';
}

/** The body schema the call's body is sent under: a `$ref` followed, and of a union of objects the branch it matches. */
function bodySchema(template: string, method: string, operation: Operation, call: Call): Schema | undefined {
  const mediaType = mediaTypeOf(call);
  const media = operation.requestBody?.content[mediaType];
  if (!media) return undefined;
  let pointer = `#/paths/${escape(template)}/${method.toLowerCase()}/requestBody/content/${escape(mediaType)}/schema`;
  let schema = media.schema as Schema;
  if (typeof schema.$ref === 'string') {
    pointer = schema.$ref;
    schema = doc.components.schemas[schema.$ref.split('/').at(-1)!]!;
  }
  const union = (schema.oneOf ?? schema.anyOf) as Schema[] | undefined;
  if (union && union.every((branch) => 'properties' in branch)) {
    const at = union.findIndex((_branch, i) => validator.schemaAt(`${pointer}/${schema.oneOf ? 'oneOf' : 'anyOf'}/${i}`)(call.body));
    expect(at, `${method} ${template}: the fixture's body matches no branch of its schema`).toBeGreaterThanOrEqual(0);
    return union[at];
  }
  return schema;
}

interface Parts {
  required: string[];
  optional: string[];
  /** Of each group one part is required. */
  groups: string[][];
}

function partsOf(template: string, method: string, operation: Operation, call: Call): Parts {
  const parts: Parts = { required: [], optional: [], groups: [] };
  if (operation.security) parts.required.push('credentials');
  for (const parameter of operation.parameters ?? []) {
    if (parameter.in === 'path') continue;
    (parameter.required ? parts.required : parts.optional).push(`${parameter.in}:${parameter.name}`);
  }
  if (operation.requestBody) (operation.requestBody.required ? parts.required : parts.optional).push('body');
  const schema = call.body === undefined || typeof call.body === 'string' ? undefined : bodySchema(template, method, operation, call);
  if (schema) {
    const required = new Set((schema.required as string[] | undefined) ?? []);
    for (const field of Object.keys((schema.properties as Record<string, unknown> | undefined) ?? {})) {
      (required.has(field) ? parts.required : parts.optional).push(`body:${field}`);
    }
    const alternatives = (schema.oneOf ?? schema.anyOf) as Schema[] | undefined;
    if (alternatives && alternatives.every((branch) => Object.keys(branch).join() === 'required')) {
      parts.groups.push(alternatives.map((branch) => {
        const fields = branch.required as string[];
        expect(fields, `${method} ${template}: a required alternative of more than one field`).toHaveLength(1);
        return `body:${fields[0]!}`;
      }));
    }
  }
  parts.groups.push(...(operation['x-smartshelf-required-one-of'] ?? []));
  const grouped = new Set(parts.groups.flat());
  parts.optional = parts.optional.filter((part) => !grouped.has(part));
  return parts;
}

/** 401 for a missing credential: the token or key of a secured operation, or the header a public operation that answers 401 authenticates by. */
function missingStatus(operation: Operation, part: string): number {
  if (part === 'credentials') return 401;
  if (!operation.security && '401' in operation.responses && part.startsWith('header:')) return 401;
  return 400;
}

/**
 * A refusal that names what is missing (in its type, detail or failing fields), so it is refused for that reason; for
 * a group of body fields, a rule over the whole body (a failing field `body`: "must change at least one field") will do.
 */
function expectNames(response: ApiResponse, parts: string[], what: string, group: boolean): void {
  const text = JSON.stringify(response.body).toLowerCase();
  const names = parts.map((part) => (part === 'body' ? 'body' : split(part)[1].toLowerCase()));
  const wholeBody = group && parts.every((part) => part.startsWith('body:')) && (response.body as Problem).errors?.some((e) => e.field === 'body');
  expect(wholeBody || names.some((name) => text.includes(name)), `${what}: the problem does not name ${names.join(' or ')}: ${text}`).toBe(true);
}

/** The same request with another body, for the idempotency middleware's reused-key check. */
function otherBody(body: unknown): unknown {
  if (body instanceof FormData) {
    const form = new FormData();
    for (const [field, value] of body.entries()) form.append(field, value);
    form.append('replayProbe', '1');
    return form;
  }
  if (typeof body === 'string') return `${body}\n`;
  return { ...(body as Record<string, unknown>), replayProbe: true };
}

// ---------------------------------------------------------------------------------------------
// This file's own catalog, stock, carts and orders.

interface Product {
  id: string;
  version: number;
  variants: { sku: string }[];
}
interface Cart {
  id: string;
  version: number;
  status: string;
  lines: { lineId: string }[];
  coupons: string[];
  loyaltyPoints: number;
}
interface Order {
  id: string;
  status: string;
  failureCode?: string;
  lines: { lineId: string; quantity: Record<string, number> }[];
  payment: { captured: number; refunded: number };
  fulfillmentStatus?: string;
  packing?: { bags: { label: string }[] };
  shipments?: { id: string; status: string }[];
  collection?: { status: string; failedAttempts: number; handoverCode?: string };
}
interface Slot {
  id: string;
  mode: string;
  available: boolean;
  remaining: number;
  minimumOrder: { amount: number };
  startsAtLocal: string;
  cutoffAt: string;
}

const FIXED_PRICE = 3000;
const WEIGHED_PRICE = 5000;
let categoryId: string;
let fixed: Product;
let weighed: Product;
let scarce: Product;
let couponCode: string;
let futurePromotionId: string;
let slots: Slot[];
let pickupSlots: Slot[];
let fixedCount: number;
let weighedGrams: number;
let sampleProductId: string;
let reconciled: Promise<unknown>;
const RECONCILED_DAY = '2002-02-02';
const held: string[] = [];
const address = { line1: '45 Newton Street', city: 'Manchester', postcode: 'M1 1FT', country: 'GB' };
const today = () => new Date().toISOString().slice(0, 10);

function once<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => (made ??= make());
}

async function createProduct(name: string, soldBy: 'each' | 'weight', price: number, stock: number, ageRestricted = false): Promise<Product> {
  const sku = upper('OA');
  const variant = soldBy === 'each' ? { sku, name: 'one', soldBy, price: { amount: price, currency: 'GBP' } } : { sku, name: 'per kg', soldBy, price: { amount: price, currency: 'GBP' }, averageWeightGrams: 500 };
  const created = await admin.post<Product>('/products', { name: `${name} ${run}`, categoryId, taxCategory: 'food', ageRestricted, tags: ['openapi-e2e'], variants: [variant] });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const adjusted = await admin.post('/inventory/adjustments', { sku, storeId: STORE, setTo: stock, reason: 'stock-take' });
  expect(adjusted.status, JSON.stringify(adjusted.body)).toBe(201);
  return created.body;
}

let slotTurn = 0;
/** The store's delivery slots in turn, so that this file's holds and orders never fill one. */
function nextSlot(): string {
  slotTurn += 1;
  return slots[slotTurn % slots.length]!.id;
}

/** An open cart of the shopper's (or `owner`'s) at the store, with lines of these products and, unless told otherwise, a delivery slot (or `choice`). */
async function cartWith(lines: { sku: string; quantity: Record<string, number>; substitution?: string }[], withSlot = true, choice?: Record<string, unknown>, owner: ApiClient = shopper): Promise<Cart> {
  const created = await owner.post<Cart>('/carts', { storeId: STORE });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  let cart = created.body;
  for (const line of lines) {
    const added = await owner.post<Cart>(`/carts/${cart.id}/lines`, line);
    expect(added.status, JSON.stringify(added.body)).toBe(200);
    cart = added.body;
  }
  if (withSlot) {
    const chosen = await owner.request<Cart>('PUT', `/carts/${cart.id}/fulfillment`, { body: choice ?? { mode: 'delivery', slotId: nextSlot(), address } });
    expect(chosen.status, JSON.stringify(chosen.body)).toBe(200);
    cart = chosen.body;
  }
  return cart;
}

const fixedLine = () => ({ sku: fixed.variants[0]!.sku, quantity: { count: fixedCount } });
const weighedLine = () => ({ sku: weighed.variants[0]!.sku, quantity: { grams: weighedGrams } });

/**
 * Runs `probe` while the store delivers only to `area`, then puts the store back as it was. A store's areas are data
 * (migration 0004-store-areas), with no route to change them: the store's item is written directly.
 */
async function withDeliveryArea(area: { districts: string[]; prefixes: string[] }, probe: () => Promise<unknown>): Promise<void> {
  const runtime = await localRuntime(inject('dataDir'));
  const db = DynamoDBDocumentClient.from(localDynamoClient(runtime.endpoints.dynamodb));
  const { Item } = await db.send(new GetCommand({ TableName: runtime.tableName, Key: keys.store(STORE), ConsistentRead: true }));
  expect(Item).toBeDefined();
  await db.send(new PutCommand({ TableName: runtime.tableName, Item: { ...Item, deliveryArea: area } }));
  try {
    await probe();
  } finally {
    await db.send(new PutCommand({ TableName: runtime.tableName, Item }));
  }
}

async function heldCart(): Promise<Cart> {
  // One shopper holds at most 2 baskets per store (issue 11): each probe needs one held cart, so the last one is let go.
  for (const id of held.splice(0)) await shopper.request('DELETE', `/carts/${id}/hold`);
  const cart = await cartWith([fixedLine()]);
  const hold = await shopper.post<Cart>(`/carts/${cart.id}/hold`);
  expect(hold.status, JSON.stringify(hold.body)).toBe(200);
  held.push(cart.id);
  return hold.body;
}

const cartState = async (cartId: string) => {
  const { body } = await shopper.get<Cart>(`/carts/${cartId}`);
  return { version: body.version, status: body.status, lines: body.lines.length, coupons: body.coupons, loyaltyPoints: body.loyaltyPoints };
};

async function orderOf(id: string): Promise<Order> {
  return (await admin.get<Order>(`/orders/${id}`)).body;
}

async function settled(id: string, statuses: string[]): Promise<Order> {
  const order = await eventually(`order ${id} to be ${statuses.join(' or ')}`, async () => {
    const now = await orderOf(id);
    return statuses.includes(now.status) || now.status === 'failed' ? now : undefined;
  }, 60_000);
  expect(order.status, JSON.stringify(order)).not.toBe('failed');
  return order;
}

interface CheckoutOptions {
  /** The cart's fulfilment choice; a delivery slot of the store when left out. */
  choice?: Record<string, unknown>;
  dateOfBirth?: string;
}

async function checkout(lines: { sku: string; quantity: Record<string, number>; substitution?: string }[], options: CheckoutOptions = {}): Promise<{ order: Order; cartId: string }> {
  const cart = await cartWith(lines, true, options.choice);
  const body = { cartId: cart.id, paymentMethod: 'pm_card_visa', ...(options.dateOfBirth ? { dateOfBirth: options.dateOfBirth } : {}) };
  // Until the `carts-order-holds` consumer counts this shopper's last order off its hold limits (its payment settled a
  // moment ago), a new order of the same goods may be over them: the shopper tries again, as the 409 invites.
  const started = await eventually(`checkout of cart ${cart.id} within the hold limits`, async () => {
    const response = await shopper.post<Order>('/checkout', body, { headers: { 'Idempotency-Key': unique('checkout') } });
    const limited = response.status === 409 && JSON.stringify(response.body).includes('the hold limits');
    return limited ? undefined : response;
  }, 30_000);
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  return { order: started.body, cartId: cart.id };
}

/** A completed order of fixed-price goods (captured at once). */
const completedOrder = async () => settled((await checkout([fixedLine()])).order.id, ['completed']);
/** An order of weighed goods, waiting to be picked. */
const pickingOrder = async () => settled((await checkout([weighedLine()])).order.id, ['picking']);

const ordersForPick = once(pickingOrder);
/** An order picked with a best match proposed for its weighed line (another product of the category), waiting for the shopper’s answer. */
const proposedOrder = once(async () => {
  const order = await settled((await checkout([{ ...weighedLine(), substitution: 'best-match' }])).order.id, ['picking']);
  const substitute = await createProduct('Substitute', 'weight', WEIGHED_PRICE, 10_000);
  const line = order.lines[0]!;
  const picked = await admin.post<{ order: Order }>(`/orders/${order.id}/pick`, { lines: [{ lineId: line.lineId, quantity: { grams: line.quantity.grams! }, substitute: { sku: substitute.variants[0]!.sku } }] });
  expect(picked.status, JSON.stringify(picked.body)).toBe(200);
  return picked.body.order;
});
const orderForCancel = once(pickingOrder);
const orderForRefund = once(completedOrder);
const orderToRead = once(completedOrder);

/** An order of `count` of the fixed product, packed in `zone`, sent by own van and delivered: goods its shopper may return. */
async function deliveredOrder(zone: 'ambient' | 'chilled', count: number): Promise<Order> {
  const order = await settled((await checkout([{ sku: fixed.variants[0]!.sku, quantity: { count } }])).order.id, ['completed']);
  const packed = await admin.post(`/orders/${order.id}/pack`, { zones: [{ zone, bags: 1, lineIds: [order.lines[0]!.lineId] }] });
  expect(packed.status, JSON.stringify(packed.body)).toBe(200);
  const sent = await admin.post<{ shipment: { id: string } }>(`/orders/${order.id}/shipments`, { carrier: 'own-van' }, { headers: { 'Idempotency-Key': unique('van') } });
  expect(sent.status, JSON.stringify(sent.body)).toBe(201);
  for (const type of ['out-for-delivery', 'delivered']) {
    const step = await admin.post(`/orders/${order.id}/shipments/${sent.body.shipment.id}/events`, { type });
    expect(step.status, JSON.stringify(step.body)).toBe(200);
  }
  return orderOf(order.id);
}

/** Packed chilled, its goods are fresh food: each return of some is refunded at once, never sent back. */
const freshOrder = once(() => deliveredOrder('chilled', 12));
/** Packed ambient, its goods are sent back: each return waits to be received and inspected. */
const sentBackOrder = once(() => deliveredOrder('ambient', 20));
const orderToReturnFrom = once(pickingOrder);

/** A new return of one of the order's goods, made by its shopper; `received` once staff have the goods. */
async function aReturn(order: Order, received = false): Promise<{ id: string; lineId: string }> {
  const lineId = order.lines[0]!.lineId;
  const body = order === (await freshOrder()) ? { lines: [{ lineId, quantity: 1, reason: 'damaged' }] } : { lines: [{ lineId, quantity: 1, reason: 'changed-mind' }], method: 'drop-off' };
  const made = await shopper.post<{ id: string }>(`/orders/${order.id}/returns`, body, { headers: { 'Idempotency-Key': unique('return') } });
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  if (received) expect((await admin.post(`/orders/${order.id}/returns/${made.body.id}/receive`, {})).status).toBe(200);
  return { id: made.body.id, lineId };
}
const returnToRead = once(async () => aReturn(await freshOrder()));

/** A completed order of the fixed product (or `lines`), every line packed in one ambient bag. */
async function packedOrder(options: CheckoutOptions = {}, lines = [fixedLine()]): Promise<Order> {
  const order = await settled((await checkout(lines, options)).order.id, ['completed']);
  const packed = await admin.post<Order>(`/orders/${order.id}/pack`, { zones: [{ zone: 'ambient', bags: 1, lineIds: order.lines.map((line) => line.lineId) }] });
  expect(packed.status, JSON.stringify(packed.body)).toBe(200);
  return packed.body;
}
const pickup = () => ({ mode: 'pickup', slotId: pickupSlots[(slotTurn += 1) % pickupSlots.length]!.id });
const dispatchOf = (orderId: string, body: Record<string, unknown>) => admin.post<{ shipment: { id: string } }>(`/orders/${orderId}/shipments`, body, { headers: { 'Idempotency-Key': unique('dispatch') } });

const orderToPack = once(async () => settled((await checkout([fixedLine()])).order.id, ['completed']));
let toDispatch: Promise<Order> | undefined;
/** A packed delivery order nothing has left yet: the same one until a dispatch sends its goods, then a new one. */
async function orderToDispatch(): Promise<Order> {
  if (toDispatch && (await orderOf((await toDispatch).id)).fulfillmentStatus === 'packed') return toDispatch;
  return (toDispatch = packedOrder());
}
/** A shipment by own van, `dispatched`, and its order. */
async function vanShipment(options: CheckoutOptions = {}, lines = [fixedLine()]): Promise<{ orderId: string; shipmentId: string }> {
  const order = await packedOrder(options, lines);
  const sent = await dispatchOf(order.id, { carrier: 'own-van' });
  expect(sent.status, JSON.stringify(sent.body)).toBe(201);
  return { orderId: order.id, shipmentId: sent.body.shipment.id };
}
const shipmentToStep = once(() => vanShipment());
/** A pickup order ready for collection, its code as its shopper sees it. */
async function readyPickupOrder(): Promise<{ order: Order; code: string }> {
  const order = await packedOrder({ choice: pickup() });
  const ready = await admin.post(`/orders/${order.id}/collection`, {});
  expect(ready.status, JSON.stringify(ready.body)).toBe(200);
  return { order, code: (await shopper.get<Order>(`/orders/${order.id}`)).body.collection!.handoverCode! };
}
const orderToCollect = once(async () => packedOrder({ choice: pickup() }));
const orderToHandOver = once(readyPickupOrder);

const fulfilmentState = async (call: Call) => {
  const order = await orderOf(call.path.split('/')[2]!);
  return { status: order.fulfillmentStatus, shipments: order.shipments?.map((s) => [s.id, s.status]), collection: order.collection };
};

/** The courier sandbox's faults (`undefined` clears them): e2e files run one at a time, so no other file sees them. */
async function courierFaults(faults: Record<string, unknown> | undefined): Promise<void> {
  const runtime = await localRuntime(inject('dataDir'));
  const response = await fetch(`${runtime.courierSandboxUrl}/_sandbox/faults`, { method: faults ? 'POST' : 'DELETE', headers: { 'content-type': 'application/json' }, ...(faults ? { body: JSON.stringify(faults) } : {}) });
  expect(response.ok, await response.text()).toBe(true);
}

/** A new shopper with a card saved the way the app saves one: the setup route's SetupIntent, confirmed at the provider. */
async function cardholder(): Promise<{ client: RecordingClient; card: string }> {
  const client = await tokenClient(unique('openapi-cardholder'), ['shopper']);
  const setup = await client.post<{ setupIntentId: string }>('/me/payment-methods/setup', undefined, { headers: { 'Idempotency-Key': unique('setup') } });
  expect(setup.status).toBe(200);
  const card = await new SandboxLedger((await localRuntime(inject('dataDir'))).paymentsSandboxUrl).saveCard(setup.body.setupIntentId);
  return { client, card };
}

const savedCardsState = async (call: Call) => (await call.client.get<{ items: { id: string }[] }>('/me/payment-methods')).body.items.map((m) => m.id);

const returnState = async (call: Call) => {
  const [, , orderId, , returnId] = call.path.split('/');
  const { body } = await admin.get<{ items: { id: string; status: string; version: number }[] }>(`/orders/${orderId}/returns`);
  const order = await orderOf(orderId!);
  return { returns: body.items.map((r) => [r.id, r.status, r.version]), refunded: order.payment.refunded, returnId };
};

async function allOrders(store: string, date: string): Promise<Order[]> {
  const orders: Order[] = [];
  let cursor: string | null = null;
  do {
    const query: string = new URLSearchParams({ store, date, limit: '100', ...(cursor ? { cursor } : {}) }).toString();
    const page: ApiResponse<{ items: Order[]; nextCursor: string | null }> = await admin.get(`/orders?${query}`);
    orders.push(...page.body.items);
    cursor = page.body.nextCursor;
  } while (cursor);
  return orders;
}

async function png(seed: number): Promise<Blob> {
  const image = await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: seed % 256, g: 90, b: 40 } } }).png().toBuffer();
  return new Blob([new Uint8Array(image)], { type: 'image/png' });
}

const importCsv = (slug: string, sku: string) =>
  [
    'product_slug,product_name,brand,description,category_path,tags,attributes,tax_category,age_restricted,sku,variant_name,sold_by,price,currency,net_quantity,net_unit,pack_size,average_weight_grams,barcode',
    `${slug},Imported ${slug},,,openapi-${run},,,food,false,${sku},one,each,150,GBP,,,,,`,
  ].join('\n');

async function uploadedImport(upload = true): Promise<string> {
  const csv = importCsv(unique('imported'), upper('OA-IMP'));
  const created = await admin.post<{ id: string; upload: { url: string; method: string; headers: Record<string, string> } }>('/imports', { format: 'csv', sizeBytes: Buffer.byteLength(csv) });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  if (upload) {
    const put = await fetch(created.body.upload.url, { method: created.body.upload.method, headers: created.body.upload.headers, body: csv });
    expect(put.status).toBe(200);
  }
  return created.body.id;
}
const importToRead = once(() => uploadedImport(false));

function paymentEvent(age = 0) {
  const body = JSON.stringify({
    id: unique('evt_openapi'),
    object: 'event',
    type: 'payment_intent.succeeded',
    created: Math.floor(Date.now() / 1000) - age,
    data: { object: { id: unique('pi_openapi'), object: 'payment_intent', status: 'succeeded', amount: 500, amount_received: 500, currency: 'gbp', metadata: { orderId: unique('order') } } },
  });
  const signature = Stripe.webhooks.generateTestHeaderString({ payload: body, secret: LOCAL_WEBHOOK_SECRET, timestamp: Math.floor(Date.now() / 1000) - age });
  return { body, signature };
}

/** An event type the billing webhook accepts and ignores, so that these requests change nothing. */
function billingEvent(age = 0) {
  const body = JSON.stringify({ id: unique('evt_openapi'), type: 'customer.created', created: Math.floor(Date.now() / 1000) - age, data: { object: { id: unique('cus') } } });
  return { body, signature: signWebhook(body, LOCAL_BILLING_WEBHOOK_SECRET, Date.now() - age * 1000) };
}

/** A courier tracking event whose reference names no shipment of ours, so that the consumer leaves it alone and these requests change nothing. */
function courierEvent(age = 0) {
  const id = unique('evt_openapi');
  const created = Math.floor(Date.now() / 1000) - age;
  const object = { eventId: id, shipmentId: unique('shp'), reference: unique('openapi-probe'), trackingNumber: 'CX0000000000GB', status: 'in_transit', sequence: 2, occurredAt: new Date().toISOString(), description: 'At the depot' };
  const body = JSON.stringify({ id, type: 'tracking.updated', created, data: { object } });
  return { body, signature: signCourierWebhook(body, [LOCAL_COURIER_WEBHOOK_SECRET], Date.now() - age * 1000) };
}

async function subscriber(): Promise<{ client: RecordingClient; id: string }> {
  const client = await tokenClient(unique('openapi-subscriber'), ['shopper']);
  const created = await client.post<{ id: string }>('/subscriptions', { plan: 'delivery-pass-monthly' });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return { client, id: created.body.id };
}
const subscriptionToRead = once(subscriber);

async function reconcile(day: string): Promise<unknown> {
  const env: NodeJS.ProcessEnv = { ...process.env, SMARTSHELF_DATA_DIR: inject('dataDir') };
  // The command finds the platform through runtime.json, not through anything this process has set.
  for (const name of ['TABLE_NAME', 'BILLING_API_BASE', 'BILLING_API_TOKEN', 'BILLING_SIGNING_SECRET', 'STRIPE_SECRET_KEY', 'STRIPE_API_BASE']) delete env[name];
  const { stdout } = await promisify(execFile)('npm', ['run', '--silent', 'reconcile', '--', '--date', day, '--json'], { cwd: ROOT, env, timeout: 90_000 });
  return JSON.parse(stdout) as unknown;
}

beforeAll(async () => {
  // The only reconciled day this file reads; the command runs while the rest is set up.
  reconciled = reconcile(RECONCILED_DAY);
  reconciled.catch(() => undefined);
  shopper = await tokenClient(`openapi-shopper-${run}`, ['shopper']);
  const category = await admin.post<{ id: string }>('/categories', { slug: `openapi-${run}`, name: `OpenAPI fixtures ${run}`, attributes: [{ name: 'origin', type: 'string' }] });
  expect(category.status, JSON.stringify(category.body)).toBe(201);
  categoryId = category.body.id;
  const listing = await api.get<{ items: Slot[] }>(`/stores/${STORE}/slots?mode=delivery`);
  // Slots that stay bookable for the whole run, with room to spare for the other files' baskets.
  slots = listing.body.items.filter((s) => s.available && s.remaining >= 5 && Date.parse(s.cutoffAt) > Date.now() + 15 * 60_000);
  expect(slots.length).toBeGreaterThan(3);
  const pickupListing = await api.get<{ items: Slot[] }>(`/stores/${STORE}/slots?mode=pickup`);
  pickupSlots = pickupListing.body.items.filter((s) => s.available && s.remaining >= 5 && Date.parse(s.cutoffAt) > Date.now() + 15 * 60_000);
  expect(pickupSlots.length).toBeGreaterThan(0);
  const minimum = Math.max(...slots.map((s) => s.minimumOrder.amount));
  fixedCount = Math.min(99, Math.ceil((minimum * 1.2 + 1) / FIXED_PRICE));
  weighedGrams = Math.min(25_000, Math.max(500, Math.ceil(((minimum * 1.2 + 1) / WEIGHED_PRICE) * 1000)));
  [fixed, weighed, scarce] = await Promise.all([
    createProduct('OpenAPI fixed', 'each', FIXED_PRICE, 100_000),
    createProduct('OpenAPI weighed', 'weight', WEIGHED_PRICE, 5_000_000),
    createProduct('OpenAPI scarce', 'each', FIXED_PRICE, 1),
  ]);
  couponCode = `OA${run}`.toUpperCase().replace(/[^A-Z0-9]/g, '').slice(0, 20);
  const coupon = await admin.post<{ id: string }>('/promotions', {
    name: `OpenAPI coupon ${run}`,
    rule: { kind: 'percent-off', basisPoints: 500 },
    target: { kind: 'sku', skus: [fixed.variants[0]!.sku] },
    stacking: { priority: 40 },
    schedule: { startsAt: '2025-01-01T00:00:00Z' },
    couponCode,
  });
  expect(coupon.status, JSON.stringify(coupon.body)).toBe(201);
  // Far in the future, so no cart prices with it.
  const future = await admin.post<{ id: string }>('/promotions', {
    name: `OpenAPI future ${run}`,
    rule: { kind: 'percent-off', basisPoints: 100 },
    target: { kind: 'sku', skus: [fixed.variants[0]!.sku] },
    stacking: { priority: 10 },
    schedule: { startsAt: '2090-01-01T00:00:00Z', endsAt: '2095-01-01T00:00:00Z' },
  });
  expect(future.status, JSON.stringify(future.body)).toBe(201);
  futurePromotionId = future.body.id;
  sampleProductId = (await api.get<{ items: Product[] }>('/products?limit=1')).body.items[0]!.id;
});

/** A shopper of their own with a list of two lines of the fixed product and a weighed one: every list fixture its own, so that no shopper reaches 20 lists. */
async function listOfOwn(): Promise<{ client: RecordingClient; list: { id: string; version: number; lines: { lineId: string }[] } }> {
  const client = await tokenClient(unique('openapi-lister'), ['shopper']);
  const made = await client.post<{ id: string; version: number; lines: { lineId: string }[] }>('/me/lists', { name: unique('List'), lines: [{ sku: fixed.variants[0]!.sku, quantity: { count: 2 } }, weighedLine()] });
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  return { client, list: made.body };
}
const listState = async (call: Call) => (await call.client.get<{ items: unknown[] }>('/me/lists')).body.items;

/** An address in the store's delivery area, every optional field given. */
const savedAddress = () => ({
  label: unique('Home'),
  recipientName: 'Openapi Shopper',
  line1: '45 Newton Street',
  line2: 'Flat 2',
  city: 'Manchester',
  postcode: 'm11ft',
  country: 'GB',
  phone: '+447700900123',
  instructions: 'Leave with the concierge',
  isDefault: true,
});

/** A new shopper with one address of their own. */
async function addressOfOwn(): Promise<{ client: RecordingClient; address: { id: string; version: number } }> {
  const client = await tokenClient(unique('openapi-addresser'), ['shopper']);
  const made = await client.post<{ id: string; version: number }>('/me/addresses', savedAddress());
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  return { client, address: made.body };
}
const addressState = async (call: Call) => (await call.client.get<{ items: unknown[] }>('/me/addresses')).body.items;

/** A shopper who had a profile and erased their account (`DELETE /me`, done), with their still valid token. */
const erasedShopper = once(async () => {
  const subject = unique('openapi-erased');
  const client = await tokenClient(subject, ['shopper']);
  expect((await client.get('/me')).status).toBe(200);
  expect((await client.request('DELETE', '/me')).status).toBe(202);
  await eventually('the erasure done', async () => ((await client.get<{ status: string }>('/me/erasure')).body.status === 'erased' ? true : undefined));
  return { client, subject };
});

/** A new empty category under this file's category, at version 1. */
async function freshCategory(): Promise<{ id: string }> {
  const made = await admin.post<{ id: string }>('/categories', { slug: unique('cat'), name: 'A category to change', parentId: categoryId });
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  return made.body;
}
const categoryState = async (id: string) =>
  (await admin.get<{ items: { id: string; name: string; status: string; version: number }[] }>('/admin/categories')).body.items.find((c) => c.id === id);

/** A product of this file's that an active bundle lists as a component. */
const bundledComponent = once(async () => {
  const [first, second] = [await createProduct('OpenAPI component', 'each', FIXED_PRICE, 0), await createProduct('OpenAPI component', 'each', FIXED_PRICE, 0)];
  const components = [first, second].map((p) => ({ sku: p.variants[0]!.sku, quantity: 1 }));
  const variant = { sku: upper('OAB'), name: 'bundle', soldBy: 'each', price: { amount: FIXED_PRICE, currency: 'GBP' } };
  const bundle = await admin.post('/products', { name: `OpenAPI bundle ${run}`, categoryId, taxCategory: 'food', tags: ['openapi-e2e'], variants: [variant], bundle: { components } });
  expect(bundle.status, JSON.stringify(bundle.body)).toBe(201);
  return first;
});

/** A product of this file's that is no longer sold. */
const archivedProduct = once(async () => {
  const product = await createProduct('OpenAPI archived', 'each', FIXED_PRICE, 10);
  const archived = await admin.patch(`/products/${product.id}`, { version: product.version, status: 'archived' }, { contentType: 'application/merge-patch+json' });
  expect(archived.status, JSON.stringify(archived.body)).toBe(200);
  return product;
});

afterAll(async () => {
  // Holds give their slot's capacity back, for the other files.
  for (const id of held) await shopper.request('DELETE', `/carts/${id}/hold`);
});

// ---------------------------------------------------------------------------------------------
// One fixture per operation of the document.

const ghost = () => ulid();

/** A new shopper with an export of their own (requested; the worker builds it behind). */
async function exportOfOwn(): Promise<{ client: RecordingClient; id: string }> {
  const client = await tokenClient(unique('openapi-exporter'), ['shopper']);
  const started = await client.post<{ id: string }>('/me/exports', undefined);
  expect(started.status).toBe(202);
  return { client, id: started.body.id };
}

/** A console session of a new head-office subject, signed in locally: its cookie to send back and its CSRF token. */
async function consoleSession(): Promise<{ cookie: string; csrfToken: string }> {
  const made = await api.post<{ csrfToken: string }>('/auth/session', { grant: 'local', subject: unique('openapi-console'), roles: ['head-office'] });
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  return { cookie: made.headers.getSetCookie()[0]!.split(';')[0]!, csrfToken: made.body.csrfToken };
}

/** A member of the customer-service desk. */
const customerService = () => tokenClient(unique('openapi-cs'), ['customer-service']);
let endsAtDays = 0;

const FIXTURES: Record<string, Fixture> = {
  'GET /openapi.json': { ok: 200, build: async () => ({ client: api, path: '/openapi.json' }) },
  'GET /docs': { ok: 200, build: async () => ({ client: api, path: '/docs' }) },
  'GET /health': { ok: 200, build: async () => ({ client: api, path: '/health' }) },
  'GET /auth/sign-in-options': { ok: 200, build: async () => ({ client: api, path: '/auth/sign-in-options' }) },
  'POST /auth/session': {
    ok: 201,
    build: async () => ({ client: api, path: '/auth/session', body: { grant: 'local', subject: unique('openapi-console'), roles: ['head-office'] } }),
    probes: async () => {
      // Someone the staff directory knows with every role taken away picks a role in vain.
      const subject = unique('openapi-console-none');
      expect((await admin.request('PUT', `/staff/${subject}/roles`, { body: { roles: ['picker'], stores: [STORE] } })).status).toBe(200);
      expect((await admin.request('PUT', `/staff/${subject}/roles`, { body: { roles: [] } })).status).toBe(200);
      await problem(api.post('/auth/session', { grant: 'local', subject, roles: ['admin'] }), 403, 'no-staff-roles');
    },
  },
  'GET /auth/session': {
    ok: 200,
    build: async () => ({ client: api, path: '/auth/session', headers: { Cookie: (await consoleSession()).cookie } }),
    probes: async () => void (await problem(api.get('/auth/session'), 401, 'no-session')),
  },
  'POST /auth/session/refresh': {
    ok: 200,
    build: async () => {
      const session = await consoleSession();
      return { client: api, path: '/auth/session/refresh', headers: { Cookie: session.cookie, 'X-CSRF-Token': session.csrfToken } };
    },
  },
  'DELETE /auth/session': {
    ok: 204,
    build: async () => {
      const session = await consoleSession();
      return { client: api, path: '/auth/session', headers: { Cookie: session.cookie, 'X-CSRF-Token': session.csrfToken } };
    },
  },
  'GET /categories': {
    ok: 200,
    build: async () => ({ client: api, path: '/categories', query: { tree: 'true' } }),
    probes: async () => void (await problem(api.get('/categories?tree=maybe'), 400)),
  },
  'POST /categories': {
    ok: 201,
    build: async () => ({ client: admin, path: '/categories', body: { slug: unique('cat'), name: 'A category', parentId: categoryId, tags: ['openapi'], attributes: [{ name: 'grade', type: 'string' }] } }),
    state: async (call) => (await api.get<{ items: { path: string }[] }>('/categories')).body.items.filter((c) => c.path.endsWith((call.body as { slug: string }).slug)).length,
    probes: async () => {
      const body = { slug: unique('cat'), name: 'Twice', parentId: categoryId };
      expect((await admin.post('/categories', body)).status).toBe(201);
      await problem(admin.post('/categories', body), 409, 'category-exists');
    },
  },
  'GET /products': {
    ok: 200,
    build: async () => ({ client: api, path: '/products', query: { category: categoryId, tag: 'openapi-e2e', status: 'active', limit: '5' } }),
    probes: async () => void (await problem(api.get('/products?limit=0'), 400)),
  },
  'POST /products': {
    ok: 201,
    build: async () => ({
      client: admin,
      path: '/products',
      body: {
        slug: unique('product'),
        name: unique('OpenAPI product'),
        brand: 'OpenAPI',
        description: 'A fixture.',
        categoryId,
        tags: ['openapi-e2e'],
        attributes: { origin: 'UK' },
        taxCategory: 'food',
        ageRestricted: false,
        variants: [{ sku: upper('OA-NEW'), name: 'one', soldBy: 'each', price: { amount: 100, currency: 'GBP' } }],
        status: 'active',
      },
    }),
    state: async (call) => {
      const sku = (call.body as { variants: { sku: string }[] }).variants[0]!.sku;
      const { body } = await api.get<{ items: Product[] }>(`/products?category=${categoryId}&limit=100`);
      return body.items.some((p) => p.variants.some((v) => v.sku === sku));
    },
    probes: async () => {
      const taken = { name: unique('Taken'), categoryId, taxCategory: 'food', variants: [{ sku: fixed.variants[0]!.sku, name: 'one', soldBy: 'each', price: { amount: 100, currency: 'GBP' } }] };
      await problem(admin.post('/products', taken), 409, 'sku-taken');
    },
  },
  'GET /products/{id}': {
    ok: 200,
    build: async () => ({ client: api, path: `/products/${fixed.id}` }),
    probes: async () => {
      await problem(api.get('/products/not-a-ulid'), 400);
      await problem(api.get(`/products/${ghost()}`), 404);
    },
  },
  'PATCH /products/{id}': {
    ok: 200,
    build: async () => {
      const { body } = await api.get<Product>(`/products/${fixed.id}`);
      return { client: admin, path: `/products/${fixed.id}`, contentType: 'application/merge-patch+json', headers: { 'If-Match': `"${body.version}"` }, body: { version: body.version, description: unique('Changed') } };
    },
    state: async () => (await api.get<Product>(`/products/${fixed.id}`)).body.version,
    probes: async () => {
      await problem(admin.patch(`/products/${ghost()}`, { version: 1, description: 'x' }), 404);
      await problem(admin.patch(`/products/${fixed.id}`, { version: 1, description: 'stale' }), 409, 'version-mismatch');
    },
  },
  'GET /admin/categories': {
    ok: 200,
    build: async () => ({ client: admin, path: '/admin/categories', query: { status: 'all', tree: 'true' } }),
    probes: async () => void (await problem(admin.get('/admin/categories?status=gone'), 400)),
  },
  'PATCH /categories/{id}': {
    ok: 200,
    // A new name and a new slug: without either one the other is still a change (a rename, a move to a new path).
    build: async () => ({ client: admin, path: `/categories/${(await freshCategory()).id}`, headers: { 'If-Match': '"1"' }, body: { version: 1, name: unique('Renamed'), slug: unique('renamed') } }),
    state: (call) => categoryState(call.path.split('/')[2]!),
    probes: async () => {
      await problem(admin.patch(`/categories/${ghost()}`, { version: 1, name: 'x' }), 404);
      const category = await freshCategory();
      await problem(admin.patch(`/categories/${category.id}`, { version: 2, name: 'stale' }), 409, 'version-mismatch');
    },
  },
  'POST /categories/{id}/retire': {
    ok: 200,
    build: async () => ({ client: admin, path: `/categories/${(await freshCategory()).id}/retire` }),
    state: (call) => categoryState(call.path.split('/')[2]!),
    probes: async () => {
      await problem(admin.post(`/categories/${ghost()}/retire`, undefined), 404);
      await problem(admin.post('/categories/not-a-ulid/retire', undefined), 400);
      await problem(admin.post(`/categories/${categoryId}/retire`, undefined), 409, 'category-in-use');
    },
  },
  'POST /products/{id}/retire': {
    ok: 200,
    build: async () => ({ client: admin, path: `/products/${(await createProduct('OpenAPI retired', 'each', FIXED_PRICE, 0)).id}/retire` }),
    state: async (call) => (await api.get<{ status: string }>(call.path.replace(/\/retire$/, ''))).body.status,
    probes: async () => {
      await problem(admin.post(`/products/${ghost()}/retire`, undefined), 404);
      await problem(admin.post('/products/not-a-ulid/retire', undefined), 400);
      await problem(admin.post(`/products/${(await bundledComponent()).id}/retire`, undefined), 409, 'product-in-bundle');
    },
  },
  'POST /products/{id}/reinstate': {
    ok: 200,
    build: async () => {
      const product = await createProduct('OpenAPI reinstated', 'each', FIXED_PRICE, 0);
      expect((await admin.post(`/products/${product.id}/retire`, undefined)).status).toBe(200);
      return { client: admin, path: `/products/${product.id}/reinstate` };
    },
    state: async (call) => (await api.get<{ status: string }>(call.path.replace(/\/reinstate$/, ''))).body.status,
    probes: async () => {
      await problem(admin.post(`/products/${ghost()}/reinstate`, undefined), 404);
      await problem(admin.post('/products/not-a-ulid/reinstate', undefined), 400);
    },
  },
  'GET /products/{id}/prices': {
    ok: 200,
    build: async () => ({ client: admin, path: `/products/${fixed.id}/prices`, query: { limit: '5' } }),
    probes: async () => {
      await problem(admin.get(`/products/${ghost()}/prices`), 404);
      await problem(admin.get(`/products/${fixed.id}/prices?limit=0`), 400);
    },
  },
  'POST /carts': {
    ok: 201,
    build: async () => ({ client: shopper, path: '/carts', body: { storeId: STORE } }),
    probes: async () => void (await problem(shopper.post('/carts', { storeId: 'no-such-store' }), 404)),
  },
  'GET /carts/{id}': {
    ok: 200,
    build: async () => ({ client: shopper, path: `/carts/${(await cartWith([fixedLine()], false)).id}` }),
    probes: async () => {
      await problem(shopper.get('/carts/not-a-ulid'), 400);
      await problem(shopper.get(`/carts/${ghost()}`), 404);
    },
  },
  'POST /carts/{id}/lines': {
    ok: 200,
    build: async () => ({ client: shopper, path: `/carts/${(await cartWith([], false)).id}/lines`, body: { sku: fixed.variants[0]!.sku, quantity: { count: 2 }, substitution: 'best-match' } }),
    state: (call) => cartState(call.path.split('/')[2]!),
    probes: async () => {
      await problem(shopper.post(`/carts/${ghost()}/lines`, fixedLine()), 404);
      await problem(shopper.post(`/carts/${(await heldCart()).id}/lines`, fixedLine()), 409, 'cart-not-open');
      // A cart takes 50 lines: one per SKU and substitution preference.
      const full = await cartWith([], false);
      const lines = sampleSkus('london-bridge', 'each').flatMap((s) => (['none', 'same-brand', 'best-match'] as const).map((substitution) => ({ sku: s.sku, quantity: { count: 1 }, substitution })));
      for (const line of lines.slice(0, 50)) expect((await shopper.post(`/carts/${full.id}/lines`, line)).status).toBe(200);
      await problem(shopper.post(`/carts/${full.id}/lines`, lines[50]!), 422, 'cart-too-many-lines');
    },
  },
  'PATCH /carts/{id}/lines/{lineId}': {
    ok: 200,
    build: async () => {
      const cart = await cartWith([fixedLine()], false);
      return { client: shopper, path: `/carts/${cart.id}/lines/${cart.lines[0]!.lineId}`, contentType: 'application/json', body: { quantity: { count: 3 }, substitution: 'same-brand' } };
    },
    state: (call) => cartState(call.path.split('/')[2]!),
    probes: async () => {
      const cart = await cartWith([fixedLine()], false);
      await problem(shopper.patch(`/carts/${cart.id}/lines/${ghost()}`, { substitution: 'none' }, { contentType: 'application/json' }), 404);
      const hold = await heldCart();
      await problem(shopper.patch(`/carts/${hold.id}/lines/${hold.lines[0]!.lineId}`, { substitution: 'none' }, { contentType: 'application/json' }), 409, 'cart-not-open');
    },
  },
  'DELETE /carts/{id}/lines/{lineId}': {
    ok: 200,
    build: async () => {
      const cart = await cartWith([fixedLine()], false);
      return { client: shopper, path: `/carts/${cart.id}/lines/${cart.lines[0]!.lineId}` };
    },
    state: (call) => cartState(call.path.split('/')[2]!),
    probes: async () => {
      const cart = await cartWith([fixedLine()], false);
      await problem(shopper.request('DELETE', `/carts/${cart.id}/lines/not-a-ulid`), 400);
      await problem(shopper.request('DELETE', `/carts/${cart.id}/lines/${ghost()}`), 404);
      const hold = await heldCart();
      await problem(shopper.request('DELETE', `/carts/${hold.id}/lines/${hold.lines[0]!.lineId}`), 409, 'cart-not-open');
    },
  },
  'POST /carts/{id}/coupons': {
    ok: 200,
    build: async () => ({ client: shopper, path: `/carts/${(await cartWith([fixedLine()], false)).id}/coupons`, body: { code: couponCode } }),
    state: (call) => cartState(call.path.split('/')[2]!),
    probes: async () => {
      const cart = await cartWith([fixedLine()], false);
      // An unknown code and a real one that does not apply answer alike (issue 11).
      await problem(shopper.post(`/carts/${cart.id}/coupons`, { code: 'NO-SUCH-CODE' }), 422, 'coupon-not-applicable');
      await problem(shopper.post(`/carts/${cart.id}/coupons`, { code: 'OLD5' }), 422, 'coupon-not-applicable');
      await problem(shopper.post(`/carts/${ghost()}/coupons`, { code: couponCode }), 404);
      await problem(shopper.post(`/carts/${(await heldCart()).id}/coupons`, { code: couponCode }), 409, 'cart-not-open');
    },
  },
  'DELETE /carts/{id}/coupons/{code}': {
    ok: 200,
    build: async () => {
      const cart = await cartWith([fixedLine()], false);
      expect((await shopper.post(`/carts/${cart.id}/coupons`, { code: couponCode })).status).toBe(200);
      return { client: shopper, path: `/carts/${cart.id}/coupons/${couponCode}` };
    },
    state: (call) => cartState(call.path.split('/')[2]!),
    probes: async () => {
      await problem(shopper.request('DELETE', `/carts/${ghost()}/coupons/${couponCode}`), 404);
      await problem(shopper.request('DELETE', `/carts/${ghost()}/coupons/x`), 400);
      await problem(shopper.request('DELETE', `/carts/${(await heldCart()).id}/coupons/${couponCode}`), 409, 'cart-not-open');
    },
  },
  'PUT /carts/{id}/loyalty': {
    ok: 200,
    build: async () => ({ client: shopper, path: `/carts/${(await cartWith([fixedLine()], false)).id}/loyalty`, body: { points: 0 } }),
    state: (call) => cartState(call.path.split('/')[2]!),
    probes: async () => {
      const cart = await cartWith([fixedLine()], false);
      // The shopper has never earned a point.
      await problem(shopper.request('PUT', `/carts/${cart.id}/loyalty`, { body: { points: 100 } }), 422, 'loyalty-limit');
      await problem(shopper.request('PUT', `/carts/${ghost()}/loyalty`, { body: { points: 0 } }), 404);
      await problem(shopper.request('PUT', `/carts/${(await heldCart()).id}/loyalty`, { body: { points: 0 } }), 409, 'cart-not-open');
    },
  },
  'PUT /carts/{id}/fulfillment': {
    ok: 200,
    build: async () => ({ client: shopper, path: `/carts/${(await cartWith([fixedLine()], false)).id}/fulfillment`, body: { mode: 'delivery', slotId: nextSlot(), address } }),
    state: (call) => cartState(call.path.split('/')[2]!),
    neededHere: { 'body:address': 'a delivery names its address inline or as a saved addressId: exactly one of the two' },
    probes: async () => {
      const cart = await cartWith([fixedLine()], false);
      const put = (id: string, slotId: string) => shopper.request('PUT', `/carts/${id}/fulfillment`, { body: { mode: 'delivery', slotId, address } });
      await problem(put(cart.id, '2020-01-06T09:00Z~delivery'), 422, 'slot-in-past');
      const london = { line1: '1 Tooley Street', city: 'London', postcode: 'SE1 2TF', country: 'GB' };
      await problem(shopper.request('PUT', `/carts/${cart.id}/fulfillment`, { body: { mode: 'delivery', slotId: nextSlot(), address: london } }), 422, 'address-outside-delivery-area');
      await problem(shopper.request('PUT', `/carts/${cart.id}/fulfillment`, { body: { mode: 'delivery', slotId: nextSlot(), addressId: ghost() } }), 404);
      await problem(put(cart.id, '2099-01-05T09:00Z~delivery'), 404);
      await problem(put((await heldCart()).id, nextSlot()), 409, 'cart-not-open');
    },
  },
  'POST /carts/{id}/hold': {
    ok: 200,
    build: async () => {
      const cart = await cartWith([fixedLine()]);
      held.push(cart.id);
      return { client: shopper, path: `/carts/${cart.id}/hold` };
    },
    state: (call) => cartState(call.path.split('/')[2]!),
    probes: async () => {
      await problem(shopper.post('/carts/not-a-ulid/hold'), 400);
      await problem(shopper.post(`/carts/${ghost()}/hold`), 404);
      await problem(shopper.post(`/carts/${(await cartWith([], true)).id}/hold`), 422, 'cart-empty');
      const short = await cartWith([{ sku: scarce.variants[0]!.sku, quantity: { count: 2 } }]);
      await problem(shopper.post(`/carts/${short.id}/hold`), 409, 'insufficient-stock');
      // The cart chose M1 1FT while the store delivered there; its area then stops short of M1.
      const outside = await cartWith([fixedLine()]);
      await withDeliveryArea({ districts: ['M2'], prefixes: [] }, () => problem(shopper.post(`/carts/${outside.id}/hold`), 422, 'address-outside-delivery-area'));
    },
  },
  'DELETE /carts/{id}/hold': {
    ok: 200,
    build: async () => ({ client: shopper, path: `/carts/${(await heldCart()).id}/hold` }),
    state: (call) => cartState(call.path.split('/')[2]!),
    probes: async () => {
      await problem(shopper.request('DELETE', '/carts/not-a-ulid/hold'), 400);
      await problem(shopper.request('DELETE', `/carts/${ghost()}/hold`), 404);
      const { cartId } = await checkout([fixedLine()]);
      await problem(shopper.request('DELETE', `/carts/${cartId}/hold`), 409, 'cart-not-open');
    },
  },
  'POST /products/import': {
    ok: 202,
    build: async () => ({ client: admin, path: '/products/import', contentType: 'text/csv', body: importCsv(unique('imported'), upper('OA-IMP')) }),
  },
  'POST /imports': {
    ok: 201,
    build: async () => ({ client: admin, path: '/imports', body: { format: 'csv', sizeBytes: 300 } }),
  },
  'POST /imports/{id}/start': {
    ok: 202,
    build: async () => ({ client: admin, path: `/imports/${await uploadedImport()}/start` }),
    state: async (call) => (await admin.get<{ status: string }>(call.path.replace(/\/start$/, ''))).body.status,
    probes: async () => {
      await problem(admin.post('/imports/not-a-ulid/start'), 400);
      await problem(admin.post(`/imports/${ghost()}/start`), 404);
      await problem(admin.post(`/imports/${await uploadedImport(false)}/start`), 409, 'upload-missing');
    },
  },
  'GET /imports/{id}': {
    ok: 200,
    build: async () => ({ client: admin, path: `/imports/${await importToRead()}` }),
    probes: async () => {
      await problem(admin.get('/imports/not-a-ulid'), 400);
      await problem(admin.get(`/imports/${ghost()}`), 404);
    },
  },
  'GET /stores/{id}/slots': {
    ok: 200,
    build: async () => ({ client: api, path: `/stores/${STORE}/slots`, query: { date: slots[0]!.startsAtLocal.slice(0, 10), mode: 'delivery' } }),
    probes: async () => {
      await problem(api.get(`/stores/${STORE}/slots?date=2001-01-01`), 400);
      await problem(api.get('/stores/no-such-store/slots'), 404);
    },
  },
  'GET /stores': {
    ok: 200,
    build: async () => ({ client: api, path: '/stores', query: { postcode: 'm11ft', country: 'GB' } }),
    together: { 'query:postcode': ['query:country'] },
    probes: async () => {
      await problem(api.get('/stores?postcode=M1'), 400);
      await problem(api.get('/stores?postcode=12345&country=ZZ'), 422, 'country-not-served');
    },
  },
  'GET /me/addresses': {
    ok: 200,
    build: async () => ({ client: (await addressOfOwn()).client, path: '/me/addresses' }),
  },
  'POST /me/addresses': {
    ok: 201,
    build: async () => ({ client: await tokenClient(unique('openapi-addresser'), ['shopper']), path: '/me/addresses', body: savedAddress() }),
    state: addressState,
    probes: async () => {
      const client = await tokenClient(unique('openapi-addresser'), ['shopper']);
      await problem(client.post('/me/addresses', { ...savedAddress(), postcode: 'M1' }), 400);
      await problem(client.post('/me/addresses', { ...savedAddress(), postcode: '12345', country: 'ZZ' }), 422, 'country-not-served');
      for (let i = 0; i < 20; i += 1) expect((await client.post('/me/addresses', { ...savedAddress(), isDefault: false })).status).toBe(201);
      await problem(client.post('/me/addresses', savedAddress()), 409, 'too-many-addresses');
      await problem((await erasedShopper()).client.post('/me/addresses', savedAddress()), 410, 'account-erased');
    },
  },
  'PATCH /me/addresses/{id}': {
    ok: 200,
    build: async () => {
      const { client, address } = await addressOfOwn();
      return { client, path: `/me/addresses/${address.id}`, contentType: 'application/json', body: { version: address.version, label: unique('Work'), line2: null, postcode: 'M1 2AB', isDefault: false } };
    },
    state: addressState,
    probes: async () => {
      const { client, address } = await addressOfOwn();
      await problem(client.patch(`/me/addresses/${ghost()}`, { version: 1, label: 'Ghost' }), 404);
      // Another shopper's address is a 404 like a missing one.
      await problem(shopper.patch(`/me/addresses/${address.id}`, { version: 1, label: 'Mine now' }), 404);
      await problem(client.patch(`/me/addresses/${address.id}`, { version: 7, label: 'Stale' }), 409, 'version-mismatch');
      await problem(client.patch(`/me/addresses/${address.id}`, { version: 1, postcode: '12345', country: 'ZZ' }), 422, 'country-not-served');
      await problem(client.patch(`/me/addresses/${address.id}`, { version: 1, postcode: 'M1' }), 400);
    },
  },
  'DELETE /me/addresses/{id}': {
    ok: 204,
    build: async () => {
      const { client, address } = await addressOfOwn();
      return { client, path: `/me/addresses/${address.id}` };
    },
    state: addressState,
    probes: async () => {
      const { client, address } = await addressOfOwn();
      await problem(client.request('DELETE', '/me/addresses/not-a-ulid'), 400);
      await problem(client.request('DELETE', `/me/addresses/${ghost()}`), 404);
      await problem(shopper.request('DELETE', `/me/addresses/${address.id}`), 404);
    },
  },
  'POST /me/payment-methods/setup': {
    ok: 200,
    build: async () => ({ client: await tokenClient(unique('openapi-saver'), ['shopper']), path: '/me/payment-methods/setup', headers: { 'Idempotency-Key': unique('setup') } }),
    probes: async () => void (await problem((await erasedShopper()).client.post('/me/payment-methods/setup', undefined, { headers: { 'Idempotency-Key': unique('setup') } }), 410, 'account-erased')),
  },
  'GET /me/payment-methods': {
    ok: 200,
    build: async () => ({ client: (await cardholder()).client, path: '/me/payment-methods' }),
  },
  'DELETE /me/payment-methods/{id}': {
    ok: 204,
    build: async () => {
      const { client, card } = await cardholder();
      return { client, path: `/me/payment-methods/${card}` };
    },
    state: savedCardsState,
    probes: async () => {
      const { client, card } = await cardholder();
      await problem(client.request('DELETE', '/me/payment-methods/card-1'), 400);
      await problem(client.request('DELETE', '/me/payment-methods/pm_nonexistent123'), 404, 'payment-method-not-found');
      // Another shopper's card is a 404 like a missing one, and stays saved.
      await problem(shopper.request('DELETE', `/me/payment-methods/${card}`), 404, 'payment-method-not-found');
      expect((await client.get<{ items: { id: string }[] }>('/me/payment-methods')).body.items.map((m) => m.id)).toEqual([card]);
    },
  },
  'GET /stores/{id}': {
    ok: 200,
    build: async () => ({ client: api, path: `/stores/${STORE}` }),
    probes: async () => {
      await problem(api.get('/stores/Not_A_Store'), 400);
      await problem(api.get('/stores/no-such-store'), 404);
    },
  },
  'POST /inventory/adjustments': {
    ok: 201,
    build: async () => ({ client: admin, path: '/inventory/adjustments', body: { sku: fixed.variants[0]!.sku, storeId: STORE, delta: 1, reason: 'delivery', note: 'openapi fixture', leadTimeDays: 2 } }),
    state: async () => (await admin.get<{ stores: { storeId: string }[] }>(`/inventory/${fixed.variants[0]!.sku}`)).body.stores.find((s) => s.storeId === STORE),
    probes: async () => void (await problem(admin.post('/inventory/adjustments', { sku: fixed.variants[0]!.sku, storeId: STORE, delta: -10_000_000, reason: 'damaged' }), 409, 'negative-stock')),
  },
  'GET /inventory/{sku}': {
    ok: 200,
    build: async () => ({ client: admin, path: `/inventory/${fixed.variants[0]!.sku}` }),
    probes: async () => {
      await problem(admin.get('/inventory/not-a-sku'), 400);
      await problem(admin.get(`/inventory/${upper('OA-GHOST')}`), 404);
    },
  },
  'GET /inventory/{sku}/adjustments': {
    ok: 200,
    build: async () => ({ client: admin, path: `/inventory/${fixed.variants[0]!.sku}/adjustments`, query: { store: STORE, limit: '5' } }),
    probes: async () => {
      await problem(admin.get(`/inventory/${fixed.variants[0]!.sku}/adjustments?store=Not_A_Store`), 400);
      await problem(admin.get(`/inventory/${fixed.variants[0]!.sku}/adjustments?store=no-such-store`), 404);
    },
  },
  'GET /stores/{id}/stock': {
    ok: 200,
    build: async () => ({ client: admin, path: `/stores/${STORE}/stock`, query: { skuPrefix: fixed.variants[0]!.sku, limit: '5' } }),
    probes: async () => {
      await problem(admin.get(`/stores/${STORE}/stock?cursor=bm90LWEtY3Vyc29y`), 400);
      await problem(admin.get('/stores/no-such-store/stock'), 404);
    },
  },
  'GET /search': {
    ok: 200,
    build: async () => ({ client: api, path: '/search', query: { q: 'tea', brand: 'Twinings,Yorkshire', diet: 'vegan', onOffer: 'false', store: STORE, inStock: 'true', sort: 'price-asc', limit: '5' } }),
    together: { 'query:store': ['query:inStock'] },
    probes: async () => void (await problem(api.get('/search?inStock=true'), 400)),
  },
  'GET /products/{id}/recommendations': {
    ok: 200,
    build: async () => ({ client: api, path: `/products/${sampleProductId}/recommendations`, query: { store: STORE, limit: '3' } }),
    probes: async () => {
      await problem(api.get(`/products/${sampleProductId}/recommendations?limit=0`), 400);
      await problem(api.get(`/products/${ghost()}/recommendations`), 404);
    },
  },
  'POST /products/{id}/images': {
    ok: 202,
    build: async () => {
      const form = new FormData();
      form.append('file', await png((sequence += 1)), 'fixture.png');
      return { client: admin, path: `/products/${scarce.id}/images`, body: form };
    },
    state: async () => (await api.get<{ images: unknown[] }>(`/products/${scarce.id}`)).body.images.length,
    probes: async () => {
      const upload = async (productId: string) => {
        const form = new FormData();
        form.append('file', await png((sequence += 1)), 'fixture.png');
        return admin.post(`/products/${productId}/images`, form);
      };
      await problem(upload(ghost()), 404);
      // A product takes 20 images.
      let last = await upload(scarce.id);
      for (let i = 0; i < 20 && last.status === 202; i += 1) last = await upload(scarce.id);
      await problem(Promise.resolve(last), 409, 'too-many-images');
    },
  },
  'POST /promotions': {
    ok: 201,
    build: async () => ({
      client: admin,
      path: '/promotions',
      body: {
        name: unique('OpenAPI promotion'),
        description: 'A fixture, never running.',
        rule: { kind: 'percent-off', basisPoints: 100 },
        target: { kind: 'sku', skus: [fixed.variants[0]!.sku] },
        stacking: { priority: 5 },
        schedule: { startsAt: '2090-01-01T00:00:00Z' },
        limits: { total: 10 },
        couponCode: upper('OA').replace(/-/g, '').slice(0, 30),
        combinableWithOtherCoupons: true,
      },
    }),
    state: async (call) => (await admin.get<{ items: { name: string }[] }>('/promotions?limit=100')).body.items.some((p) => p.name === (call.body as { name: string }).name),
    probes: async () => {
      const taken = { name: unique('Taken code'), rule: { kind: 'percent-off', basisPoints: 100 }, target: { kind: 'cart' }, stacking: { priority: 5 }, schedule: { startsAt: '2090-01-01T00:00:00Z' }, couponCode };
      await problem(admin.post('/promotions', taken), 409, 'coupon-code-taken');
    },
  },
  'GET /promotions': {
    ok: 200,
    build: async () => ({ client: admin, path: '/promotions', query: { active: 'false', limit: '5' } }),
    probes: async () => void (await problem(admin.get('/promotions?limit=0'), 400)),
  },
  'GET /promotions/{id}': {
    ok: 200,
    build: async () => ({ client: admin, path: `/promotions/${futurePromotionId}` }),
    probes: async () => {
      await problem(admin.get('/promotions/-bad-'), 400);
      await problem(admin.get(`/promotions/no-such-promotion-${run}`), 404);
    },
  },
  'PATCH /promotions/{id}': {
    ok: 200,
    build: async () => {
      const { body } = await admin.get<{ version: number }>(`/promotions/${futurePromotionId}`);
      endsAtDays += 1;
      const endsAt = new Date(Date.parse('2095-01-01T00:00:00Z') - endsAtDays * 86_400_000).toISOString();
      return { client: admin, path: `/promotions/${futurePromotionId}`, contentType: 'application/merge-patch+json', headers: { 'If-Match': `"${body.version}"` }, body: { version: body.version, endsAt, status: 'disabled' } };
    },
    state: async () => (await admin.get<{ version: number }>(`/promotions/${futurePromotionId}`)).body.version,
    probes: async () => {
      await problem(admin.patch(`/promotions/no-such-promotion-${run}`, { version: 1, status: 'disabled' }), 404);
      await problem(admin.patch(`/promotions/${futurePromotionId}`, { version: 1, status: 'disabled' }), 409, 'version-mismatch');
    },
  },
  'GET /loyalty': { ok: 200, build: async () => ({ client: shopper, path: '/loyalty' }) },
  'GET /orders': {
    ok: 200,
    build: async () => ({ client: admin, path: '/orders', query: { store: STORE, date: today(), status: 'completed', limit: '5' } }),
    neededHere: {
      'query:store': 'staff list one store’s orders of one day: store and date are required together (the description)',
      'query:date': 'staff list one store’s orders of one day: store and date are required together (the description)',
    },
    probes: async () => void (await problem(shopper.get(`/orders?store=${STORE}`), 400)),
  },
  'GET /orders/{id}': {
    ok: 200,
    build: async () => ({ client: admin, path: `/orders/${(await orderToRead()).id}` }),
    probes: async () => {
      await problem(admin.get(`/orders/${'x'.repeat(65)}`), 400);
      await problem(admin.get(`/orders/${ghost()}`), 404);
    },
  },
  'POST /orders': {
    ok: 202,
    build: async () => ({
      client: admin,
      path: '/orders',
      body: {
        channel: 'pos',
        storeId: STORE,
        posReference: unique('till'),
        storeMetadata: { till: 3 },
        // A loyalty identifier nobody holds: the sale is a walk-in's (issue 11: a till never names a shopper).
        loyaltyId: '7K3M9QX2D4HZP8TB',
        lines: [{ sku: fixed.variants[0]!.sku, quantity: { count: 1 } }],
        fulfillment: { mode: 'in-store' },
        paymentMethod: 'pm_card_visa',
      },
    }),
    state: async (call) => (await allOrders(STORE, today())).some((o) => (o as unknown as { posReference?: string }).posReference === (call.body as { posReference: string }).posReference),
    probes: async () => {
      const sale = { channel: 'pos', storeId: STORE, posReference: unique('till'), lines: [{ sku: fixed.variants[0]!.sku, quantity: { count: 1 } }], fulfillment: { mode: 'in-store' }, paymentMethod: 'pm_card_visa' };
      await problem(admin.post('/orders', { ...sale, storeId: 'no-such-store' }), 404);
      expect((await admin.post('/orders', sale)).status).toBe(202);
      await problem(admin.post('/orders', sale), 409, 'pos-reference-taken');
      // A phone order for delivery worth less than its slot's minimum order.
      const slot = [...slots].sort((a, b) => b.minimumOrder.amount - a.minimumOrder.amount)[0]!;
      const small = { ...sale, channel: 'phone', posReference: unique('phone'), lines: [{ sku: weighed.variants[0]!.sku, quantity: { grams: 50 } }], fulfillment: { mode: 'delivery', slotId: slot.id, address } };
      expect(slot.minimumOrder.amount).toBeGreaterThan((WEIGHED_PRICE * 50) / 1000);
      await problem(admin.post('/orders', small), 422, 'minimum-order-not-met');
    },
  },
  'POST /orders/{id}/returns': {
    ok: 201,
    build: async () => {
      const order = await freshOrder();
      return { client: shopper, path: `/orders/${order.id}/returns`, body: { lines: [{ lineId: order.lines[0]!.lineId, quantity: 1, reason: 'damaged' }] } };
    },
    state: returnState,
    probes: async () => {
      const order = await freshOrder();
      const key = () => ({ headers: { 'Idempotency-Key': unique('return') } });
      await problem(shopper.post(`/orders/${ghost()}/returns`, { lines: [{ lineId: order.lines[0]!.lineId, quantity: 1, reason: 'damaged' }] }, key()), 404);
      // Fresh food comes back only when it was not what was paid for.
      await problem(shopper.post(`/orders/${order.id}/returns`, { lines: [{ lineId: order.lines[0]!.lineId, quantity: 1, reason: 'changed-mind' }] }, key()), 422, 'return-not-allowed');
      const picking = await orderToReturnFrom();
      await problem(shopper.post(`/orders/${picking.id}/returns`, { lines: [{ lineId: picking.lines[0]!.lineId, quantity: 1, reason: 'damaged' }] }, key()), 409, 'order-not-returnable');
    },
  },
  'GET /orders/{id}/returns': {
    ok: 200,
    build: async () => ({ client: shopper, path: `/orders/${(await freshOrder()).id}/returns` }),
    probes: async () => {
      await problem(shopper.get(`/orders/${'x'.repeat(65)}/returns`), 400);
      await problem(shopper.get(`/orders/${ghost()}/returns`), 404);
    },
  },
  'GET /orders/{id}/returns/{returnId}': {
    ok: 200,
    build: async () => ({ client: shopper, path: `/orders/${(await freshOrder()).id}/returns/${(await returnToRead()).id}` }),
    probes: async () => {
      const order = await freshOrder();
      await problem(shopper.get(`/orders/${order.id}/returns/not-a-return`), 400);
      await problem(shopper.get(`/orders/${order.id}/returns/${ghost()}`), 404);
    },
  },
  'POST /orders/{id}/returns/{returnId}/receive': {
    ok: 200,
    build: async () => {
      const order = await sentBackOrder();
      return { client: admin, path: `/orders/${order.id}/returns/${(await aReturn(order)).id}/receive`, body: { note: 'At the desk' } };
    },
    state: returnState,
    probes: async () => {
      const order = await sentBackOrder();
      await problem(admin.post(`/orders/${order.id}/returns/${ghost()}/receive`, {}), 404);
      const fresh = await freshOrder();
      await problem(admin.post(`/orders/${fresh.id}/returns/${(await aReturn(fresh)).id}/receive`, {}), 409, 'return-has-no-goods');
    },
  },
  'POST /orders/{id}/returns/{returnId}/inspect': {
    ok: 200,
    build: async () => {
      const order = await sentBackOrder();
      const { id, lineId } = await aReturn(order, true);
      return { client: admin, path: `/orders/${order.id}/returns/${id}/inspect`, body: { lines: [{ lineId, disposition: 'restock' }] } };
    },
    state: returnState,
    probes: async () => {
      const order = await sentBackOrder();
      await problem(admin.post(`/orders/${order.id}/returns/${ghost()}/inspect`, { lines: [{ lineId: order.lines[0]!.lineId, disposition: 'restock' }] }), 404);
      const { id, lineId } = await aReturn(order);
      await problem(admin.post(`/orders/${order.id}/returns/${id}/inspect`, { lines: [{ lineId, disposition: 'restock' }] }), 409, 'return-not-received');
    },
  },
  'POST /orders/{id}/refunds': {
    ok: 200,
    build: async () => ({ client: admin, path: `/orders/${(await orderForRefund()).id}/refunds`, body: { amount: 100, reason: 'openapi fixture' } }),
    state: async (call) => {
      const order = await orderOf(call.path.split('/')[2]!);
      return { status: order.status, refunded: order.payment.refunded };
    },
    probes: async () => {
      await problem(admin.post(`/orders/${ghost()}/refunds`, { reason: 'x' }, { headers: { 'Idempotency-Key': unique('refund') } }), 404);
      // Refunded in full by now (the request without `amount` refunds what is left).
      await problem(admin.post(`/orders/${(await orderForRefund()).id}/refunds`, { amount: 1, reason: 'x' }, { headers: { 'Idempotency-Key': unique('refund') } }), 409);
    },
  },
  'GET /tax-rates': { ok: 200, build: async () => ({ client: admin, path: '/tax-rates' }) },
  'PUT /tax-rates': {
    ok: 200,
    // The table as it is, stored again: a new version with the same rates, so no other file's prices change.
    build: async () => {
      const { body } = await admin.get<{ rates: unknown; version: number }>('/tax-rates');
      return { client: admin, path: '/tax-rates', headers: { 'If-Match': `"${body.version}"` }, body: { rates: body.rates } };
    },
    state: async () => (await admin.get<{ version: number }>('/tax-rates')).body.version,
    probes: async () => {
      const { body } = await admin.get<{ rates: unknown; version: number }>('/tax-rates');
      await problem(admin.request('PUT', '/tax-rates', { headers: { 'If-Match': `"${body.version - 1}"` }, body: { rates: body.rates } }), 409, 'version-mismatch');
    },
  },
  'GET /audit': {
    ok: 200,
    build: async () => ({
      client: admin,
      path: '/audit',
      query: { entity: 'tax-rates', action: 'replaced', from: new Date(Date.now() - 86_400_000).toISOString(), to: new Date().toISOString(), limit: '10' },
    }),
    probes: async () => void (await problem(admin.get('/audit?entityId=01J'), 400)),
  },
  'GET /reports/reconciliation': {
    ok: 200,
    build: async () => {
      await reconciled;
      return { client: admin, path: '/reports/reconciliation', query: { date: RECONCILED_DAY } };
    },
    probes: async () => void (await problem(admin.get('/reports/reconciliation?date=2003-03-03'), 404)),
  },
  ...Object.fromEntries(
    (['sales', 'refunds', 'tax'] as const).map((kind) => [
      `GET /reports/${kind}`,
      {
        ok: 200,
        build: async () => ({ client: admin, path: `/reports/${kind}`, query: { storeId: STORE, from: '2030-01-01', to: '2030-01-31', format: 'json' } }),
        probes: async () => void (await problem(admin.get(`/reports/${kind}?storeId=no-such-store&from=2030-01-01&to=2030-01-31`), 404)),
      },
    ]),
  ),
  'POST /checkout': {
    ok: 202,
    build: async () => ({ client: shopper, path: '/checkout', headers: { 'Idempotency-Key': unique('checkout') }, body: { cartId: (await cartWith([fixedLine()])).id, paymentMethod: 'pm_card_visa', dateOfBirth: '1980-01-01' } }),
    state: (call) => cartState((call.body as { cartId: string }).cartId),
    probes: async () => {
      const checkoutOf = (cartId: string) => shopper.post('/checkout', { cartId, paymentMethod: 'pm_card_visa' }, { headers: { 'Idempotency-Key': unique('checkout') } });
      await problem(checkoutOf(ghost()), 404);
      await problem(checkoutOf((await cartWith([fixedLine()], false)).id), 422, 'fulfillment-missing');
      const { cartId } = await checkout([fixedLine()]);
      await problem(checkoutOf(cartId), 409, 'cart-checked-out');
      // A cart made with the token of a shopper erased since: nothing is reserved, no payment Customer made again.
      const erased = (await erasedShopper()).client;
      const late = await cartWith([fixedLine()], true, undefined, erased);
      await problem(erased.post('/checkout', { cartId: late.id, paymentMethod: 'pm_card_visa' }, { headers: { 'Idempotency-Key': unique('checkout') } }), 410, 'account-erased');
      expect((await erased.get<Cart>(`/carts/${late.id}`)).body.status).toBe('open');
    },
  },
  'POST /orders/{id}/pick': {
    ok: 200,
    build: async () => {
      const order = await ordersForPick();
      return { client: admin, path: `/orders/${order.id}/pick`, body: { lines: order.lines.map((line) => ({ lineId: line.lineId, quantity: { grams: line.quantity.grams! } })) } };
    },
    state: async (call) => (await orderOf(call.path.split('/')[2]!)).status,
    probes: async () => {
      const order = await ordersForPick();
      const lines = order.lines.map((line) => ({ lineId: line.lineId, quantity: { grams: line.quantity.grams! } }));
      await problem(admin.post(`/orders/${ghost()}/pick`, { lines }), 404);
      // Picked already.
      await problem(admin.post(`/orders/${order.id}/pick`, { lines }), 409);
    },
  },
  'POST /orders/{id}/pack': {
    ok: 200,
    build: async () => {
      const order = await orderToPack();
      return { client: admin, path: `/orders/${order.id}/pack`, body: { zones: [{ zone: 'ambient', bags: 2, lineIds: order.lines.map((line) => line.lineId) }] } };
    },
    state: fulfilmentState,
    probes: async () => {
      const order = await orderToPack();
      const zones = [{ zone: 'ambient', bags: 1, lineIds: order.lines.map((line) => line.lineId) }];
      await problem(admin.post(`/orders/${ghost()}/pack`, { zones }), 404);
      await problem(admin.post(`/orders/${order.id}/pack`, { zones }), 409, 'invalid-fulfillment-transition');
    },
  },
  'POST /orders/{id}/shipments': {
    ok: 201,
    build: async () => {
      const order = await orderToDispatch();
      return { client: admin, path: `/orders/${order.id}/shipments`, body: { carrier: 'own-van', lines: [{ lineId: order.lines[0]!.lineId }], bags: [order.packing!.bags[0]!.label] } };
    },
    state: fulfilmentState,
    probes: async () => {
      const order = await orderToDispatch();
      await problem(dispatchOf(ghost(), { carrier: 'own-van' }), 404);
      await problem(dispatchOf(order.id, { carrier: 'no-such-courier' }), 422, 'courier-not-available');
      await courierFaults({ errorRate: 1, errorStatus: 503, retryAfterSeconds: 1 });
      try {
        await problem(dispatchOf(order.id, { carrier: 'sandbox-courier' }), 503, 'courier-unavailable');
      } finally {
        await courierFaults(undefined);
      }
      expect((await dispatchOf(order.id, { carrier: 'sandbox-courier' })).status).toBe(201);
      // Everything has been sent.
      await problem(dispatchOf(order.id, { carrier: 'own-van' }), 409, 'invalid-fulfillment-transition');
    },
  },
  'POST /orders/{id}/shipments/{shipmentId}/events': {
    ok: 200,
    build: async () => {
      const { orderId, shipmentId } = await shipmentToStep();
      return { client: admin, path: `/orders/${orderId}/shipments/${shipmentId}/events`, body: { type: 'out-for-delivery' } };
    },
    state: fulfilmentState,
    probes: async () => {
      const { orderId, shipmentId } = await shipmentToStep();
      await problem(admin.post(`/orders/${orderId}/shipments/${ghost()}/events`, { type: 'out-for-delivery' }), 404);
      await problem(admin.post(`/orders/${orderId}/shipments/${shipmentId}/events`, { type: 'returned-to-store', lines: [] }), 400);
      // Delivered goods go nowhere else.
      expect((await admin.post(`/orders/${orderId}/shipments/${shipmentId}/events`, { type: 'delivered' })).status).toBe(200);
      await problem(admin.post(`/orders/${orderId}/shipments/${shipmentId}/events`, { type: 'out-for-delivery' }), 409, 'invalid-shipment-transition');
      // An age-restricted order is delivered only with the ID check recorded.
      const adult = await createProduct('OpenAPI cider', 'each', FIXED_PRICE, 1_000, true);
      const restricted = await vanShipment({ dateOfBirth: '1980-01-01' }, [{ sku: adult.variants[0]!.sku, quantity: { count: fixedCount } }]);
      const steps = `/orders/${restricted.orderId}/shipments/${restricted.shipmentId}/events`;
      expect((await admin.post(steps, { type: 'out-for-delivery' })).status).toBe(200);
      await problem(admin.post(steps, { type: 'delivered' }), 422, 'id-check-required');
      expect((await admin.post(steps, { type: 'delivered', idCheck: { document: 'passport' } })).status).toBe(200);
    },
  },
  'POST /orders/{id}/collection': {
    ok: 200,
    build: async () => ({ client: admin, path: `/orders/${(await orderToCollect()).id}/collection`, body: {} }),
    state: fulfilmentState,
    probes: async () => {
      await problem(admin.post(`/orders/${ghost()}/collection`, {}), 404);
      // Ready already.
      await problem(admin.post(`/orders/${(await orderToCollect()).id}/collection`, {}), 409, 'invalid-fulfillment-transition');
    },
  },
  'POST /orders/{id}/collection/handover': {
    ok: 200,
    build: async () => {
      const { order, code } = await orderToHandOver();
      return { client: admin, path: `/orders/${order.id}/collection/handover`, body: { code } };
    },
    state: fulfilmentState,
    probes: async () => {
      const { order, code } = await orderToHandOver();
      await problem(admin.post(`/orders/${ghost()}/collection/handover`, { code }), 404);
      // Collected already.
      await problem(admin.post(`/orders/${order.id}/collection/handover`, { code }), 409, 'invalid-fulfillment-transition');
      const other = await readyPickupOrder();
      const wrong = other.code === '000000' ? '000001' : '000000';
      const mismatch = await problem(admin.post(`/orders/${other.order.id}/collection/handover`, { code: wrong }), 422, 'handover-code-mismatch');
      expect(mismatch).toMatchObject({ attemptsLeft: 4 });
    },
  },
  'POST /orders/{id}/substitutions/{lineId}': {
    ok: 200,
    build: async () => {
      const order = await proposedOrder();
      return { client: shopper, path: `/orders/${order.id}/substitutions/${order.lines[0]!.lineId}`, body: { decision: 'accept' } };
    },
    state: async (call) => JSON.stringify((await orderOf(call.path.split('/')[2]!)).lines),
    probes: async () => {
      const order = await proposedOrder();
      const lineId = order.lines[0]!.lineId;
      await problem(shopper.post(`/orders/${ghost()}/substitutions/${lineId}`, { decision: 'accept' }), 404);
      // Accepted already, by the call above.
      await problem(shopper.post(`/orders/${order.id}/substitutions/${lineId}`, { decision: 'reject' }), 409, 'substitution-decided');
    },
  },
  'POST /orders/{id}/cancel': {
    ok: 202,
    build: async () => ({ client: admin, path: `/orders/${(await orderForCancel()).id}/cancel`, body: { reason: 'openapi fixture' } }),
    state: async (call) => (await orderOf(call.path.split('/')[2]!)).status,
    probes: async () => {
      await problem(admin.post(`/orders/${ghost()}/cancel`, { reason: 'x' }), 404);
      await problem(admin.post(`/orders/${(await orderToRead()).id}/cancel`, { reason: 'x' }), 409, 'invalid-order-transition');
    },
  },
  'POST /webhooks/payments': {
    ok: 200,
    build: async () => {
      const { body, signature } = paymentEvent();
      return { client: api, path: '/webhooks/payments', contentType: 'application/json', headers: { 'Stripe-Signature': signature }, body };
    },
    probes: async () => {
      const stale = paymentEvent(600);
      await problem(api.request('POST', '/webhooks/payments', { body: stale.body, contentType: 'application/json', headers: { 'Stripe-Signature': stale.signature } }), 400, 'stale-webhook');
    },
  },
  'POST /api-keys': {
    ok: 201,
    build: async () => ({ client: admin, path: '/api-keys', body: { name: unique('Till'), roles: ['pos'], scopes: ['inventory:read'], stores: [STORE] } }),
    neededHere: { 'body:stores': 'a store-bound role (pos) acts at the stores the key names: without them, 400 `stores-required`' },
    state: async () => (await admin.get<{ items: { id: string }[] }>('/api-keys?limit=1')).body.items[0]?.id,
    probes: async () => {
      const body = { name: unique('Feed'), roles: ['catalog-feed'] };
      const headers = { 'Idempotency-Key': unique('key') };
      const first = await admin.post<{ id: string; apiKey?: string }>('/api-keys', body, { headers });
      expect(first.status).toBe(201);
      const again = await admin.post<{ id: string; apiKey?: string }>('/api-keys', body, { headers });
      expect(again.status).toBe(200);
      expect(again.body.id).toBe(first.body.id);
      expect(again.body.apiKey).toBeUndefined();
      await problem(admin.post('/api-keys', { ...body, name: unique('Other') }, { headers }), 409, 'idempotency-key-reused');
      await problem(admin.post('/api-keys', { ...body, scopes: ['orders:refund'] }, { headers: { 'Idempotency-Key': unique('key') } }), 400, 'scope-beyond-roles');
    },
  },
  'GET /api-keys': {
    ok: 200,
    build: async () => ({ client: admin, path: '/api-keys', query: { status: 'active', limit: '5' } }),
    probes: async () => {
      await problem(admin.get('/api-keys?cursor=bm90LWEtY3Vyc29y'), 400);
    },
  },
  'GET /api-keys/{id}': {
    ok: 200,
    build: async () => ({ client: admin, path: `/api-keys/${await newApiKey()}` }),
    probes: async () => {
      await problem(admin.get('/api-keys/key_000000000000000000000000'), 404);
      await problem(admin.get('/api-keys/not-a-key'), 400);
    },
  },
  'POST /api-keys/{id}/rotate': {
    ok: 201,
    build: async () => ({ client: admin, path: `/api-keys/${await newApiKey()}/rotate`, body: { overlapHours: 1 } }),
    state: async (call) => (await admin.get<{ lastFour: string }>(call.path.replace('/rotate', ''))).body.lastFour,
    probes: async () => {
      const id = await newApiKey();
      const headers = { 'Idempotency-Key': unique('key') };
      expect((await admin.post(`/api-keys/${id}/rotate`, { overlapHours: 2 }, { headers })).status).toBe(201);
      const again = await admin.post<{ apiKey?: string }>(`/api-keys/${id}/rotate`, { overlapHours: 2 }, { headers });
      expect(again.status).toBe(200);
      expect(again.body.apiKey).toBeUndefined();
      await problem(admin.post(`/api-keys/${id}/rotate`, { overlapHours: 169 }, { headers: { 'Idempotency-Key': unique('key') } }), 400);
      expect((await admin.post(`/api-keys/${id}/revoke`)).status).toBe(200);
      await problem(admin.post(`/api-keys/${id}/rotate`, {}, { headers: { 'Idempotency-Key': unique('key') } }), 409, 'api-key-revoked');
      await problem(admin.post('/api-keys/key_000000000000000000000000/rotate', {}, { headers: { 'Idempotency-Key': unique('key') } }), 404);
    },
  },
  'POST /api-keys/{id}/revoke': {
    ok: 200,
    build: async () => ({ client: admin, path: `/api-keys/${await newApiKey()}/revoke` }),
    probes: async () => {
      await problem(admin.post('/api-keys/key_000000000000000000000000/revoke'), 404);
      await problem(admin.post('/api-keys/not-a-key/revoke'), 400);
    },
  },
  'POST /webhook-endpoints': {
    ok: 201,
    build: async () => ({ client: admin, path: '/webhook-endpoints', body: { url: HOOK_URL, eventTypes: ['customer.erased'], description: unique('Fixture hook'), enabled: false } }),
    state: async () => (await admin.get<{ items: { id: string }[] }>('/webhook-endpoints?limit=1')).body.items[0]?.id,
    probes: async () => {
      const body = { url: HOOK_URL, eventTypes: ['customer.erased'], enabled: false };
      const headers = { 'Idempotency-Key': unique('key') };
      const first = await admin.post<{ id: string; secret?: string }>('/webhook-endpoints', body, { headers });
      expect(first.status).toBe(201);
      const again = await admin.post<{ id: string; secret?: string }>('/webhook-endpoints', body, { headers });
      expect(again.status).toBe(200);
      expect(again.body.id).toBe(first.body.id);
      expect(again.body.secret).toBeUndefined();
      await problem(admin.post('/webhook-endpoints', { ...body, description: 'Other' }, { headers }), 409, 'idempotency-key-reused');
      await problem(admin.post('/webhook-endpoints', { ...body, eventTypes: ['order.teleported'] }, { headers: { 'Idempotency-Key': unique('key') } }), 400);
      // The request without `enabled` made an enabled endpoint: nothing is to be delivered to this file's.
      const { body: page } = await admin.get<{ items: { id: string; url: string; enabled: boolean }[] }>('/webhook-endpoints?limit=100');
      for (const endpoint of page.items.filter((e) => e.url === HOOK_URL && e.enabled)) {
        expect((await admin.request('DELETE', `/webhook-endpoints/${endpoint.id}`)).status).toBe(204);
      }
    },
  },
  'GET /webhook-endpoints': {
    ok: 200,
    build: async () => ({ client: admin, path: '/webhook-endpoints', query: { limit: '5' } }),
    probes: async () => {
      await problem(admin.get('/webhook-endpoints?cursor=bm90LWEtY3Vyc29y'), 400);
    },
  },
  'GET /webhook-endpoints/{id}': {
    ok: 200,
    build: async () => ({ client: admin, path: `/webhook-endpoints/${await newWebhookEndpoint()}` }),
    probes: async () => {
      await problem(admin.get('/webhook-endpoints/ep_000000000000000000000000'), 404);
      await problem(admin.get('/webhook-endpoints/not-an-endpoint'), 400);
    },
  },
  'PATCH /webhook-endpoints/{id}': {
    ok: 200,
    build: async () => ({
      client: admin,
      path: `/webhook-endpoints/${await newWebhookEndpoint()}`,
      headers: { 'If-Match': '"1"' },
      body: { version: 1, url: `${HOOK_URL}/moved`, eventTypes: ['customer.erased', 'invoice.created'], description: unique('Hook') },
    }),
    state: async (call) => (await admin.get<{ version: number }>(call.path)).body.version,
    probes: async () => {
      const path = `/webhook-endpoints/${await newWebhookEndpoint()}`;
      expect((await admin.patch(path, { version: 1, description: unique('Hook') })).status).toBe(200);
      await problem(admin.patch(path, { version: 1, description: unique('Stale') }), 409, 'version-mismatch');
      await problem(admin.patch('/webhook-endpoints/ep_000000000000000000000000', { version: 1, enabled: false }), 404);
    },
  },
  'DELETE /webhook-endpoints/{id}': {
    ok: 204,
    build: async () => ({ client: admin, path: `/webhook-endpoints/${await newWebhookEndpoint()}`, headers: { 'If-Match': '"1"' } }),
    state: async (call) => (await admin.get(call.path)).status,
    probes: async () => {
      const path = `/webhook-endpoints/${await newWebhookEndpoint()}`;
      await problem(admin.request('DELETE', path, { headers: { 'If-Match': '"2"' } }), 409, 'version-mismatch');
      expect((await admin.request('DELETE', path)).status).toBe(204);
      await problem(admin.request('DELETE', path), 404);
      await problem(admin.request('DELETE', '/webhook-endpoints/not-an-endpoint'), 400);
    },
  },
  'POST /webhook-endpoints/{id}/rotate-secret': {
    ok: 201,
    build: async () => ({ client: admin, path: `/webhook-endpoints/${await newWebhookEndpoint()}/rotate-secret`, body: { overlapHours: 1 } }),
    state: async (call) => (await admin.get<{ version: number }>(call.path.replace('/rotate-secret', ''))).body.version,
    probes: async () => {
      const path = `/webhook-endpoints/${await newWebhookEndpoint()}/rotate-secret`;
      const headers = { 'Idempotency-Key': unique('key') };
      expect((await admin.post(path, { overlapHours: 2 }, { headers })).status).toBe(201);
      const again = await admin.post<{ secret?: string }>(path, { overlapHours: 2 }, { headers });
      expect(again.status).toBe(200);
      expect(again.body.secret).toBeUndefined();
      await problem(admin.post(path, { overlapHours: 169 }, { headers: { 'Idempotency-Key': unique('key') } }), 400);
      await problem(admin.post('/webhook-endpoints/ep_000000000000000000000000/rotate-secret', {}, { headers: { 'Idempotency-Key': unique('key') } }), 404);
    },
  },
  'GET /webhook-endpoints/{id}/deliveries': {
    ok: 200,
    build: async () => ({
      client: admin,
      path: `/webhook-endpoints/${(await hookedDelivery()).endpointId}/deliveries`,
      query: { status: 'succeeded', from: '2020-01-01T00:00:00Z', to: '2099-01-01T00:00:00Z', limit: '10' },
    }),
    probes: async () => {
      const { endpointId } = await hookedDelivery();
      await problem(admin.get(`/webhook-endpoints/${endpointId}/deliveries?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z`), 400);
      await problem(admin.get(`/webhook-endpoints/${endpointId}/deliveries?cursor=bm90LWEtY3Vyc29y`), 400);
      await problem(admin.get('/webhook-endpoints/ep_000000000000000000000000/deliveries'), 404);
    },
  },
  'GET /webhook-endpoints/{id}/deliveries/{deliveryId}': {
    ok: 200,
    build: async () => {
      const { endpointId, deliveryId } = await hookedDelivery();
      return { client: admin, path: `/webhook-endpoints/${endpointId}/deliveries/${deliveryId}` };
    },
    probes: async () => {
      const { endpointId } = await hookedDelivery();
      await problem(admin.get(`/webhook-endpoints/${endpointId}/deliveries/${GHOST_DELIVERY}`), 404);
      await problem(admin.get(`/webhook-endpoints/${endpointId}/deliveries/not-a-delivery`), 400);
    },
  },
  'POST /webhook-endpoints/{id}/deliveries/{deliveryId}/replay': {
    ok: 202,
    build: async () => {
      const { endpointId, deliveryId } = await hookedDelivery();
      return { client: admin, path: `/webhook-endpoints/${endpointId}/deliveries/${deliveryId}/replay` };
    },
    probes: async () => {
      const { endpointId } = await hookedDelivery();
      await problem(admin.post(`/webhook-endpoints/${endpointId}/deliveries/${GHOST_DELIVERY}/replay`), 404);
      await problem(admin.post(`/webhook-endpoints/${endpointId}/deliveries/not-a-delivery/replay`), 400);
      await problem(admin.post(`/webhook-endpoints/${await newWebhookEndpoint()}/deliveries/${GHOST_DELIVERY}/replay`), 409, 'webhook-endpoint-disabled');
    },
  },
  'POST /webhook-endpoints/{id}/replay': {
    ok: 202,
    build: async () => ({
      client: admin,
      path: `/webhook-endpoints/${(await hookedDelivery()).endpointId}/replay`,
      body: { from: '2020-01-01T00:00:00Z', to: '2099-01-01T00:00:00Z', status: 'failed' },
    }),
    probes: async () => {
      const { endpointId } = await hookedDelivery();
      await problem(admin.post(`/webhook-endpoints/${endpointId}/replay`, { from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }), 400);
      await problem(admin.post('/webhook-endpoints/ep_000000000000000000000000/replay', { from: '2020-01-01T00:00:00Z', to: '2099-01-01T00:00:00Z' }), 404);
      await problem(admin.post(`/webhook-endpoints/${await newWebhookEndpoint()}/replay`, { from: '2020-01-01T00:00:00Z', to: '2099-01-01T00:00:00Z' }), 409, 'webhook-endpoint-disabled');
      // Done with it: nothing more is delivered to this file's endpoint.
      const endpoint = await admin.get<{ version: number }>(`/webhook-endpoints/${endpointId}`);
      expect((await admin.patch(`/webhook-endpoints/${endpointId}`, { version: endpoint.body.version, enabled: false })).status).toBe(200);
    },
  },
  'GET /staff': {
    ok: 200,
    build: async () => ({ client: admin, path: '/staff', query: { role: 'picker', limit: '10' } }),
    probes: async () => {
      await problem(admin.get('/staff?limit=0'), 400);
    },
  },
  'GET /staff/{subject}': {
    ok: 200,
    build: async () => {
      const subject = unique('staff');
      expect((await admin.request('PUT', `/staff/${subject}/roles`, { body: { roles: ['head-office'] } })).status).toBe(200);
      return { client: admin, path: `/staff/${subject}` };
    },
    probes: async () => {
      await problem(admin.get(`/staff/${unique('nobody')}`), 404);
      await problem(admin.get('/staff/not%20a%20subject'), 400);
    },
  },
  'PUT /staff/{subject}/roles': {
    ok: 200,
    build: async () => ({ client: admin, path: `/staff/${unique('staff')}/roles`, body: { roles: ['picker'], stores: [STORE] } }),
    neededHere: { 'body:stores': 'a picker works at the stores named: without them, 400 `stores-required`' },
    // Their roles and stores, or the 404 of someone the store of principals does not hold (its request id aside).
    state: async (call) => {
      const response = await admin.get(call.path.replace(/\/roles$/, ''));
      return response.status === 200 ? response.body : response.status;
    },
    probes: async () => {
      const self = unique('admin');
      const own = await tokenClient(self, ['admin']);
      await problem(own.request('PUT', `/staff/${self}/roles`, { body: { roles: ['head-office'] } }), 409, 'own-admin-role');
      await problem(admin.request('PUT', `/staff/${unique('staff')}/roles`, { body: { roles: ['head-office'], stores: [STORE] } }), 400, 'stores-not-applicable');
    },
  },
  'GET /admin/queues': {
    ok: 200,
    build: async () => ({ client: admin, path: '/admin/queues' }),
  },
  'POST /admin/queues/{id}/redrive': {
    ok: 200,
    build: async () => ({ client: admin, path: '/admin/queues/search-order-history/redrive' }),
    probes: async () => {
      await problem(admin.post('/admin/queues/Not_A_Queue/redrive'), 400);
      await problem(admin.post('/admin/queues/no-such-queue/redrive'), 404);
    },
  },
  'POST /webhooks/billing': {
    ok: 200,
    build: async () => {
      const { body, signature } = billingEvent();
      return { client: api, path: '/webhooks/billing', contentType: 'application/json', headers: { 'Billing-Signature': signature }, body };
    },
    probes: async () => {
      const stale = billingEvent(600);
      await problem(api.request('POST', '/webhooks/billing', { body: stale.body, contentType: 'application/json', headers: { 'Billing-Signature': stale.signature } }), 400, 'stale-webhook');
    },
  },
  'POST /webhooks/orders': {
    ok: 200,
    build: async () => {
      const { body, signature } = courierEvent();
      return { client: api, path: '/webhooks/orders', contentType: 'application/json', headers: { 'Courier-Signature': signature }, body };
    },
    probes: async () => {
      const stale = courierEvent(600);
      await problem(api.request('POST', '/webhooks/orders', { body: stale.body, contentType: 'application/json', headers: { 'Courier-Signature': stale.signature } }), 400, 'stale-webhook');
    },
  },
  'POST /subscriptions': {
    ok: 201,
    build: async () => ({ client: await tokenClient(unique('openapi-subscriber'), ['shopper']), path: '/subscriptions', body: { plan: 'delivery-pass-monthly' } }),
    probes: async () => {
      const { client } = await subscriber();
      await problem(client.post('/subscriptions', { plan: 'delivery-pass-annual' }), 409, 'subscription-exists');
    },
  },
  'GET /subscriptions/{id}': {
    ok: 200,
    build: async () => {
      const { client, id } = await subscriptionToRead();
      return { client, path: `/subscriptions/${id}` };
    },
    probes: async () => {
      const { client } = await subscriptionToRead();
      await problem(client.get(`/subscriptions/${'x'.repeat(65)}`), 400);
      await problem(client.get(`/subscriptions/${ghost()}`), 404);
    },
  },
  'POST /subscriptions/{id}/cancel': {
    ok: 200,
    build: async () => {
      const { client, id } = await subscriber();
      return { client, path: `/subscriptions/${id}/cancel` };
    },
    probes: async () => {
      const { client, id } = await subscriber();
      await problem(client.post(`/subscriptions/${'x'.repeat(65)}/cancel`), 400);
      await problem(client.post(`/subscriptions/${ghost()}/cancel`), 404);
      // Another shopper's pass is a 404 like a missing one.
      await problem(shopper.post(`/subscriptions/${id}/cancel`), 404);
    },
  },
  'GET /me': {
    ok: 200,
    build: async () => ({ client: await tokenClient(unique('openapi-profile'), ['shopper']), path: '/me' }),
    probes: async () => void (await problem((await erasedShopper()).client.get('/me'), 410, 'account-erased')),
  },
  'PATCH /me': {
    ok: 200,
    build: async () => ({
      client: await tokenClient(unique('openapi-profile'), ['shopper']),
      path: '/me',
      contentType: 'application/merge-patch+json',
      headers: { 'If-Match': '"1"' },
      body: { version: 1, displayName: 'Ada', phone: '+447700900123', marketingConsent: { granted: true }, preferredStoreId: STORE },
    }),
    state: async (call: Call) => (await call.client.get('/me')).body,
    probes: async () => {
      const client = await tokenClient(unique('openapi-profile'), ['shopper']);
      await problem(client.patch('/me', { version: 7, displayName: 'Stale' }), 409, 'version-mismatch');
      await problem(client.patch('/me', { preferredStoreId: 'no-such-store' }), 422, 'unknown-store');
      await problem(client.patch('/me', { phone: '07700 900123' }), 400);
      await problem((await erasedShopper()).client.patch('/me', { displayName: 'Back' }), 410, 'account-erased');
    },
  },
  'GET /me/lists': {
    ok: 200,
    build: async () => ({ client: (await listOfOwn()).client, path: '/me/lists' }),
  },
  'POST /me/lists': {
    ok: 201,
    build: async () => ({ client: await tokenClient(unique('openapi-lister'), ['shopper']), path: '/me/lists', body: { name: unique('List'), lines: [fixedLine(), weighedLine()] } }),
    state: listState,
    probes: async () => {
      const client = await tokenClient(unique('openapi-lister'), ['shopper']);
      await problem(client.post('/me/lists', { name: 'Unknown', lines: [{ sku: 'NO-SUCH-SKU', quantity: { count: 1 } }] }), 400);
      await problem(client.post('/me/lists', { name: 'Archived', lines: [{ sku: (await archivedProduct()).variants[0]!.sku, quantity: { count: 1 } }] }), 409, 'product-archived');
      for (let i = 0; i < 20; i += 1) expect((await client.post('/me/lists', { name: `List ${i}` })).status).toBe(201);
      await problem(client.post('/me/lists', { name: 'One too many' }), 422, 'too-many-lists');
      await problem((await erasedShopper()).client.post('/me/lists', { name: unique('List') }), 410, 'account-erased');
    },
  },
  'GET /me/lists/{id}': {
    ok: 200,
    build: async () => {
      const { client, list } = await listOfOwn();
      return { client, path: `/me/lists/${list.id}` };
    },
    probes: async () => {
      const { client, list } = await listOfOwn();
      await problem(client.get('/me/lists/not-a-ulid'), 400);
      await problem(client.get(`/me/lists/${ghost()}`), 404);
      // Another shopper's list is a 404 like a missing one.
      await problem(shopper.get(`/me/lists/${list.id}`), 404);
    },
  },
  'PATCH /me/lists/{id}': {
    ok: 200,
    build: async () => {
      const { client, list } = await listOfOwn();
      const [first, second] = list.lines;
      return {
        client,
        path: `/me/lists/${list.id}`,
        contentType: 'application/json',
        body: { version: list.version, name: unique('Renamed'), remove: [second!.lineId], set: [{ lineId: first!.lineId, quantity: { count: 3 } }], add: [{ sku: scarce.variants[0]!.sku, quantity: { count: 1 } }] },
      };
    },
    state: async (call) => (await call.client.get(call.path)).body,
    probes: async () => {
      const { client, list } = await listOfOwn();
      await problem(client.patch(`/me/lists/${ghost()}`, { version: 1, name: 'Ghost' }, { contentType: 'application/json' }), 404);
      await problem(client.patch(`/me/lists/${list.id}`, { version: 7, name: 'Stale' }, { contentType: 'application/json' }), 409, 'version-mismatch');
      await problem(client.patch(`/me/lists/${list.id}`, { version: 1, add: [{ sku: 'NO-SUCH-SKU', quantity: { count: 1 } }] }, { contentType: 'application/json' }), 400);
      const skus = sampleSkus(STORE, 'each').map((s) => s.sku);
      const full = await client.post<{ id: string }>('/me/lists', { name: 'Full', lines: skus.slice(0, 100).map((sku) => ({ sku, quantity: { count: 1 } })) });
      expect(full.status, JSON.stringify(full.body)).toBe(201);
      await problem(client.patch(`/me/lists/${full.body.id}`, { version: 1, add: [{ sku: skus[100]!, quantity: { count: 1 } }] }, { contentType: 'application/json' }), 422, 'list-too-many-lines');
    },
  },
  'DELETE /me/lists/{id}': {
    ok: 204,
    build: async () => {
      const { client, list } = await listOfOwn();
      return { client, path: `/me/lists/${list.id}` };
    },
    state: listState,
    probes: async () => {
      const { client, list } = await listOfOwn();
      await problem(client.request('DELETE', '/me/lists/not-a-ulid'), 400);
      await problem(client.request('DELETE', `/me/lists/${ghost()}`), 404);
      await problem(shopper.request('DELETE', `/me/lists/${list.id}`), 404);
    },
  },
  'GET /me/buy-again': {
    ok: 200,
    build: async () => {
      // The shopper has a completed order of the fixed product by now.
      await orderToRead();
      return { client: shopper, path: '/me/buy-again', query: { limit: '5' } };
    },
    probes: async () => void (await problem(shopper.get('/me/buy-again?limit=0'), 400)),
  },
  'POST /carts/{id}/reorder': {
    ok: 200,
    build: async () => ({ client: shopper, path: `/carts/${(await cartWith([], false)).id}/reorder`, body: { orderId: (await orderToRead()).id } }),
    state: (call) => cartState(call.path.split('/')[2]!),
    probes: async () => {
      const order = await orderToRead();
      await problem(shopper.post(`/carts/${(await cartWith([], false)).id}/reorder`, { orderId: ghost() }), 404);
      await problem(shopper.post(`/carts/${ghost()}/reorder`, { orderId: order.id }), 404);
      await problem(shopper.post(`/carts/${(await heldCart()).id}/reorder`, { orderId: order.id }), 409, 'cart-not-open');
    },
  },
  'POST /me/exports': {
    ok: 202,
    build: async () => ({ client: await tokenClient(unique('openapi-exporter'), ['shopper']), path: '/me/exports' }),
    probes: async () => {
      const client = await tokenClient(unique('openapi-exporter'), ['shopper']);
      expect((await client.post('/me/exports', undefined)).status).toBe(202);
      // The first is still being built: one export at a time.
      await problem(client.post('/me/exports', undefined), 409, 'export-in-progress');
      await problem((await erasedShopper()).client.post('/me/exports', undefined), 410, 'account-erased');
    },
  },
  'GET /me/exports/{id}': {
    ok: 200,
    build: async () => {
      const { client, id } = await exportOfOwn();
      return { client, path: `/me/exports/${id}` };
    },
    probes: async () => {
      const { client, id } = await exportOfOwn();
      await problem(client.get('/me/exports/not-a-ulid'), 400);
      await problem(client.get(`/me/exports/${ghost()}`), 404);
      // Another shopper's export is a 404 like a missing one.
      await problem(shopper.get(`/me/exports/${id}`), 404);
    },
  },
  'DELETE /me': {
    ok: 202,
    build: async () => ({ client: await tokenClient(unique('openapi-eraser'), ['shopper']), path: '/me' }),
    probes: async () => {
      // This file's shopper has an order waiting to be picked: nothing is erased while it is in flight.
      const order = await pickingOrder();
      await problem(shopper.request('DELETE', '/me'), 409, 'orders-in-flight');
      expect((await shopper.get<Order>(`/orders/${order.id}`)).status).toBe(200);
    },
  },
  'GET /me/erasure': {
    ok: 200,
    build: async () => {
      const client = await tokenClient(unique('openapi-eraser'), ['shopper']);
      expect((await client.request('DELETE', '/me')).status).toBe(202);
      return { client, path: '/me/erasure' };
    },
    probes: async () => void (await problem((await tokenClient(unique('openapi-never-erased'), ['shopper'])).get('/me/erasure'), 404)),
  },
  'POST /customers/{shopperId}/exports': {
    ok: 202,
    build: async () => ({ client: await customerService(), path: `/customers/${unique('openapi-caller')}/exports`, body: { reason: 'Asked by phone, ticket 4711' } }),
    probes: async () => {
      const client = await customerService();
      const path = `/customers/${unique('openapi-caller')}/exports`;
      await problem(client.post(path, { reason: 'no' }), 400);
      expect((await client.post(path, { reason: 'Asked by phone, ticket 4712' })).status).toBe(202);
      await problem(client.post(path, { reason: 'Asked again, ticket 4713' }), 409, 'export-in-progress');
      await problem(client.post(`/customers/${(await erasedShopper()).subject}/exports`, { reason: 'Asked by letter, ticket 4717' }), 410, 'account-erased');
    },
  },
  'GET /customers/{shopperId}/exports/{id}': {
    ok: 200,
    build: async () => {
      const client = await customerService();
      const customer = unique('openapi-caller');
      const started = await client.post<{ id: string }>(`/customers/${customer}/exports`, { reason: 'Asked by phone, ticket 4714' });
      expect(started.status).toBe(202);
      return { client, path: `/customers/${customer}/exports/${started.body.id}` };
    },
    probes: async () => {
      const client = await customerService();
      await problem(client.get(`/customers/${unique('openapi-caller')}/exports/not-a-ulid`), 400);
      await problem(client.get(`/customers/${unique('openapi-caller')}/exports/${ghost()}`), 404);
    },
  },
  'POST /customers/{shopperId}/erasure': {
    ok: 202,
    build: async () => ({ client: await customerService(), path: `/customers/${unique('openapi-caller')}/erasure`, body: { reason: 'Asked by letter, ticket 4715' } }),
    probes: async () => {
      const client = await customerService();
      await pickingOrder();
      await problem(client.post(`/customers/openapi-shopper-${run}/erasure`, { reason: 'Asked by phone, ticket 4716' }), 409, 'orders-in-flight');
      await problem(client.post(`/customers/${unique('openapi-caller')}/erasure`, {}), 400);
    },
  },
};

/**
 * Statuses an operation documents for itself that no request here provokes, each with the reason it cannot be
 * provoked on the local platform. Keep this short: every entry is a status the document promises on trust.
 */
const UNPROVOKED: Record<string, string> = {
  'POST /webhook-endpoints/{id}/rotate-secret 409':
    '`version-mismatch` needs another change of the endpoint to commit between the rotation’s read and its conditioned write; two rotations race in test/integration/webhooks/endpoints.test.ts',
  'POST /auth/session 401':
    'a Cognito access token that does not verify, only where sign-in is Cognito’s (AWS); tested against a fake hosted UI in test/integration/auth/session.test.ts',
  'POST /auth/session 503':
    'the hosted UI’s token endpoint unreachable or failing, only where sign-in is Cognito’s (AWS); tested against a fake hosted UI in test/integration/auth/session.test.ts',
  'POST /api-keys/{id}/revoke 409':
    '`api-key-changed` needs another change of the key to commit between the revoke’s read and its conditioned write; the same condition is raced by two rotations in test/integration/staff/api-keys.test.ts',
  'PUT /staff/{subject}/roles 404':
    'only on AWS, for someone not in the staff pool; locally the store of principals takes any subject (the Cognito adapter’s 404 is tested with a fake pool in test/unit/staff/cognito-directory.test.ts)',
  'GET /health 503': 'answered while the platform starts or a data migration is missing; the e2e platform is ready before any test runs',
  'POST /carts 409': '`store-closed` needs a closed store, and no operation closes one (every sample store is open)',
  'POST /orders/{id}/returns 200':
    'answered to a key whose return exists once the idempotency middleware no longer has its first answer (after 24 h); within a run the middleware replays the first 201',
  'POST /orders/{id}/returns/{returnId}/inspect 422':
    '`perishable-not-restockable` needs goods packed chilled or frozen that were sent back, and the chain’s policy refunds those without sending them back (a store policy that has them sent back is tested in test/integration/orders/returns.test.ts)',
};

// ---------------------------------------------------------------------------------------------

const operations = Object.entries(doc.paths).flatMap(([template, item]) =>
  Object.entries(item).map(([method, operation]) => ({ key: `${method.toUpperCase()} ${template}`, method: method.toUpperCase(), template, operation })),
);

async function build(key: string, operation: Operation): Promise<Call> {
  const call = await FIXTURES[key]!.build();
  const keyed = (operation.parameters ?? []).some((p) => p.in === 'header' && p.name === 'Idempotency-Key');
  if (keyed && !headerName(call.headers, 'Idempotency-Key')) call.headers = { ...call.headers, 'Idempotency-Key': unique('key') };
  return call;
}

describe('the OpenAPI document requires what the API requires', () => {
  it('has a fixture for every operation, and none for an operation it does not have', () => {
    expect(Object.keys(FIXTURES).sort()).toEqual(operations.map((o) => o.key).sort());
  });

  for (const { key, method, template, operation } of operations) {
    it(`${key}: 400 (or 401) without each required part, nothing changed; ${FIXTURES[key]?.ok ?? '?'} without each optional one`, async () => {
      const fixture = FIXTURES[key];
      if (!fixture) expect.fail(`${key} has no fixture in FIXTURES: add one`);
      const base = await build(key, operation);
      const parts = partsOf(template, method, operation, base);

      const refused = async (removed: string[], status: number, group = false) => {
        const call = await build(key, operation);
        for (const part of removed) expect(has(call, part), `${key}: the fixture does not send ${part}`).toBe(true);
        const before = await fixture.state?.(call);
        const response = await send(method, removed.reduce(without, call));
        expect(response.status, `${key} without ${removed.join(' and ')}: ${JSON.stringify(response.body)}`).toBe(status);
        if (status === 400) expectNames(response, removed, `${key} without ${removed.join(' and ')}`, group);
        if (fixture.state) expect(await fixture.state(call), `${key} without ${removed.join(' and ')} changed something`).toEqual(before);
      };
      const accepted = async (removed: string[]) => {
        const call = await build(key, operation);
        const response = await send(method, removed.reduce(without, call));
        expect(response.status, `${key} without ${removed.join(' and ')}: ${JSON.stringify(response.body)}`).toBe(fixture.ok);
      };

      for (const part of parts.required) await refused([part], missingStatus(operation, part));
      for (const [part, reason] of Object.entries(fixture.neededHere ?? {})) {
        expect(parts.optional, `${key}: ${part} is listed as needed here but the document does not have it as optional`).toContain(part);
        expect(reason).not.toBe('');
        await refused([part], 400);
      }

      const first = await send(method, base);
      expect(first.status, `${key}: ${JSON.stringify(first.body)}`).toBe(fixture.ok);
      // Behind the idempotency middleware: a repeat is answered as the first, the key with another body is a 422.
      if (genericStatusesOf(key).includes('422') && base.body !== undefined) {
        const again = await send(method, base);
        expect(again.status).toBe(first.status);
        expect((again.body as { id?: unknown } | undefined)?.id).toEqual((first.body as { id?: unknown } | undefined)?.id);
        await problem(send(method, { ...base, body: otherBody(base.body) }), 422, 'idempotency-key-reused');
      }

      for (const part of parts.optional) {
        if (fixture.neededHere?.[part] || !has(base, part)) continue;
        await accepted([part, ...(fixture.together?.[part] ?? [])]);
      }
      for (const group of parts.groups) {
        const sent = group.filter((part) => has(base, part));
        expect(sent.length, `${key}: the fixture sends none of ${group.join(', ')}, one of which is required`).toBeGreaterThan(0);
        await refused(sent, 400, true);
        if (sent.length > 1) for (const part of sent) await accepted([part]);
      }

      await fixture.probes?.();
    });
  }

  it('answers with each status an operation documents for itself, or UNPROVOKED says why it cannot be provoked here', () => {
    const missing: string[] = [];
    for (const { key, operation } of operations) {
      const own = ownStatusesOf(key);
      expect(Object.keys(operation.responses), `${key}: its own statuses are not all documented`).toEqual(expect.arrayContaining(own));
      for (const status of own) {
        if (observed.get(key)?.has(status) || UNPROVOKED[`${key} ${status}`]) continue;
        missing.push(`${key} ${status}`);
      }
    }
    expect(missing, 'documented statuses nothing here produced').toEqual([]);
    for (const entry of Object.keys(UNPROVOKED)) {
      const [method, template, status] = entry.split(' ') as [string, string, string];
      expect(ownStatusesOf(`${method} ${template}`), `${entry} is not a status the operation documents for itself`).toContain(status);
      expect(observed.get(`${method} ${template}`)?.has(status), `${entry} was produced after all: remove it from UNPROVOKED`).toBeFalsy();
    }
  });
});
