import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import Stripe from 'stripe';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { localDynamoClient } from '../../infra/local/engines/dynamodb.js';
import { LOCAL_WEBHOOK_SECRET } from '../../infra/local/resources.js';
import { keys } from '../../shared/db/keys.js';
import { idempotencyKey } from '../../shared/payments/gateway.js';
import { WEBHOOK_CONSUMER } from '../../shared/payments/payment-records.js';
import { stripeGateway } from '../../shared/payments/stripe-gateway.js';
import { ApiClient } from '../support/api-client.js';
import { eventually, problem } from '../support/e2e.js';

/**
 * Stripe's webhooks end to end: signed events over HTTP to the local platform, queued, and applied by the
 * consumer to the payment record in the platform's table; the payments sandbox the platform runs sends its own.
 */

const run = Date.now().toString(36);
const api = new ApiClient(inject('baseUrl'));
const runtime = JSON.parse(await readFile(join(inject('dataDir'), 'runtime.json'), 'utf8')) as {
  endpoints: { dynamodb: string };
  tableName: string;
  paymentsSandboxUrl: string;
};
const db = DynamoDBDocumentClient.from(localDynamoClient(runtime.endpoints.dynamodb));
afterAll(() => db.destroy());

const itemAt = async (key: { pk: string; sk: string }) => (await db.send(new GetCommand({ TableName: runtime.tableName, Key: key, ConsistentRead: true }))).Item;

function intentEvent(name: string, secret = LOCAL_WEBHOOK_SECRET, timestamp?: number) {
  const intentId = `pi_e2e_${run}_${name}`;
  const body = JSON.stringify({
    id: `evt_e2e_${run}_${name}`,
    object: 'event',
    type: 'payment_intent.succeeded',
    created: Math.floor(Date.now() / 1000),
    data: { object: { id: intentId, object: 'payment_intent', status: 'succeeded', amount: 900, amount_received: 900, currency: 'gbp', metadata: { orderId: `order-${name}` } } },
  });
  const signature = Stripe.webhooks.generateTestHeaderString({ payload: body, secret, ...(timestamp ? { timestamp } : {}) });
  return { intentId, eventId: `evt_e2e_${run}_${name}`, body, signature };
}

const send = (body: string, signature: string) =>
  api.request('POST', '/webhooks/payments', { body, contentType: 'application/json', headers: { 'stripe-signature': signature }, token: null });

describe('POST /webhooks/payments on the local platform', () => {
  it('applies a signed event and enqueues nothing for a forged or stale one', async () => {
    const forged = intentEvent('forged', 'whsec_not_ours');
    const stale = intentEvent('stale', LOCAL_WEBHOOK_SECRET, Math.floor(Date.now() / 1000) - 600);
    const good = intentEvent('good');

    expect((await problem(send(forged.body, forged.signature), 401)).type).toMatch(/bad-webhook-signature$/);
    expect((await problem(send(stale.body, stale.signature), 400)).type).toMatch(/stale-webhook$/);
    const accepted = await send(good.body, good.signature);
    expect(accepted.status).toBe(200);
    expect(accepted.body).toEqual({ received: true });

    // The good event went through the same queue after the refused ones: once it is applied, they would have been too.
    const record = await eventually('the signed event applied', () => itemAt(keys.payment(good.intentId)), 30_000);
    expect(record).toMatchObject({ status: 'succeeded', orderId: 'order-good', amountReceived: 900, currency: 'GBP' });
    for (const refused of [forged, stale]) {
      expect(await itemAt(keys.payment(refused.intentId))).toBeUndefined();
      expect(await itemAt(keys.processedEvent(WEBHOOK_CONSUMER, refused.eventId))).toBeUndefined();
    }
  });

  it('receives the payments sandbox’s own signed webhooks for an authorization', async () => {
    const sandbox = new URL(runtime.paymentsSandboxUrl);
    const gateway = stripeGateway({ secretKey: 'sk_test_e2e', host: sandbox.hostname, port: Number(sandbox.port), protocol: 'http' });
    const orderId = `e2e-${run}`;
    const created = await gateway.createIntent({ orderId, amount: { amount: 2345, currency: 'GBP' }, paymentMethod: 'pm_card_visa' }, idempotencyKey(orderId, 'authorize'));
    const authorization = await gateway.confirm(created.intentId, idempotencyKey(orderId, 'confirm'));
    if (authorization.status !== 'authorized') expect.fail(`the sandbox answered ${authorization.status}`);
    const intentId = authorization.payment.intentId;

    const record = await eventually('the sandbox webhooks applied', async () => {
      const item = await itemAt(keys.payment(intentId));
      return item?.status === 'requires_capture' ? item : undefined;
    }, 30_000);
    expect(record).toMatchObject({ orderId, amount: 2345, currency: 'GBP' });
  });
});
