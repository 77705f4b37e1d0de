/**
 * What the local platform used, counted in the units AWS bills: Lambda invocations and billed milliseconds, DynamoDB
 * capacity units as the engine reports them, Step Functions state transitions, API Gateway requests, EventBridge
 * events and SQS requests in 64 KB chunks, S3 requests by price tier. The meter only adds numbers; the proxies and
 * hooks in `metering.ts` feed it, and `bench/cost` prices a snapshot.
 */

/** EventBridge and SQS bill each 64 KB chunk of a payload as one event or request. */
export const BILLING_CHUNK_BYTES = 64 * 1024;

/** Billed 64 KB chunks of a payload: at least one, even for an empty one. */
export function billedChunks(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / BILLING_CHUNK_BYTES));
}

/** Lambda bills duration rounded up to the next millisecond. */
export function billedMilliseconds(durationMs: number): number {
  return Math.max(1, Math.ceil(durationMs));
}

/** GB-seconds of `billedMs` at `memoryMb` (Lambda counts a GB as 1,024 MB). */
export function gbSeconds(billedMs: number, memoryMb: number): number {
  return (memoryMb / 1024) * (billedMs / 1000);
}

export interface FunctionUsage {
  invocations: number;
  billedMs: number;
  memoryMb: number;
  gbSeconds: number;
  errors: number;
}

export interface DynamoOperationUsage {
  requests: number;
  readUnits: number;
  writeUnits: number;
  /** Requests the engine refused (a failed condition, a cancelled transaction): they report no capacity. */
  failed: number;
  /** Items those refused writes named: on AWS a refused write still consumes at least one unit per item (two in a transaction). */
  failedWriteItems: number;
}

/** One Step Functions execution as its history tells it: each state entered (and retried), in order, with times. */
export interface ExecutionTrace {
  machine: string;
  startedAt: number;
  stoppedAt?: number;
  status?: string;
  /** States entered, in order; a retry is an entry of its own, as AWS bills it. */
  states: { name: string; enteredAt: number; exitedAt?: number; retry?: boolean }[];
}

export interface UsageSnapshot {
  lambda: { invocations: number; billedMs: number; gbSeconds: number; byFunction: Record<string, FunctionUsage> };
  dynamodb: { requests: number; readUnits: number; writeUnits: number; byOperation: Record<string, DynamoOperationUsage> };
  stepFunctions: { executions: number; transitions: number; byMachine: Record<string, { executions: number; transitions: number }>; traces: ExecutionTrace[] };
  apiGateway: { requests: number; byStatus: Record<string, number> };
  eventBridge: { putEventsCalls: number; entries: number; billedEvents: number; bytes: number };
  /** `billedRequests` excludes receives that found nothing: those are the pollers' idle cost, not any order's. */
  sqs: { requests: number; billedRequests: number; emptyReceives: number; byAction: Record<string, { requests: number; billedRequests: number }> };
  /** Tier 1: PUT, COPY, POST, LIST; tier 2: GET, HEAD and the rest (DELETE is free). */
  s3: { tier1Requests: number; tier2Requests: number; freeRequests: number };
}

/** Traces kept, oldest dropped first: enough for a day of a few thousand orders, bounded for a platform left running. */
const MAX_TRACES = 10_000;

function emptySnapshot(): UsageSnapshot {
  return {
    lambda: { invocations: 0, billedMs: 0, gbSeconds: 0, byFunction: {} },
    dynamodb: { requests: 0, readUnits: 0, writeUnits: 0, byOperation: {} },
    stepFunctions: { executions: 0, transitions: 0, byMachine: {}, traces: [] },
    apiGateway: { requests: 0, byStatus: {} },
    eventBridge: { putEventsCalls: 0, entries: 0, billedEvents: 0, bytes: 0 },
    sqs: { requests: 0, billedRequests: 0, emptyReceives: 0, byAction: {} },
    s3: { tier1Requests: 0, tier2Requests: 0, freeRequests: 0 },
  };
}

/** Running totals of what the platform used since it started (or since `reset`). */
export class UsageMeter {
  private usage = emptySnapshot();
  private readonly running = new Map<string, ExecutionTrace>();

  /** Times one invocation of `fnId` and records it at its wiring memory, whether it succeeds or throws. */
  async invocation<T>(fnId: string, memoryMb: number, run: () => Promise<T>): Promise<T> {
    const started = performance.now();
    let failed = false;
    try {
      return await run();
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      this.recordInvocation(fnId, memoryMb, performance.now() - started, failed);
    }
  }

