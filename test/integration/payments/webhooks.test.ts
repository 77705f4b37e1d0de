import { randomBytes } from 'node:crypto';
import type { SQSRecord } from 'aws-lambda';
import Stripe from 'stripe';
import { describe, expect, it, vi } from 'vitest';
import { keys } from '../../../shared/db/keys.js';
import { tableDeps } from '../../../shared/db/deps.js';
import { applyWebhookEvent, getPayment, PaymentNotYetKnownError, WEBHOOK_CONSUMER, type StripeWebhookMessage, type WebhookOutcome } from '../../../shared/payments/payment-records.js';
import { handler as receiveWebhook } from '../../../functions/payments/receive-webhook.js';
import { handler as processWebhook } from '../../../functions/payments/process-webhook.js';
import { engines, takeMessage } from '../../support/engines.js';
import { apiEvent, lambdaContext } from '../../support/lambda.js';
import { itemAt } from '../catalog/fixtures.js';

// The handler's configuration is read when it is imported, so the secrets must be in place before the imports run.
const secrets = vi.hoisted(() => {
  const values = { current: 'whsec_it_current_0123456789', previous: 'whsec_it_previous_0123456789' };
  process.env.STRIPE_WEBHOOK_SECRET = values.current;
  process.env.STRIPE_WEBHOOK_SECRET_PREVIOUS = values.previous;
  return values;
});

const token = () => randomBytes(6).toString('hex');
const deps = () => tableDeps({ tableName: engines().tableName });

type IntentStatus = 'requires_payment_method' | 'requires_action' | 'requires_capture' | 'succeeded' | 'canceled';

function intentEvent(type: string, intentId: string, created: number, status: IntentStatus, amountReceived = 0): StripeWebhookMessage {
  return {
    id: `evt_${token()}`,
    type,
    created,
    data: {
      object: { id: intentId, object: 'payment_intent', status, amount: 1250, amount_received: amountReceived, currency: 'gbp', metadata: { orderId: `order-${intentId}` } },
    },
  };
}

function refundEvent(intentId: string, created: number, amountRefunded: number): StripeWebhookMessage {
  return {
    id: `evt_${token()}`,
    type: 'charge.refunded',
    created,
    data: { object: { id: `ch_${intentId}`, object: 'charge', payment_intent: intentId, amount: 1250, amount_refunded: amountRefunded, currency: 'gbp' } },
  };
}

function post(body: string, signature: string | undefined) {
  return receiveWebhook(
    apiEvent({
      method: 'POST',
      resource: '/webhooks/payments',
      headers: { 'content-type': 'application/json; charset=utf-8', ...(signature ? { 'Stripe-Signature': signature } : {}) },
      body,
    }),
    lambdaContext(),
  );
}

const signed = (payload: string, secret: string, timestamp?: number) => Stripe.webhooks.generateTestHeaderString({ payload, secret, ...(timestamp ? { timestamp } : {}) });
const isEvent = (id: string) => (body: unknown) => (body as { id?: string }).id === id;

async function outboxData(eventId: string): Promise<Record<string, unknown> | undefined> {
  const item = await itemAt(keys.outboxEvent(eventId));
  return item ? (JSON.parse(item.detail as string) as { data: Record<string, unknown> }).data : undefined;
}

