import type { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type Stripe from 'stripe';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { enqueueBillingWebhook, type BillingWebhookMessage } from '../../../shared/billing/webhooks.js';
import { logger } from '../../../shared/observability/logger.js';
import { REDACTED_PAN } from '../../../shared/privacy/pan.js';
import { enqueueWebhook } from '../../../shared/payments/webhooks.js';

const PAN = '4242424242424242';

function fakeQueue() {
  const sent: SendMessageCommand['input'][] = [];
  const sqs = { send: (command: SendMessageCommand) => Promise.resolve(void sent.push(command.input)) } as unknown as SQSClient;
  return { sent, deps: { sqs, queueUrl: 'https://sqs.local/queue' } };
}

afterEach(() => vi.restoreAllMocks());

describe('webhooks are queued with card numbers redacted, never refused', () => {
  it('queues a clean Stripe event byte for byte', async () => {
    const raw = '{"id":"evt_1","type":"payment_intent.succeeded",  "created":1718000000,"data":{"object":{"id":"pi_1","amount":1299}}}';
    const queue = fakeQueue();
    const warn = vi.spyOn(logger, 'warn');
    await enqueueWebhook(raw, JSON.parse(raw) as Stripe.Event, queue.deps);
    expect(queue.sent[0]!.MessageBody).toBe(raw);
    expect(warn).not.toHaveBeenCalled();
  });

  it('redacts a card number anywhere in a Stripe event, keeps the rest, and logs where without what', async () => {
    const event = {
      id: 'evt_2',
      type: 'payment_intent.succeeded',
      created: 1718000000,
      data: { object: { id: 'pi_2', amount: 1299, description: `paid by 4242 4242 4242 4242`, metadata: { orderId: '01JD8Z4Q7W5X3N2M1K0H9G8F7E', note: PAN } } },
    };
    const raw = JSON.stringify(event);
    const queue = fakeQueue();
    const warn = vi.spyOn(logger, 'warn');
    await enqueueWebhook(raw, event as unknown as Stripe.Event, queue.deps);
    const queued = JSON.parse(queue.sent[0]!.MessageBody!) as typeof event;
    expect(queued.data.object).toEqual({ id: 'pi_2', amount: 1299, description: `paid by ${REDACTED_PAN}`, metadata: { orderId: '01JD8Z4Q7W5X3N2M1K0H9G8F7E', note: REDACTED_PAN } });
    expect(queue.sent[0]!.MessageAttributes?.stripeEventId?.StringValue).toBe('evt_2');
    expect(JSON.stringify(queue.sent)).not.toMatch(/4242/);
    expect(warn).toHaveBeenCalledOnce();
    const [, fields] = warn.mock.calls[0]! as [string, { paths: string[] }];
    expect(fields.paths.sort()).toEqual(['data.object.description', 'data.object.metadata.note']);
    expect(JSON.stringify(warn.mock.calls)).not.toMatch(/4242/);
  });

  it('redacts a card number in a billing event, its id included', async () => {
    const event: BillingWebhookMessage = { id: `evt ${PAN}`, type: 'invoice.paid', created: 1718000000, data: { object: { invoiceReference: 'INV-1', memo: `card ${PAN}` } } };
    const raw = JSON.stringify(event);
    const queue = fakeQueue();
    const warn = vi.spyOn(logger, 'warn');
    await enqueueBillingWebhook(raw, event, queue.deps);
    const queued = JSON.parse(queue.sent[0]!.MessageBody!) as BillingWebhookMessage;
    expect(queued).toEqual({ ...event, id: `evt ${REDACTED_PAN}`, data: { object: { invoiceReference: 'INV-1', memo: `card ${REDACTED_PAN}` } } });
    expect(queue.sent[0]!.MessageAttributes?.billingEventId?.StringValue).toBe(`evt ${REDACTED_PAN}`);
    expect(JSON.stringify([queue.sent, warn.mock.calls])).not.toMatch(/4242/);
  });
});
