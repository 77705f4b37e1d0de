import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LOCAL_WEBHOOK_SIGNING_KEY } from '../../infra/local/resources.js';
import { signingSecret } from '../../shared/webhooks/signing-secrets.js';
import { ApiClient, type ApiResponse, type Problem } from '../support/api-client.js';
import { eventually, fieldsOf, problem } from '../support/e2e.js';

/**
 * Managing webhook endpoints on the running local platform (docs/webhooks.md): an admin registers one and is shown its
 * signing secret once (the secret derived from the local master key, so nothing stores it); a retried create makes
 * nothing more; the endpoint is changed under its version, disabled and enabled, its secret rotated with an overlap,
 * and deleted, each change audited without a secret; bad input is a 400 that names what was wrong and changes
 * nothing; every other role and a shopper are refused every route. An endpoint's delivery of a stock adjustment is
 * verified with `standardwebhooks`, found in its log with its attempt, and replayed (one delivery, then a time range)
 * under the same `webhook-id`. The endpoints point at a receiver this file runs, which accepts whatever it is sent.
 */

const api = new ApiClient(inject('baseUrl'));
const admin = api.as({ apiKey: inject('adminApiKey') });
const run = Date.now().toString(36);
let sequence = 0;
const keyed = () => ({ headers: { 'idempotency-key': `webhooks-${run}-${(sequence += 1)}` } });

interface Endpoint {
  id: string;
  url: string;
  eventTypes: string[];
  description?: string;
  enabled: boolean;
  disabledReason?: string;
  disabledAt?: string;
  secretVersions: { version: number; createdAt: string; expiresAt?: string }[];
  createdBy: string;
  version: number;
  secret?: string;
}

let receiver: Server;
let url: string;
/** What the receiver was sent: headers and the body's text, in arrival order. */
const received: { path: string; headers: Record<string, string>; body: string }[] = [];

