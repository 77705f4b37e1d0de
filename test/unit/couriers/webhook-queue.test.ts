import type { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import delivered from '../../../integration-files/couriers/samples/webhook.tracking.updated~delivered.json' with { type: 'json' };
import outForDelivery from '../../../integration-files/couriers/samples/webhook.tracking.updated.json' with { type: 'json' };
import { CourierWebhookEvent } from '../../../shared/couriers/model.js';
import { enqueueCourierWebhook } from '../../../shared/couriers/webhooks.js';

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
