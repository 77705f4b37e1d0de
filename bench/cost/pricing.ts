import type { ExecutionTrace, UsageSnapshot } from '../../infra/local/metering/usage-meter.js';

/** The price list `bench/cost/prices.json` holds: public list prices, with their region, date and sources. */
export interface Prices {
  region: string;
  currency: string;
  recorded: string;
  basis: string;
  lambda: { source: string; deployedArchitecture: 'arm64' | 'x86_64'; perMillionRequests: number; perGbSecond: { arm64: number; x86_64: number } };
  dynamodb: { source: string; mode: string; perMillionWriteRequestUnits: number; perMillionReadRequestUnits: number };
  stepFunctions: {
    source: string;
    standardPerThousandTransitions: number;
    expressPerMillionRequests: number;
    expressPerGbSecond: number;
    expressMemoryMb: number;
    expressBillingIncrementMs: number;
  };
  apiGateway: { source: string; api: string; perMillionRequests: number };
  eventBridge: { source: string; perMillionCustomEvents: number };
  sqs: { source: string; queueType: string; perMillionRequests: number };
  s3: { source: string; storageClass: string; perThousandTier1Requests: number; perThousandTier2Requests: number };
  cloudWatchLogs: { source: string; logClass: string; perGbIngested: number };
}

/** The billed quantities of a run, flat: what a price list multiplies. */
export interface BilledCounts {
  lambdaRequests: number;
  lambdaGbSeconds: number;
  dynamoReadUnits: number;
  dynamoWriteUnits: number;
  /** Refused writes report no capacity; on AWS each item still costs at least a unit (two in a transaction). A floor. */
  dynamoRefusedWriteUnits: number;
  stepFunctionsTransitions: number;
  apiRequests: number;
  eventBridgeEvents: number;
  sqsRequests: number;
  s3Tier1Requests: number;
  s3Tier2Requests: number;
  logBytes: number;
}

export const BILLED_COUNT_NAMES = [
  'lambdaRequests',
  'lambdaGbSeconds',
  'dynamoReadUnits',
  'dynamoWriteUnits',
  'dynamoRefusedWriteUnits',
  'stepFunctionsTransitions',
  'apiRequests',
  'eventBridgeEvents',
  'sqsRequests',
  's3Tier1Requests',
  's3Tier2Requests',
  'logBytes',
] as const satisfies readonly (keyof BilledCounts)[];

/** The billed quantities of a usage snapshot and the bytes its functions logged. */
export function billedCounts(usage: UsageSnapshot, logBytes: number): BilledCounts {
  const refused = Object.entries(usage.dynamodb.byOperation).reduce(
    (sum, [operation, op]) => sum + op.failedWriteItems * (operation === 'TransactWriteItems' ? 2 : 1),
    0,
  );
  return {
    lambdaRequests: usage.lambda.invocations,
    lambdaGbSeconds: usage.lambda.gbSeconds,
    dynamoReadUnits: usage.dynamodb.readUnits,
    dynamoWriteUnits: usage.dynamodb.writeUnits,
    dynamoRefusedWriteUnits: refused,
    stepFunctionsTransitions: usage.stepFunctions.transitions,
    apiRequests: usage.apiGateway.requests,
    eventBridgeEvents: usage.eventBridge.billedEvents,
    sqsRequests: usage.sqs.billedRequests,
    s3Tier1Requests: usage.s3.tier1Requests,
    s3Tier2Requests: usage.s3.tier2Requests,
    logBytes,
  };
}

/** One priced row: a billed quantity, its list price, and what it comes to. */
export interface PriceLine {
  service: string;
  item: string;
  quantity: number;
  unit: string;
  /** Dollars per `per` units. */
  price: number;
  per: number;
  dollars: number;
}

const GIB = 2 ** 30;

/**
 * Prices billed counts with a price list: one row per billed dimension, each the quantity times its list price. The
 * arithmetic is linear in the counts and never negative for counts that are not.
 */
