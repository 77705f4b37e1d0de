import type { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import delivered from '../../../integration-files/couriers/samples/webhook.tracking.updated~delivered.json' with { type: 'json' };
import outForDelivery from '../../../integration-files/couriers/samples/webhook.tracking.updated.json' with { type: 'json' };
import { CourierWebhookEvent } from '../../../shared/couriers/model.js';
import { enqueueCourierWebhook } from '../../../shared/couriers/webhooks.js';
import { businessMetrics } from '../../../shared/observability/business-metrics.js';

/** What `enqueueCourierWebhook` would send to the queue, caught by a client that sends nothing. */
async function queued(raw: unknown): Promise<string> {
  const sent: SendMessageCommand[] = [];
  const sqs = { send: async (command: SendMessageCommand) => void sent.push(command) } as unknown as SQSClient;
  await enqueueCourierWebhook(JSON.stringify(raw), CourierWebhookEvent.parse(raw), { sqs, queueUrl: 'http://queue.local/courier-webhooks' });
  return sent[0]!.input.MessageBody!;
}

describe('enqueueCourierWebhook', () => {
  it('drops the name of whoever signed for the parcels, keeping the rest of the proof of delivery', async () => {
    expect(delivered.data.object.proofOfDelivery.recipientName).toBe('A. Example');
    const body = await queued(delivered);
    expect(body).not.toContain('A. Example');
    const event = CourierWebhookEvent.parse(JSON.parse(body));
    expect(event.data.object.proofOfDelivery).toEqual({ ageVerified: delivered.data.object.proofOfDelivery.ageVerified });
    expect(event.data.object.status).toBe('delivered');
  });

  it('queues an event without a proof of delivery exactly as the courier sent it', async () => {
    expect(await queued(outForDelivery)).toBe(JSON.stringify(outForDelivery));
  });
});

describe('the courier webhook lag', () => {
  afterEach(() => vi.restoreAllMocks());

  it('is recorded once the event is queued: seconds from the courier’s event time to our receipt', async () => {
    const lag = vi.spyOn(businessMetrics, 'courierEventReceived');
    const receivedAt = new Date(Date.parse(outForDelivery.data.object.occurredAt) + 42_000);
    const sqs = { send: async () => undefined } as unknown as SQSClient;
    await enqueueCourierWebhook(JSON.stringify(outForDelivery), CourierWebhookEvent.parse(outForDelivery), { sqs, queueUrl: 'http://queue.local/courier-webhooks', now: () => receivedAt });
    expect(lag.mock.calls).toEqual([[outForDelivery.data.object.occurredAt, receivedAt]]);
  });

  it('is not recorded when the queue refuses the event (the courier sends it again)', async () => {
    const lag = vi.spyOn(businessMetrics, 'courierEventReceived');
    const sqs = { send: async () => Promise.reject(new Error('queue unavailable')) } as unknown as SQSClient;
    await expect(enqueueCourierWebhook(JSON.stringify(outForDelivery), CourierWebhookEvent.parse(outForDelivery), { sqs, queueUrl: 'http://queue.local/courier-webhooks' })).rejects.toThrow('queue unavailable');
    expect(lag).not.toHaveBeenCalled();
  });
});