describe('POST /webhooks/payments', () => {
  it('accepts an event signed with the current secret, or the previous one during a rotation, and queues its raw body', async () => {
    for (const secret of [secrets.current, secrets.previous]) {
      const event = intentEvent('payment_intent.created', `pi_${token()}`, Math.floor(Date.now() / 1000), 'requires_payment_method');
      // Stripe's own spacing: the bytes queued must be the bytes signed.
      const body = JSON.stringify(event, null, 2);
      const response = await post(body, signed(body, secret));
      expect(response.statusCode).toBe(200);
      expect(JSON.parse(response.body)).toEqual({ received: true });
      expect(await takeMessage('payments-webhooks', isEvent(event.id))).toEqual(event);
    }
  });

  it('refuses a wrong or missing signature with 401 and a stale one with 400, and queues none of them', async () => {
    const events = [0, 1, 2, 3].map(() => intentEvent('payment_intent.succeeded', `pi_${token()}`, Math.floor(Date.now() / 1000), 'succeeded', 1250));
    const [wrong, missing, stale, tampered] = events.map((e) => JSON.stringify(e)) as [string, string, string, string];

    const responses = [
      await post(wrong, signed(wrong, 'whsec_someone_else')),
      await post(missing, undefined),
      await post(stale, signed(stale, secrets.current, Math.floor(Date.now() / 1000) - 301)),
      await post(tampered.replace('1250', '9999'), signed(tampered, secrets.current)),
    ];
    expect(responses.map((r) => r.statusCode)).toEqual([401, 401, 400, 401]);
    for (const response of responses) expect(response.headers?.['content-type']).toBe('application/problem+json');
    expect(JSON.parse(responses[2]!.body)).toMatchObject({ type: expect.stringContaining('stale-webhook') });
    // A stale body signed with a wrong secret is a forgery first.
    expect((await post(stale, signed(stale, 'whsec_someone_else', Math.floor(Date.now() / 1000) - 3600))).statusCode).toBe(401);

    const ids = new Set(events.map((e) => e.id));
    await expect(takeMessage('payments-webhooks', (b) => ids.has((b as { id: string }).id), 2_000)).rejects.toThrow(/no matching message/);
  });
});

