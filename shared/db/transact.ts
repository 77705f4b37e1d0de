import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';

/** One item of a write transaction: a Put, Update, Delete or ConditionCheck. */
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** A transaction that DynamoDB cancelled, with one reason code per item in request order (`None` for items that were fine). */
export class TransactionCancelled extends Error {
  override readonly name = 'TransactionCancelled';
  /**
   * The item as it was when its condition failed, for the items that asked for it with
   * `ReturnValuesOnConditionCheckFailure: 'ALL_OLD'`: the writer learns the current state without reading it again.
   */
  readonly oldItems: readonly (Record<string, unknown> | undefined)[];

  constructor(
    readonly codes: readonly string[],
    options: { cause?: unknown; oldItems?: readonly (Record<string, unknown> | undefined)[] } = {},
  ) {
    super(`transaction cancelled: ${codes.join(', ')}`, options.cause === undefined ? {} : { cause: options.cause });
    this.oldItems = options.oldItems ?? [];
  }

  /** The item at `index` as its failed condition found it, if that item asked for it (`ALL_OLD`) and it existed. */
  oldItem(index: number): Record<string, unknown> | undefined {
    return this.oldItems[index];
  }

  /** Indexes of the items whose condition failed. */
  failedConditions(): number[] {
    return this.codes.flatMap((code, i) => (code === 'ConditionalCheckFailed' ? [i] : []));
  }
}

const MAX_CONFLICT_ATTEMPTS = 5;

/**
 * Runs a write transaction. When DynamoDB cancels it only because another transaction was touching
 * the same items at that moment (`TransactionConflict`, no failed condition) it is run again after
 * a short jittered pause, so that of two racing requests one wins and the other sees the winner's
 * write as a failed condition, instead of both failing.
 * @throws TransactionCancelled when a condition failed, or conflicts persisted
 */
export async function transactWrite(deps: { db: DynamoDBDocumentClient }, items: TransactItem[]): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await deps.db.send(new TransactWriteCommand({ TransactItems: items }));
      return;
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const codes = (error.CancellationReasons ?? []).map((r) => r.Code ?? 'None');
      const onlyConflicts = codes.includes('TransactionConflict') && !codes.includes('ConditionalCheckFailed');
      if (!onlyConflicts || attempt >= MAX_CONFLICT_ATTEMPTS) {
        // The document client leaves the exception as DynamoDB sent it: the old items are still attribute values.
        const oldItems = (error.CancellationReasons ?? []).map((r) => (r.Item === undefined ? undefined : unmarshall(r.Item)));
        throw new TransactionCancelled(codes, { cause: error, oldItems });
      }
      await backoff(attempt);
    }
  }
}

/**
 * Runs a write transaction whose conditions guard an idempotent step: `false` when a condition failed (the step was
 * already done, or another writer got there first), `true` when it committed.
 * @throws TransactionCancelled when conflicts persisted; any other error as {@link transactWrite} does
 */
export async function transactWriteIfConditionsHold(deps: { db: DynamoDBDocumentClient }, items: TransactItem[]): Promise<boolean> {
  try {
    await transactWrite(deps, items);
    return true;
  } catch (error) {
    if (error instanceof TransactionCancelled && error.failedConditions().length > 0) return false;
    throw error;
  }
}

/** A jittered exponential pause before retrying attempt `attempt` (1-based). */
export function backoff(attempt: number): Promise<void> {
  const ms = Math.random() * 25 * 2 ** attempt;
  return new Promise((resolve) => setTimeout(resolve, ms));
}
