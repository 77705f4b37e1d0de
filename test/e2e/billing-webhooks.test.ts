import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { localDynamoClient } from '../../infra/local/engines/dynamodb.js';
import { LOCAL_BILLING_WEBHOOK_SECRET } from '../../infra/local/resources.js';
import { signWebhook } from '../../shared/billing/signing.js';
import type { Subscription } from '../../shared/billing/subscriptions.js';
import { BILLING_WEBHOOK_CONSUMER } from '../../shared/billing/webhooks.js';
import { ENV } from '../../shared/config/env-names.js';
import { keys } from '../../shared/db/keys.js';
import { ApiClient } from '../support/api-client.js';
import { eventually, problem } from '../support/e2e.js';
import { spawnPlatform } from '../support/platform.js';

/**
 * Billing webhooks end to end on the local platform: a delivery pass subscribed through the API, created in the billing
 * sandbox by the billing-sync worker, then driven by the sandbox's and our own signed webhooks, duplicated and shuffled;
 * forged and stale webhooks refused; and a signing key rotated (old and new accepted, then the old one retired).
 */

const run = Date.now().toString(36);
const api = new ApiClient(inject('baseUrl'));
const runtime = JSON.parse(await readFile(join(inject('dataDir'), 'runtime.json'), 'utf8')) as {
  endpoints: { dynamodb: string };
  tableName: string;
  billingSandboxUrl: string;
};
const db = DynamoDBDocumentClient.from(localDynamoClient(runtime.endpoints.dynamodb));
afterAll(() => db.destroy());

const itemAt = async (key: { pk: string; sk: string }) => (await db.send(new GetCommand({ TableName: runtime.tableName, Key: key, ConsistentRead: true }))).Item;

async function sandbox(method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${runtime.billingSandboxUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`sandbox ${method} ${path} answered ${response.status}: ${await response.text()}`);
  return response.json();
}

let sequence = 0;
function billingEvent(type: string, object: Record<string, unknown>, created = Math.floor(Date.now() / 1000)) {
  sequence += 1;
  return { id: `evt_e2e_${run}_${sequence}`, type, created, data: { object } };
}

const send = (client: ApiClient, body: string, signature: string) =>
  client.request('POST', '/webhooks/billing', { body, contentType: 'application/json', headers: { 'billing-signature': signature }, token: null });