describe('payments-process-webhook', () => {
  it('applies each event once however often and in whatever order it arrives, and ends in the right state', async () => {
    const intentId = `pi_${token()}`;
    const t = Math.floor(Date.now() / 1000);
    const events = [
      intentEvent('payment_intent.created', intentId, t, 'requires_payment_method'),
      intentEvent('payment_intent.amount_capturable_updated', intentId, t + 1, 'requires_capture'),
      intentEvent('payment_intent.succeeded', intentId, t + 2, 'succeeded', 1100),
      refundEvent(intentId, t + 3, 300),
      refundEvent(intentId, t + 4, 500),
    ];
    // The refund of an intent nobody has introduced waits (fails) until an intent event lands.
    const deliveries = [refundEvent(intentId, t + 4, 500), ...events.flatMap((e) => [e, e, e, e, e])];
    for (let i = deliveries.length - 1; i > 1; i -= 1) {
      const j = 1 + Math.floor(Math.random() * i);
      [deliveries[i], deliveries[j]] = [deliveries[j]!, deliveries[i]!];
    }
    await expect(applyWebhookEvent(deliveries[0]!, deps())).rejects.toThrow(PaymentNotYetKnownError);

    const outcomes = new Map<string, WebhookOutcome[]>();
    // As SQS would: a delivery that fails comes back after the others.
    const queue = deliveries.slice(1);
    for (let i = 0; i < queue.length; i += 1) {
      const event = queue[i]!;
      let outcome: WebhookOutcome;
      try {
        outcome = await applyWebhookEvent(event, deps());
      } catch (error) {
        if (!(error instanceof PaymentNotYetKnownError)) throw error;
        queue.push(event);
        continue;
      }
      outcomes.set(event.id, [...(outcomes.get(event.id) ?? []), outcome]);
    }

    for (const event of events) {
      const seen = outcomes.get(event.id)!;
      expect(seen).toHaveLength(5);
      expect(seen.filter((o) => o === 'applied').length).toBeLessThanOrEqual(1);
      // Once applied, every later copy finds the mark; a stale event leaves none and stays stale.
      const applied = seen.indexOf('applied');
      if (applied >= 0) expect(seen.slice(applied + 1)).toEqual(Array(4 - applied).fill('duplicate'));
      expect(seen.slice(0, Math.max(applied, 0)).every((o) => o === 'stale')).toBe(true);
    }
    // The final states are never stale, so they are always applied.
    expect(outcomes.get(events[2]!.id)).toContain('applied');
    expect(outcomes.get(events[4]!.id)).toContain('applied');
    expect(await getPayment(intentId, deps())).toMatchObject({
      intentId,
      orderId: `order-${intentId}`,
      status: 'succeeded',
      amount: 1250,
      amountReceived: 1100,
      amountRefunded: 500,
      currency: 'GBP',
      statusEventAt: new Date((t + 2) * 1000).toISOString(),
    });
    expect(await itemAt(keys.processedEvent(WEBHOOK_CONSUMER, events[2]!.id))).toBeDefined();
    expect(await outboxData(`payment-succeeded-${intentId}`)).toEqual({ intentId, orderId: `order-${intentId}`, amountReceived: 1100, currency: 'GBP' });
    expect(await outboxData(`payment-created-${intentId}`)).toMatchObject({ intentId, orderId: `order-${intentId}`, amount: 1250, currency: 'GBP' });
  });

  it('ends succeeded when the success arrives before the creation, announcing both once', async () => {
    const intentId = `pi_${token()}`;
    const t = Math.floor(Date.now() / 1000);
    expect(await applyWebhookEvent(intentEvent('payment_intent.succeeded', intentId, t + 1, 'succeeded', 1250), deps())).toBe('applied');
    expect(await applyWebhookEvent(intentEvent('payment_intent.created', intentId, t, 'requires_payment_method'), deps())).toBe('stale');

    expect(await getPayment(intentId, deps())).toMatchObject({ status: 'succeeded', amountReceived: 1250 });
    expect(await outboxData(`payment-created-${intentId}`)).toEqual({ intentId, orderId: `order-${intentId}`, amount: 1250, currency: 'GBP', status: 'succeeded' });
    expect(await outboxData(`payment-succeeded-${intentId}`)).toMatchObject({ amountReceived: 1250 });
  });

  it('changes nothing for a stale update after success, a cancel after success, or a smaller refund after a larger one', async () => {
    const intentId = `pi_${token()}`;
    const t = Math.floor(Date.now() / 1000);
    await applyWebhookEvent(intentEvent('payment_intent.created', intentId, t, 'requires_payment_method'), deps());
    await applyWebhookEvent(intentEvent('payment_intent.succeeded', intentId, t + 2, 'succeeded', 1250), deps());
    await applyWebhookEvent(refundEvent(intentId, t + 4, 700), deps());
    const before = await itemAt(keys.payment(intentId));

    const late = [
      intentEvent('payment_intent.amount_capturable_updated', intentId, t + 1, 'requires_capture'),
      intentEvent('payment_intent.canceled', intentId, t + 5, 'canceled'),
      refundEvent(intentId, t + 3, 200),
    ];
    for (const event of late) expect(await applyWebhookEvent(event, deps())).toBe('stale');
    expect(await itemAt(keys.payment(intentId))).toEqual(before);
    for (const event of late) expect(await itemAt(keys.processedEvent(WEBHOOK_CONSUMER, event.id))).toBeUndefined();
  });

  it('consumes queued bodies, ignores event types it does not track, and fails a malformed one so it reaches the DLQ', async () => {
    const intentId = `pi_${token()}`;
    const record = (body: string, messageId = token()): SQSRecord => ({
      messageId,
      receiptHandle: `rh-${messageId}`,
      body,
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'local', ApproximateFirstReceiveTimestamp: '0' },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:eu-west-2:000000000000:payments-webhooks',
      awsRegion: 'eu-west-2',
    });
    const created = intentEvent('payment_intent.created', intentId, Math.floor(Date.now() / 1000), 'requires_payment_method');
    const untracked = { ...created, id: `evt_${token()}`, type: 'customer.created' };
    const result = await processWebhook(
      { Records: [record(JSON.stringify(created)), record(JSON.stringify(untracked)), record('{"id": "evt_x"}', 'malformed')] },
      lambdaContext(),
    );
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'malformed' }] });
    expect(await getPayment(intentId, deps())).toMatchObject({ status: 'created', orderId: `order-${intentId}` });
  });
});