beforeAll(async () => {
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ path: request.url ?? '', headers: request.headers as Record<string, string>, body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/${run}`;
});

afterAll(async () => {
  await new Promise((resolve) => receiver.close(resolve));
});

async function register(body: Record<string, unknown> = {}): Promise<ApiResponse<Endpoint>> {
  const created = await admin.post<Endpoint>('/webhook-endpoints', { url, eventTypes: ['order.completed'], ...body }, keyed());
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created;
}

/** What a problem says: its detail and each failing field with its message. */
const said = (p: Problem) => [p.detail, ...(p.errors ?? []).map((e) => `${e.field}: ${e.message}`)].join('\n');

const newest = async () => (await admin.get<{ items: { id: string }[] }>('/webhook-endpoints?limit=1')).body.items[0]?.id;
const read = async (id: string) => (await admin.get<Endpoint>(`/webhook-endpoints/${id}`)).body;

describe('registering an endpoint', () => {
  it('answers its secret once, derived rather than stored; a retried create makes nothing more', async () => {
    const options = keyed();
    const body = { url, eventTypes: ['order.completed', 'fulfillment.updated'], description: `WMS ${run}` };
    const created = await admin.post<Endpoint>('/webhook-endpoints', body, options);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const { id, secret } = created.body;
    expect(created.headers.get('location')).toBe(`/webhook-endpoints/${id}`);
    expect(created.headers.get('etag')).toBe('"1"');
    expect(created.headers.get('cache-control')).toBe('no-store');
    expect(created.body).toMatchObject({ url, eventTypes: body.eventTypes, description: body.description, enabled: true, version: 1, secretVersions: [{ version: 1 }] });
    expect(secret).toBe(signingSecret(LOCAL_WEBHOOK_SIGNING_KEY, id, 1));

    const again = await admin.post<Endpoint>('/webhook-endpoints', body, options);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(id);
    expect(again.body.secret).toBeUndefined();
    await problem(admin.post('/webhook-endpoints', { ...body, description: 'another' }, options), 409, 'idempotency-key-reused');

    const listed = await admin.get<{ items: Endpoint[] }>('/webhook-endpoints?limit=100');
    expect(listed.body.items.filter((e) => e.description === body.description).map((e) => e.id)).toEqual([id]);
    const got = await admin.get<Endpoint>(`/webhook-endpoints/${id}`);
    expect(got.headers.get('etag')).toBe('"1"');
    for (const text of [JSON.stringify(listed.body), JSON.stringify(got.body)]) expect(text).not.toContain('whsec_');

    const audit = await admin.get<{ items: { action: string; after: Record<string, unknown> }[] }>(`/audit?entity=webhook-endpoint&entityId=${id}`);
    expect(audit.body.items.map((e) => e.action)).toEqual(['create']);
    expect(audit.body.items[0]!.after).toMatchObject({ urlOrigin: new URL(url).origin, eventTypes: body.eventTypes, enabled: true });
    expect(JSON.stringify(audit.body)).not.toContain('whsec_');
    expect(JSON.stringify(audit.body)).not.toContain(`/hooks/${run}`);
    await admin.request('DELETE', `/webhook-endpoints/${id}`);
  });

  it('can be created disabled, and takes a loopback http URL on the local platform', async () => {
    const created = await register({ enabled: false, eventTypes: ['customer.erased'] });
    expect(created.body).toMatchObject({ enabled: false, disabledReason: 'manual' });
    expect(created.body.url.startsWith('http://127.0.0.1:')).toBe(true);
    await admin.request('DELETE', `/webhook-endpoints/${created.body.id}`);
  });
});

describe('changing an endpoint', () => {
  it('changes it under its version, disables and enables it, rotates its secret with an overlap, and deletes it', async () => {
    const { id, secret: first } = (await register()).body;

    const changed = await admin.patch<Endpoint>(`/webhook-endpoints/${id}`, { eventTypes: ['order.completed', 'order.refunded'], description: 'ERP' }, { headers: { 'if-match': '"1"' } });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(changed.headers.get('etag')).toBe('"2"');
    expect(changed.body).toMatchObject({ eventTypes: ['order.completed', 'order.refunded'], description: 'ERP', version: 2 });
    await problem(admin.patch(`/webhook-endpoints/${id}`, { version: 1, description: 'stale' }), 409, 'version-mismatch');

    const disabled = await admin.patch<Endpoint>(`/webhook-endpoints/${id}`, { version: 2, enabled: false, description: null });
    expect(disabled.body).toMatchObject({ enabled: false, disabledReason: 'manual', version: 3 });
    expect(disabled.body.description).toBeUndefined();
    const enabled = await admin.patch<Endpoint>(`/webhook-endpoints/${id}`, { version: 3, enabled: true });
    expect(enabled.body).toMatchObject({ enabled: true, version: 4 });
    expect(enabled.body.disabledReason).toBeUndefined();
    expect(enabled.body.disabledAt).toBeUndefined();
    // The same values again change nothing, not even the version.
    expect((await admin.patch<Endpoint>(`/webhook-endpoints/${id}`, { version: 4, enabled: true })).body.version).toBe(4);

    const options = keyed();
    const rotated = await admin.post<Endpoint>(`/webhook-endpoints/${id}/rotate-secret`, { overlapHours: 2 }, options);
    expect(rotated.status, JSON.stringify(rotated.body)).toBe(201);
    expect(rotated.body.secret).toBe(signingSecret(LOCAL_WEBHOOK_SIGNING_KEY, id, 2));
    expect(rotated.body.secret).not.toBe(first);
    expect(rotated.body.secretVersions.map((v) => v.version)).toEqual([1, 2]);
    const overlapEnds = Date.parse(rotated.body.secretVersions[0]!.expiresAt!) - Date.now();
    expect(overlapEnds).toBeGreaterThan(2 * 3_600_000 - 60_000);
    expect(overlapEnds).toBeLessThanOrEqual(2 * 3_600_000);
    const repeated = await admin.post<Endpoint>(`/webhook-endpoints/${id}/rotate-secret`, { overlapHours: 2 }, options);
    expect(repeated.status).toBe(200);
    expect(repeated.body.secret).toBeUndefined();
    expect(repeated.body.version).toBe(rotated.body.version);
    // A rotation with no overlap stops the old secret at once: only the newest signs.
    const cut = await admin.post<Endpoint>(`/webhook-endpoints/${id}/rotate-secret`, { overlapHours: 0 }, keyed());
    expect(cut.body.secretVersions.map((v) => v.version)).toEqual([3]);

    await problem(admin.request('DELETE', `/webhook-endpoints/${id}`, { headers: { 'if-match': '"1"' } }), 409, 'version-mismatch');
    const deleted = await admin.request('DELETE', `/webhook-endpoints/${id}`, { headers: { 'if-match': `"${cut.body.version}"` } });
    expect(deleted.status).toBe(204);
    await problem(admin.get(`/webhook-endpoints/${id}`), 404);
    await problem(admin.request('DELETE', `/webhook-endpoints/${id}`), 404);

    const audit = await admin.get<{ items: { action: string }[] }>(`/audit?entity=webhook-endpoint&entityId=${id}`);
    expect(audit.body.items.map((e) => e.action).sort()).toEqual(['create', 'delete', 'rotate-secret', 'rotate-secret', 'update', 'update', 'update'].sort());
    expect(JSON.stringify(audit.body)).not.toContain('whsec_');
  });
});

describe('bad input', () => {
  it('refuses a create with a 400 naming what was wrong, and registers nothing', async () => {
    const before = await newest();
    const cases: [unknown, string][] = [
      [{ url: 'not a url', eventTypes: ['order.completed'] }, 'body.url'],
      [{ url: 'ftp://127.0.0.1/x', eventTypes: ['order.completed'] }, 'body.url'],
      [{ url: 'http://user:password@127.0.0.1/x', eventTypes: ['order.completed'] }, 'body.url'],
      [{ url, eventTypes: ['order.completed', 'order.teleported'] }, '"order.teleported" is not an event type'],
      [{ url, eventTypes: ['inventory.reserved'] }, '"inventory.reserved" is not an event type'],
      [{ url, eventTypes: [] }, 'body.eventTypes'],
      [{ url, eventTypes: ['order.completed', 'order.completed'] }, 'twice'],
      [{ url, eventTypes: ['order.completed'], secret: 'whsec_mine' }, 'secret'],
      [{ url, eventTypes: ['order.completed'], enabled: 'yes' }, 'body.enabled'],
      [{ eventTypes: ['order.completed'] }, 'body.url'],
    ];
    for (const [body, names] of cases) {
      const refused = await problem(admin.post('/webhook-endpoints', body, keyed()), 400);
      expect(said(refused), JSON.stringify(body)).toContain(names);
    }
    await problem(admin.post('/webhook-endpoints', { url, eventTypes: ['order.completed'] }), 400, 'idempotency-key-required');
    expect(await newest()).toBe(before);
  });

  it('refuses a bad change, rotation or id with a 400 naming it, and changes nothing', async () => {
    const { id } = (await register({ enabled: false })).body;
    const before = await read(id);
    const patches: [unknown, Record<string, string>, string][] = [
      [{ description: 'no version' }, {}, 'body.version'],
      [{ description: 'bad etag' }, { 'if-match': 'W/"1"' }, 'header.if-match'],
      [{ version: 1 }, {}, 'must change url, eventTypes, description or enabled'],
      [{ version: 1, eventTypes: ['order.teleported'] }, {}, '"order.teleported" is not an event type'],
      [{ version: 1, url: 'javascript:alert(1)' }, {}, 'body.url'],
      [{ version: 1, enabled: true, id: 'ep_000000000000000000000000' }, {}, 'unknown field: id'],
    ];
    for (const [body, headers, names] of patches) {
      const refused = await problem(admin.patch(`/webhook-endpoints/${id}`, body, { headers }), 400);
      expect(said(refused), JSON.stringify(body)).toContain(names);
    }
    const rotate = await problem(admin.post(`/webhook-endpoints/${id}/rotate-secret`, { overlapHours: 169 }, keyed()), 400);
    expect(fieldsOf(rotate)).toEqual(['body.overlapHours']);
    await problem(admin.post(`/webhook-endpoints/${id}/rotate-secret`, {}), 400, 'idempotency-key-required');
    expect(await read(id)).toEqual(before);
    expect(fieldsOf(await problem(admin.get('/webhook-endpoints/not-an-endpoint'), 400))).toEqual(['path.id']);
    await problem(admin.get('/webhook-endpoints/ep_000000000000000000000000'), 404);
    expect(fieldsOf(await problem(admin.get('/webhook-endpoints?cursor=bm90LWEtY3Vyc29y'), 400))).toEqual(['query.cursor']);
    await admin.request('DELETE', `/webhook-endpoints/${id}`);
  });
});

describe('who may manage endpoints', () => {
  it('refuses every other role and a shopper on every route (403 webhooks:manage), changing nothing', async () => {
    const { id } = (await register({ enabled: false })).body;
    const before = await read(id);
    for (const role of ['head-office', 'store-manager', 'customer-service', 'catalog-feed', 'shopper']) {
      const client = api.as({ token: await api.mintToken(`webhooks-${role}-${run}`, [role], role === 'store-manager' ? ['london-bridge'] : []) });
      const attempts = [
        client.post('/webhook-endpoints', { url, eventTypes: ['order.completed'] }, keyed()),
        client.get('/webhook-endpoints'),
        client.get(`/webhook-endpoints/${id}`),
        client.patch(`/webhook-endpoints/${id}`, { version: 1, enabled: true }),
        client.request('DELETE', `/webhook-endpoints/${id}`),
        client.post(`/webhook-endpoints/${id}/rotate-secret`, { overlapHours: 0 }, keyed()),
      ];
      for (const attempt of attempts) expect(await problem(attempt, 403, 'insufficient-scope'), role).toMatchObject({ requiredScope: 'webhooks:manage' });
    }
    expect(await read(id)).toEqual(before);
    await admin.request('DELETE', `/webhook-endpoints/${id}`);
  });
});

interface Delivery {
  id: string;
  webhookId: string;
  eventType: string;
  status: string;
  attempts: number;
  eventTime: string;
  payload?: { type: string; data: { sku: string; adjustmentId: string } };
  log?: { n: number; trigger: string; statusCode?: number; durationMs: number; responseExcerpt: string }[];
}

describe('the delivery log and replays', () => {
  it('logs a verified delivery of a subscribed event, and replays it and a time range under the same webhook-id', async () => {
    const path = `/hooks/${run}/log`;
    const created = await admin.post<Endpoint>('/webhook-endpoints', { url: `${new URL(url).origin}${path}`, eventTypes: ['inventory.adjusted'] }, keyed());
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const { id, secret } = created.body;
    // A product of its own: a sample SKU's stock is what other files (carts' short line) count on, so it is not moved here.
    const sku = `WEBHOOK-${run.toUpperCase()}`;
    const categories = (await api.get<{ items: { id: string; path: string }[] }>('/categories')).body.items;
    const product = await admin.post('/products', {
      name: `Webhook marmalade ${run}`,
      categoryId: categories.find((c) => c.path === 'pantry')!.id,
      taxCategory: 'food',
      variants: [{ sku, name: '454g', soldBy: 'each', price: { amount: 250, currency: 'GBP' } }],
    });
    expect(product.status, JSON.stringify(product.body)).toBe(201);
    const adjusted = await admin.post<{ id: string }>('/inventory/adjustments', { sku, storeId: 'london-bridge', delta: 1, reason: 'delivery' }, keyed());
    expect(adjusted.status, JSON.stringify(adjusted.body)).toBe(201);

    // Other files may adjust stock meanwhile: this adjustment's delivery is the one whose payload names it.
    const delivery = await eventually('the adjustment delivered', async () => {
      const { body } = await admin.get<{ items: Delivery[] }>(`/webhook-endpoints/${id}/deliveries?status=succeeded`);
      for (const item of body.items) {
        const detail = await admin.get<Delivery>(`/webhook-endpoints/${id}/deliveries/${item.id}`);
        if (detail.body.payload?.data.adjustmentId === adjusted.body.id) return item;
      }
      return undefined;
    });
    const mine = () => received.filter((r) => r.path === path && r.headers['webhook-id'] === delivery.webhookId);
    expect(delivery).toMatchObject({ eventType: 'inventory.adjusted', status: 'succeeded', attempts: 1 });
    expect(mine()).toHaveLength(1);
    const first = mine()[0]!;
    expect(first.headers['webhook-id']).toBe(delivery.webhookId);
    expect(() => new Webhook(secret!).verify(first.body, first.headers)).not.toThrow();

    const detail = await admin.get<Delivery>(`/webhook-endpoints/${id}/deliveries/${delivery.id}`);
    expect(detail.body.payload).toMatchObject({ type: 'inventory.adjusted', data: { sku } });
    expect(detail.body.log).toEqual([expect.objectContaining({ n: 1, trigger: 'event', statusCode: 204, responseExcerpt: '' })]);

    const replayed = await admin.post<Delivery>(`/webhook-endpoints/${id}/deliveries/${delivery.id}/replay`);
    expect(replayed.status, JSON.stringify(replayed.body)).toBe(202);
    expect(replayed.body.status).toBe('pending');
    await eventually('the replay received', async () => (mine().length >= 2 ? true : undefined));
    // The range of this one event's time: the deliveries of that very millisecond.
    const ranged = await admin.post<{ replayed: number; nextCursor: string | null }>(`/webhook-endpoints/${id}/replay`, { from: delivery.eventTime, to: delivery.eventTime });
    expect(ranged.status, JSON.stringify(ranged.body)).toBe(202);
    expect(ranged.body).toEqual({ replayed: 1, nextCursor: null });
    await eventually('the range replay received', async () => (mine().length >= 3 ? true : undefined));
    // Every attempt is the same message under the same webhook-id, signed afresh: a receiver deduping by it keeps one.
    expect(new Set(mine().map((r) => r.body))).toEqual(new Set([first.body]));
    for (const request of mine()) expect(() => new Webhook(secret!).verify(request.body, request.headers)).not.toThrow();
    const log = await eventually('three attempts in the log', async () => {
      const { body } = await admin.get<Delivery>(`/webhook-endpoints/${id}/deliveries/${delivery.id}`);
      return body.log?.length === 3 && body.status === 'succeeded' ? body.log : undefined;
    });
    expect(log.map((a) => a.trigger)).toEqual(['event', 'replay', 'replay']);

    // A disabled endpoint is not replayed to; bad input is a 400 naming it; another endpoint's delivery id is a 404.
    const version = (await read(id)).version;
    expect((await admin.patch(`/webhook-endpoints/${id}`, { version, enabled: false })).status).toBe(200);
    await problem(admin.post(`/webhook-endpoints/${id}/deliveries/${delivery.id}/replay`), 409, 'webhook-endpoint-disabled');
    expect(fieldsOf(await problem(admin.get(`/webhook-endpoints/${id}/deliveries?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z`), 400))).toEqual(['query.from']);
    expect(fieldsOf(await problem(admin.post(`/webhook-endpoints/${id}/replay`, { from: 'yesterday', to: 'today' }), 400))).toEqual(['body.from', 'body.to']);
    const other = (await register({ enabled: false })).body.id;
    await problem(admin.get(`/webhook-endpoints/${other}/deliveries/${delivery.id}`), 404);
    expect(mine()).toHaveLength(3);
    await admin.request('DELETE', `/webhook-endpoints/${id}`);
    await admin.request('DELETE', `/webhook-endpoints/${other}`);
  });
});