function shuffled<T>(items: T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

async function subscribe(subject: string): Promise<{ client: ApiClient; subscription: Subscription }> {
  const client = api.as({ token: await api.mintToken(subject, ['shopper']) });
  const created = await client.request<Subscription>('POST', '/subscriptions', { body: { plan: 'delivery-pass-monthly' }, headers: { 'idempotency-key': `pass-${subject}` } });
  expect(created.status).toBe(201);
  expect(created.body.status).toBe('pending');
  // The billing-sync worker creates the customer and the subscription in the sandbox and stores their ids.
  const synced = await eventually(
    'the pass created in billing',
    async () => {
      const read = await client.request<Subscription>('GET', `/subscriptions/${created.body.id}`);
      return read.body.billingSubscriptionId && read.body.status === 'active' ? read.body : undefined;
    },
    30_000,
  );
  return { client, subscription: synced };
}

describe('billing webhooks on the local platform', () => {
  it('creates a pass through the queue, then applies its webhooks once however duplicated and shuffled, ending on the newest', async () => {
    const { client, subscription } = await subscribe(`e2e-pass-${run}`);
    const reference = { billingSubscriptionId: subscription.billingSubscriptionId!, subscriptionReference: subscription.id };
    const t = Math.floor(Date.now() / 1000);
    // Our own signed events, each five times, all at once in random order: past due, a failed invoice, recovered.
    const failed = billingEvent(
      'invoice.payment_failed',
      { invoiceReference: `inv_e2e_${run}`, externalId: `pass-${run}`, status: 'open', currency: 'GBP', total: 799, tax: 133, createdAt: new Date().toISOString(), subscriptionReference: subscription.id },
      t + 2,
    );
    const events = [failed, billingEvent('subscription.updated', { ...reference, status: 'active' }, t + 3), billingEvent('subscription.updated', { ...reference, status: 'past_due' }, t + 1)];
    const bodies = events.map((e) => JSON.stringify(e));
    const answers = await Promise.all(shuffled(bodies.flatMap((b) => [b, b, b, b, b])).map((b) => send(api, b, signWebhook(b, LOCAL_BILLING_WEBHOOK_SECRET))));
    expect(answers.map((a) => a.status)).toEqual(Array(15).fill(200));

    // The newest event of the top rank wins, whatever the arrival order; an overtaken event is stale and changes nothing.
    const newest = new Date((t + 3) * 1000).toISOString();
    await eventually(
      'the newest event in force',
      async () => {
        const read = await client.request<Subscription>('GET', `/subscriptions/${subscription.id}`);
        return read.body.status === 'active' && read.body.statusEventAt === newest ? read.body : undefined;
      },
      30_000,
    );
    // The failure is announced if it moved the pass (it did unless the recovery got there first), and then once.
    const announced = await itemAt(keys.outboxEvent(`billing-payment-failed-${failed.id}`));
    if (announced) expect(JSON.parse(announced.detail as string)).toMatchObject({ data: { kind: 'subscription', subscriptionId: subscription.id } });

    // Now the sandbox's own webhooks, five copies each, shuffled: the pass falls past due, then is cancelled.
    await sandbox('POST', '/_sandbox/faults', { webhookDuplicates: 5, webhookShuffle: true });
    try {
      await sandbox('POST', `/_sandbox/subscriptions/${reference.billingSubscriptionId}/status`, { status: 'past_due' });
      await sandbox('POST', `/_sandbox/subscriptions/${reference.billingSubscriptionId}/status`, { status: 'cancelled' });
      const cancelled = await eventually(
        'the cancellation applied',
        async () => {
          const read = await client.request<Subscription>('GET', `/subscriptions/${subscription.id}`);
          return read.body.status === 'cancelled' ? read.body : undefined;
        },
        30_000,
      );
      expect(cancelled.billingSubscriptionId).toBe(reference.billingSubscriptionId);
    } finally {
      await sandbox('DELETE', '/_sandbox/faults');
    }
  });

  it('refuses a forged webhook with 401 and a stale one with 400, applying neither', async () => {
    const { client, subscription } = await subscribe(`e2e-forged-${run}`);
    const reference = { billingSubscriptionId: subscription.billingSubscriptionId!, subscriptionReference: subscription.id };
    const forged = JSON.stringify(billingEvent('subscription.updated', { ...reference, status: 'cancelled' }));
    const stale = JSON.stringify(billingEvent('subscription.updated', { ...reference, status: 'cancelled' }, Math.floor(Date.now() / 1000) - 600));
    expect((await problem(send(api, forged, signWebhook(forged, 'billing_whsec_not_ours')), 401)).type).toMatch(/bad-webhook-signature$/);
    expect((await problem(send(api, stale, signWebhook(stale, LOCAL_BILLING_WEBHOOK_SECRET, Date.now() - 600_000)), 400)).type).toMatch(/stale-webhook$/);
    expect((await problem(send(api, forged, ''), 401)).type).toMatch(/bad-webhook-signature$/);

    // A genuine event queued after them: once it is applied, the refused ones would have been too. It is dated ahead of
    // the sandbox's own subscription.updated, which may carry the same second: between two statuses the newer event wins.
    const genuine = billingEvent('subscription.updated', { ...reference, status: 'past_due' }, Math.floor(Date.now() / 1000) + 5);
    const body = JSON.stringify(genuine);
    expect((await send(api, body, signWebhook(body, LOCAL_BILLING_WEBHOOK_SECRET))).status).toBe(200);
    await eventually('the genuine event applied', () => itemAt(keys.processedEvent(BILLING_WEBHOOK_CONSUMER, genuine.id)), 30_000);
    expect((await client.request<Subscription>('GET', `/subscriptions/${subscription.id}`)).body.status).toBe('past_due');
    for (const refused of [forged, stale]) expect(await itemAt(keys.processedEvent(BILLING_WEBHOOK_CONSUMER, (JSON.parse(refused) as { id: string }).id))).toBeUndefined();
  });

  it('rotates the signing key: during the rotation the old and the new key are accepted, once the old is retired it is a 401', async () => {
    const OLD = `billing_whsec_e2e_retiring_${run}`;
    const NEW = LOCAL_BILLING_WEBHOOK_SECRET;
    const ignored = () => JSON.stringify(billingEvent('customer.updated', { billingCustomerId: `cus_${run}` }));

    // During the rotation: a platform holding the new key as current and the old one as previous.
    const dataDir = await mkdtemp(join(tmpdir(), 'smartshelf-e2e-rotation-'));
    const rotating = await spawnPlatform({ dataDir, fresh: true, seed: false, env: { [ENV.billingWebhookSecret]: NEW, [ENV.billingWebhookSecretPrevious]: OLD } });
    try {
      const during = new ApiClient(rotating.baseUrl);
      for (const signedWith of [OLD, NEW, [NEW, OLD]]) {
        const body = ignored();
        expect((await send(during, body, signWebhook(body, signedWith))).status, String(signedWith)).toBe(200);
      }
      const forged = ignored();
      expect((await send(during, forged, signWebhook(forged, 'billing_whsec_not_ours'))).status).toBe(401);
    } finally {
      await rotating.stop();
      await rm(dataDir, { recursive: true, force: true });
    }

    // After it: the e2e platform holds the new key alone.
    const afterBody = ignored();
    expect((await problem(send(api, afterBody, signWebhook(afterBody, OLD)), 401)).type).toMatch(/bad-webhook-signature$/);
    expect((await send(api, afterBody, signWebhook(afterBody, NEW))).status).toBe(200);
    expect((await send(api, afterBody, signWebhook(afterBody, [NEW, OLD]))).status).toBe(200);
  }, 180_000);
});
