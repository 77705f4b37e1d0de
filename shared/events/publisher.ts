import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { ulid } from 'ulid';
import type { z } from 'zod';
import type { EventContract } from '../../events/contract.js';
import { config } from '../config/config.js';

let client: EventBridgeClient | undefined;

/** The `detail` of every SmartShelf event: an envelope around the contract's data. */
export interface EventEnvelope<T> {
  id: string;
  version: number;
  occurredAt: string;
  correlationId?: string;
  data: T;
}

/**
 * Validates an event against its contract, then puts it on the bus. An event that does not match
 * its own schema is a bug in the publisher, so it throws before anything is sent.
 */
export async function publish<S extends z.ZodType>(
  contract: EventContract<S>,
  data: z.input<S>,
  meta: { correlationId?: string; id?: string } = {},
): Promise<EventEnvelope<z.infer<S>>> {
  const envelope: EventEnvelope<z.infer<S>> = {
    id: meta.id ?? ulid(),
    version: contract.version,
    occurredAt: new Date().toISOString(),
    ...(meta.correlationId ? { correlationId: meta.correlationId } : {}),
    data: contract.schema.parse(data),
  };
  client ??= new EventBridgeClient({});
  const result = await client.send(
    new PutEventsCommand({
      Entries: [
        {
          EventBusName: config.eventBusName,
          Source: contract.source,
          DetailType: contract.detailType,
          Detail: JSON.stringify(envelope),
        },
      ],
    }),
  );
  if (result.FailedEntryCount) {
    throw new Error(`event ${contract.detailType} was not accepted: ${result.Entries?.[0]?.ErrorMessage ?? 'unknown error'}`);
  }
  return envelope;
}
