/**
 * Counting DynamoDB calls by command and by the kind of item they touch, for the checkout section's
 * round-trip figures. Kept apart from the child that installs it so the parent can diff snapshots.
 */

/** Calls seen so far: per command, per command and item kind, transaction sizes and failures. */
export interface CallCounts {
  calls: Record<string, number>;
  /** `<command> <KIND>`, the kind being the partition key's prefix (`ORDER`, `STOCK`, `SLOT`, ...). */
  byTarget: Record<string, number>;
  /** Items written across all TransactWriteItems calls. */
  transactItems: number;
  /** Those items by kind: what the transactions tie together. */
  transactItemKinds: Record<string, number>;
  /** Failed calls by error name (a cancelled transaction is one `TransactionCanceledException`). */
  errors: Record<string, number>;
  /**
   * Failed calls by what they were and why: `<command> <kinds> <reasons>`, the reasons of a cancelled transaction
   * being its items' codes in order (`None`, `ConditionalCheckFailed`, `TransactionConflict`).
   */
  failures: Record<string, number>;
}

export function emptyCounts(): CallCounts {
  return { calls: {}, byTarget: {}, transactItems: 0, transactItemKinds: {}, errors: {}, failures: {} };
}

function bump(record: Record<string, number>, key: string, by = 1): void {
  record[key] = (record[key] ?? 0) + by;
}

/** `ORDER#123` → `ORDER`; a key without a `#` is its own kind. Raw (`{ S: ... }`) keys are read too. */
function kindOf(pk: unknown): string {
  const text = typeof pk === 'object' && pk !== null && 'S' in pk ? (pk as { S: unknown }).S : pk;
  return typeof text === 'string' ? (text.split('#')[0] ?? text) : '?';
}

type Input = Record<string, unknown>;

/** The partition keys a command's input names: its key or item, every item of a transaction or batch, or a query's `:pk`. */
export function partitionKinds(input: Input): string[] {
  const fromKeyed = (entry: Input | undefined) => {
    const keyed = (entry?.Key ?? entry?.Item) as Input | undefined;
    return keyed === undefined ? [] : [kindOf(keyed.pk)];
  };
  if (Array.isArray(input.TransactItems)) {
    return (input.TransactItems as Input[]).flatMap((item) => Object.values(item).flatMap((op) => fromKeyed(op as Input)));
  }
  if (input.RequestItems && typeof input.RequestItems === 'object') {
    return Object.values(input.RequestItems as Record<string, unknown>).flatMap((entry) =>
      Array.isArray(entry)
        ? (entry as Input[]).flatMap((request) => Object.values(request).flatMap((op) => fromKeyed(op as Input)))
        : ((entry as { Keys?: Input[] }).Keys ?? []).map((key) => kindOf(key.pk)),
    );
  }
  if (input.Key || input.Item) return fromKeyed(input);
  const values = input.ExpressionAttributeValues as Input | undefined;
  if (values?.[':pk'] !== undefined) return [kindOf(values[':pk'])];
  return input.IndexName ? [`index ${String(input.IndexName)}`] : [];
}

/** Records one call into `counts`: the command without its `Command` suffix, and the distinct kinds it touched. */
export function recordCall(counts: CallCounts, commandName: string, input: Input): void {
  const command = commandName.replace(/Command$/, '');
  bump(counts.calls, command);
  const kinds = partitionKinds(input);
  for (const kind of [...new Set(kinds)].sort()) bump(counts.byTarget, `${command} ${kind}`);
  if (command === 'TransactWrite' || command === 'TransactWriteItems') {
    counts.transactItems += kinds.length;
    for (const kind of kinds) bump(counts.transactItemKinds, kind);
  }
}

/** Records a failed call: its error name, and what it touched and why it failed. */
export function recordError(counts: CallCounts, commandName: string, input: Input, error: unknown): void {
  const failure = error as { name?: string; CancellationReasons?: { Code?: string }[] };
  const name = failure.name ?? 'Error';
  bump(counts.errors, name);
  const reasons = failure.CancellationReasons?.map((r) => r.Code ?? '?').join(',') ?? name;
  bump(counts.failures, `${commandName.replace(/Command$/, '')} ${partitionKinds(input).join('+')} ${reasons}`);
}

function diffRecord(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(after)) {
    const delta = value - (before[key] ?? 0);
    if (delta !== 0) out[key] = delta;
  }
  return out;
}

/** What happened between two snapshots. */
export function diffCounts(after: CallCounts, before: CallCounts): CallCounts {
  return {
    calls: diffRecord(after.calls, before.calls),
    byTarget: diffRecord(after.byTarget, before.byTarget),
    transactItems: after.transactItems - before.transactItems,
    transactItemKinds: diffRecord(after.transactItemKinds, before.transactItemKinds),
    errors: diffRecord(after.errors, before.errors),
    failures: diffRecord(after.failures, before.failures),
  };
}

export function totalCalls(counts: CallCounts): number {
  return Object.values(counts.calls).reduce((sum, n) => sum + n, 0);
}

function addRecord(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const out = { ...a };
  for (const [key, value] of Object.entries(b)) out[key] = (out[key] ?? 0) + value;
  return out;
}

/** Counts of several processes together, as one. */
export function sumCounts(all: readonly CallCounts[]): CallCounts {
  return all.reduce(
    (sum, c) => ({
      calls: addRecord(sum.calls, c.calls),
      byTarget: addRecord(sum.byTarget, c.byTarget),
      transactItems: sum.transactItems + c.transactItems,
      transactItemKinds: addRecord(sum.transactItemKinds, c.transactItemKinds),
      errors: addRecord(sum.errors, c.errors),
      failures: addRecord(sum.failures, c.failures),
    }),
    emptyCounts(),
  );
}
