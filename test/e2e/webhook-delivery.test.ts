import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ApiClient } from '../support/api-client.js';
import { eventually } from '../support/e2e.js';

/**
 * Webhook delivery on the running local platform: an admin registers an endpoint at a receiver this test starts on
 * loopback (allowed locally), a category is created (the cheapest event to provoke: it moves no stock or money), and
 * the receiver gets a Standard Webhooks request for it that verifies with the secret the registration answered, by the
 * whole path: outbox, relay, bus, rule `events-to-webhooks`, fan-out, sender.
 */

const run = Date.now().toString(36);
const api = new ApiClient(inject('baseUrl'));
const admin = api.as({ apiKey: inject('adminApiKey') });

interface Received {
  headers: Record<string, string>;
  body: string;
}

const received: Received[] = [];
let status = 200;
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers as Record<string, string>, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/smartshelf-hooks`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** The requests that carry the category.created event of `slug`. */
const requestsFor = (slug: string) => received.filter((r) => (JSON.parse(r.body) as { data?: { slug?: string } }).data?.slug === slug);

describe('webhook delivery', () => {
  it('delivers an event to a registered endpoint as a verified Standard Webhooks request, retrying a failure', async () => {
    const created = await admin.post<{ id: string; secret: string }>(
      '/webhook-endpoints',
      { url, eventTypes: ['category.created'], description: `e2e delivery ${run}` },
      { headers: { 'idempotency-key': `webhook-delivery-${run}` } },
    );
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const { secret } = created.body;

    // The first attempt fails with a 503; the platform's schedule retries it 5 s later.
    status = 503;
    const slug = `webhooks-e2e-${run}`;
    const category = await admin.post<{ id: string }>('/categories', { slug, name: `Webhooks e2e ${run}` });
    expect(category.status).toBe(201);
    const first = await eventually('the first attempt', async () => requestsFor(slug)[0], 60_000);
    status = 200;
    await eventually('the retry', async () => requestsFor(slug)[1], 60_000);

    const requests = requestsFor(slug);
    for (const request of requests) {
      const verified = new Webhook(secret).verify(request.body, request.headers) as { type: string; id: string; version: number; data: Record<string, unknown> };
      expect(verified).toMatchObject({ type: 'category.created', version: 1, data: { categoryId: category.body.id, slug } });
      expect(request.headers['webhook-id']).toBe(`msg_${verified.id}`);
      expect(request.headers['content-type']).toBe('application/json');
    }
    expect(requests[1]!.headers['webhook-id']).toBe(first.headers['webhook-id']);
    expect(Number(requests[1]!.headers['webhook-timestamp'])).toBeGreaterThan(Number(first.headers['webhook-timestamp']));

    // The delivery log has both attempts; a replay sends it once more under the same webhook-id, signed afresh.
    const endpointId = created.body.id;
    const webhookId = first.headers['webhook-id']!;
    const delivery = await eventually('the delivery recorded as succeeded', async () => {
      const { body } = await admin.get<{ items: { id: string; webhookId: string; status: string; attempts: number }[] }>(`/webhook-endpoints/${endpointId}/deliveries`);
      return body.items.find((d) => d.webhookId === webhookId && d.status === 'succeeded');
    });
    expect(delivery.attempts).toBe(2);
    const detail = await admin.get<{ log: { n: number; trigger: string; statusCode?: number }[] }>(`/webhook-endpoints/${endpointId}/deliveries/${delivery.id}`);
    expect(detail.body.log.map((a) => [a.n, a.trigger, a.statusCode])).toEqual([
      [1, 'event', 503],
      [2, 'retry', 200],
    ]);
    expect((await admin.post(`/webhook-endpoints/${endpointId}/deliveries/${delivery.id}/replay`, {})).status).toBe(202);
    const replayed = await eventually('the replayed request', async () => requestsFor(slug)[2], 60_000);
    expect(replayed.headers['webhook-id']).toBe(webhookId);
    expect(() => new Webhook(secret).verify(replayed.body, replayed.headers)).not.toThrow();
  });
});
