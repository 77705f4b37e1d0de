import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import type { z } from 'zod';
import type { EventContract } from '../../events/contract.js';
import { config } from '../config/config.js';
import { dynamo } from '../db/client.js';
import { logger } from '../observability/logger.js';

/** Puts an event on the bus; the production one is `shared/events/publisher.ts`'s `publish`. */
export type Publish = <S extends z.ZodType>(
  contract: EventContract<S>,
  data: z.input<S>,
  meta?: { correlationId?: string },
) => Promise<unknown>;

/**
 * What the catalog use-cases need from the outside world. Handlers take the defaults; tests and
 * the seed script pass their own publisher (to capture events, or to stay off the bus), clock or ids.
 */
export interface CatalogDeps {
  db: DynamoDBDocumentClient;
  tableName: string;
  publish: Publish;
  now: () => Date;
  newId: () => string;
}

/** Who is acting and which request they are in; use-cases take it instead of an HTTP event. */
export interface Actor {
  /** A principal's subject, or a system actor such as `seed` or `import:<jobId>`. */
  actor: string;
  correlationId?: string;
}

/**
 * The production publisher, imported on first publish: read-only functions share these deps and
 * never load the EventBridge client.
 */
const publishOnDemand: Publish = async (contract, data, meta) => (await import('../events/publisher.js')).publish(contract, data, meta);

/** The production dependencies, with any of them replaced. The table name is read from the configuration only when none is given. */
export function catalogDeps(overrides: Partial<CatalogDeps> = {}): CatalogDeps {
  return {
    db: overrides.db ?? dynamo,
    tableName: overrides.tableName ?? config.tableName,
    publish: overrides.publish ?? publishOnDemand,
    now: overrides.now ?? (() => new Date()),
    newId: overrides.newId ?? ulid,
  };
}

/**
 * Publishes an event about a write that has already committed. A failure is logged, not thrown:
 * the change is durable and the caller must learn that it succeeded, because a retry of the same
 * request would now fail (its SKUs are claimed, its version moved on) and hide the success.
 */
export async function publishCommitted<S extends z.ZodType>(
  deps: CatalogDeps,
  contract: EventContract<S>,
  data: z.input<S>,
  who: Actor,
): Promise<void> {
  try {
    await deps.publish(contract, data, who.correlationId ? { correlationId: who.correlationId } : {});
  } catch (error) {
    logger.error('event not published after commit', {
      detailType: contract.detailType,
      data: data as Record<string, unknown>,
      error: error as Error,
    });
  }
}
