import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { keys } from '../db/keys.js';
import type { TableDeps } from '../db/deps.js';
import { migrations } from '../db/migrations/index.js';
import { AppError } from '../errors.js';

/** What `GET /health` reports when the service can take traffic. */
export const HealthView = z.strictObject({
  status: z.literal('ok'),
  stage: z.string().describe('The deployment stage: `local`, `dev`, `staging`, `prod`.'),
  checks: z.strictObject({
    table: z.literal('ok').describe('The table answered a read.'),
    schema: z.string().describe('The newest data migration this code expects, which the table records as applied.'),
  }),
});
export type Health = z.infer<typeof HealthView>;

/** How long a client should wait before asking again while the service is not ready. */
export const HEALTH_RETRY_AFTER_SECONDS = 5;

/**
 * Readiness as a client can rely on it: the table is reachable and has every data migration this code expects
 * applied (a deploy whose `npm run migrate` has not run yet is not ready). One strongly consistent GetItem of the
 * newest migration's record, so that a probe costs one read and never a scan.
 * @throws AppError `unavailable` (503, with Retry-After) naming what is not ready
 */
export async function checkHealth(deps: Pick<TableDeps, 'db' | 'tableName'> & { stage: string }): Promise<Health> {
  const newest = migrations.at(-1)!.version;
  let applied: boolean;
  try {
    const { Item } = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.migration(newest), ConsistentRead: true }));
    applied = Item?.status === 'applied';
  } catch (error) {
    throw new AppError('unavailable', 'not-ready', 'The table cannot be read.', { cause: error, retryAfterSeconds: HEALTH_RETRY_AFTER_SECONDS });
  }
  if (!applied) {
    throw new AppError('unavailable', 'not-ready', `Data migration ${newest} is not applied yet: run npm run migrate against this table.`, {
      extensions: { pending: [`migration ${newest}`] },
      retryAfterSeconds: HEALTH_RETRY_AFTER_SECONDS,
    });
  }
  return { status: 'ok', stage: deps.stage, checks: { table: 'ok', schema: newest } };
}