export function priceCounts(counts: BilledCounts, prices: Prices): PriceLine[] {
  const arch = prices.lambda.deployedArchitecture;
  const line = (service: string, item: string, quantity: number, unit: string, price: number, per: number): PriceLine => ({
    service,
    item,
    quantity,
    unit,
    price,
    per,
    dollars: (quantity * price) / per,
  });
  return [
    line('Lambda', 'requests', counts.lambdaRequests, 'invocations', prices.lambda.perMillionRequests, 1e6),
    line('Lambda', `duration (${arch})`, counts.lambdaGbSeconds, 'GB-s', prices.lambda.perGbSecond[arch], 1),
    line('DynamoDB', 'reads', counts.dynamoReadUnits, 'RRU', prices.dynamodb.perMillionReadRequestUnits, 1e6),
    line('DynamoDB', 'writes', counts.dynamoWriteUnits, 'WRU', prices.dynamodb.perMillionWriteRequestUnits, 1e6),
    line('DynamoDB', 'refused writes (floor)', counts.dynamoRefusedWriteUnits, 'WRU', prices.dynamodb.perMillionWriteRequestUnits, 1e6),
    line('Step Functions', 'Standard transitions', counts.stepFunctionsTransitions, 'transitions', prices.stepFunctions.standardPerThousandTransitions, 1e3),
    line('API Gateway', `${prices.apiGateway.api} requests`, counts.apiRequests, 'requests', prices.apiGateway.perMillionRequests, 1e6),
    line('EventBridge', 'custom events', counts.eventBridgeEvents, '64 KB events', prices.eventBridge.perMillionCustomEvents, 1e6),
    line('SQS', `${prices.sqs.queueType} requests`, counts.sqsRequests, '64 KB requests', prices.sqs.perMillionRequests, 1e6),
    line('S3', 'PUT, POST, LIST', counts.s3Tier1Requests, 'requests', prices.s3.perThousandTier1Requests, 1e3),
    line('S3', 'GET and other', counts.s3Tier2Requests, 'requests', prices.s3.perThousandTier2Requests, 1e3),
    line('CloudWatch Logs', 'ingestion', counts.logBytes / GIB, 'GB', prices.cloudWatchLogs.perGbIngested, 1),
  ];
}

/** Dollars of `dollars` spent on `orders` orders, per 1,000 orders; NaN for no orders. */
export function perThousandOrders(dollars: number, orders: number): number {
  return orders > 0 ? (dollars / orders) * 1000 : Number.NaN;
}

/** The sum of priced rows. */
export function total(lines: readonly PriceLine[]): number {
  return lines.reduce((sum, l) => sum + l.dollars, 0);
}

/** What the checkout's executions would cost as Express workflows split around a wait held outside Step Functions. */
export interface ExpressSplit {
  /** Executions of the measured (Standard) machine that were priced. */
  executions: number;
  /** Express executions the split needs: one before the wait, one after it (one for an execution that never reached it). */
  expressRequests: number;
  /** Their billed durations (rounded up per execution) at the Express memory, in GB-seconds. */
  gbSeconds: number;
  /** Their billed milliseconds in all. */
  billedMs: number;
  dollars: number;
  /** What the same executions cost as they ran, on Standard. */
  standardTransitions: number;
  standardDollars: number;
}

/**
 * Prices finished executions of `machine` as Express workflows cut at `waitState`: the part before it runs as one
 * Express execution (start to the wait), the wait is held elsewhere (the order's own item; the pick starts the rest),
 * and the part after it runs as a second one (the wait's end to the execution's end). An execution that never reached
 * the wait is one Express execution start to end. Durations are the measured ones, each rounded up to Express's billing
 * increment, at Express's minimum memory.
 */
export function expressSplit(traces: readonly ExecutionTrace[], machine: string, waitState: string, prices: Prices['stepFunctions']): ExpressSplit {
  const increment = prices.expressBillingIncrementMs;
  const billed = (ms: number) => Math.max(increment, Math.ceil(Math.max(0, ms) / increment) * increment);
  let executions = 0;
  let requests = 0;
  let billedMs = 0;
  let transitions = 0;
  for (const trace of traces) {
    if (trace.machine !== machine || trace.stoppedAt === undefined) continue;
    executions += 1;
    transitions += trace.states.length;
    const wait = trace.states.find((s) => s.name === waitState);
    if (wait?.exitedAt === undefined) {
      requests += 1;
      billedMs += billed(trace.stoppedAt - trace.startedAt);
    } else {
      requests += 2;
      billedMs += billed(wait.enteredAt - trace.startedAt) + billed(trace.stoppedAt - wait.exitedAt);
    }
  }
  const gbSeconds = (prices.expressMemoryMb / 1024) * (billedMs / 1000);
  return {
    executions,
    expressRequests: requests,
    gbSeconds,
    billedMs,
    dollars: (requests * prices.expressPerMillionRequests) / 1e6 + gbSeconds * prices.expressPerGbSecond,
    standardTransitions: transitions,
    standardDollars: (transitions * prices.standardPerThousandTransitions) / 1e3,
  };
}