  recordInvocation(fnId: string, memoryMb: number, durationMs: number, failed = false): void {
    const billedMs = billedMilliseconds(durationMs);
    const fn = (this.usage.lambda.byFunction[fnId] ??= { invocations: 0, billedMs: 0, memoryMb, gbSeconds: 0, errors: 0 });
    const gbs = gbSeconds(billedMs, memoryMb);
    fn.invocations += 1;
    fn.billedMs += billedMs;
    fn.gbSeconds += gbs;
    if (failed) fn.errors += 1;
    this.usage.lambda.invocations += 1;
    this.usage.lambda.billedMs += billedMs;
    this.usage.lambda.gbSeconds += gbs;
  }

  /** One DynamoDB request and the capacity the engine reported for it (none for a refused one). */
  recordDynamo(operation: string, units: { read: number; write: number }, failure?: { writeItems: number }): void {
    const op = (this.usage.dynamodb.byOperation[operation] ??= { requests: 0, readUnits: 0, writeUnits: 0, failed: 0, failedWriteItems: 0 });
    op.requests += 1;
    op.readUnits += units.read;
    op.writeUnits += units.write;
    if (failure) {
      op.failed += 1;
      op.failedWriteItems += failure.writeItems;
    }
    this.usage.dynamodb.requests += 1;
    this.usage.dynamodb.readUnits += units.read;
    this.usage.dynamodb.writeUnits += units.write;
  }

  /** One request the API answered (the runtime's own `/local` routes and the console's files are not API Gateway's). */
  recordApiRequest(status: number): void {
    this.usage.apiGateway.requests += 1;
    this.usage.apiGateway.byStatus[String(status)] = (this.usage.apiGateway.byStatus[String(status)] ?? 0) + 1;
  }

  /** One PutEvents call, by the size of each entry as EventBridge measures it. */
  recordPutEvents(entryBytes: readonly number[]): void {
    const events = this.usage.eventBridge;
    events.putEventsCalls += 1;
    events.entries += entryBytes.length;
    events.billedEvents += entryBytes.reduce((sum, bytes) => sum + billedChunks(bytes), 0);
    events.bytes += entryBytes.reduce((sum, bytes) => sum + bytes, 0);
  }

  /** One SQS request of `payloadBytes`; a receive that found nothing is counted apart. */
  recordSqs(action: string, payloadBytes: number, emptyReceive = false): void {
    const sqs = this.usage.sqs;
    const entry = (sqs.byAction[action] ??= { requests: 0, billedRequests: 0 });
    entry.requests += 1;
    sqs.requests += 1;
    if (emptyReceive) {
      sqs.emptyReceives += 1;
      return;
    }
    const billed = billedChunks(payloadBytes);
    entry.billedRequests += billed;
    sqs.billedRequests += billed;
  }

  recordS3(tier: 1 | 2 | 'free'): void {
    if (tier === 1) this.usage.s3.tier1Requests += 1;
    else if (tier === 2) this.usage.s3.tier2Requests += 1;
    else this.usage.s3.freeRequests += 1;
  }

  /**
   * One event of an execution's history (`ExecutionStarted`, `StateEntered`, `StateRetried`, `StateExited`,
   * `ExecutionSucceeded`...): a state entered or retried is a billed transition of a Standard workflow.
   */
  recordExecutionEvent(executionArn: string, machine: string, event: { type: string; timestamp: number; state?: { name: string } }): void {
    const sfn = this.usage.stepFunctions;
    const perMachine = (sfn.byMachine[machine] ??= { executions: 0, transitions: 0 });
    if (event.type === 'ExecutionStarted') {
      const trace: ExecutionTrace = { machine, startedAt: event.timestamp, states: [] };
      this.running.set(executionArn, trace);
      sfn.traces.push(trace);
      if (sfn.traces.length > MAX_TRACES) sfn.traces.shift();
      sfn.executions += 1;
      perMachine.executions += 1;
      return;
    }
    const trace = this.running.get(executionArn);
    if ((event.type === 'StateEntered' || event.type === 'StateRetried') && event.state) {
      sfn.transitions += 1;
      perMachine.transitions += 1;
      trace?.states.push({ name: event.state.name, enteredAt: event.timestamp, ...(event.type === 'StateRetried' ? { retry: true } : {}) });
    } else if (event.type === 'StateExited' && event.state && trace) {
      const open = trace.states.findLast((s) => s.name === event.state!.name && s.exitedAt === undefined);
      if (open) open.exitedAt = event.timestamp;
    } else if (event.type.startsWith('Execution') && trace) {
      trace.stoppedAt = event.timestamp;
      trace.status = event.type.replace(/^Execution/, '').toUpperCase();
      this.running.delete(executionArn);
    }
  }

  /** A deep copy of the totals so far. */
  snapshot(): UsageSnapshot {
    return structuredClone(this.usage);
  }

  /** Starts counting from zero (executions still running keep their traces, now uncounted). */
  reset(): void {
    this.usage = emptySnapshot();
  }
}
