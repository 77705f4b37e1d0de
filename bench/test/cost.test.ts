import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FUNCTION_ARCHITECTURE } from '../../infra/cdk/constructs/app-function.js';
import { askForCapacity, meteringRequested, putEventsEntrySize, s3Tier } from '../../infra/local/metering/metering.js';
import { billedChunks, billedMilliseconds, gbSeconds, UsageMeter, type ExecutionTrace } from '../../infra/local/metering/usage-meter.js';
import { BILLED_COUNT_NAMES, expressSplit, perThousandOrders, priceCounts, total, type BilledCounts, type Prices } from '../cost/pricing.js';
import pricesFile from '../cost/prices.json' with { type: 'json' };

const prices = pricesFile as Prices;

const counts = fc.record(Object.fromEntries(BILLED_COUNT_NAMES.map((name) => [name, fc.integer({ min: 0, max: 10_000_000 })])) as Record<keyof BilledCounts, fc.Arbitrary<number>>);
const zero = Object.fromEntries(BILLED_COUNT_NAMES.map((name) => [name, 0])) as unknown as BilledCounts;

describe('pricing the counts', () => {
  it('is linear in the counts: the price of a sum is the sum of the prices, and k times the counts cost k times as much', () => {
    fc.assert(
      fc.property(counts, counts, fc.integer({ min: 0, max: 1000 }), (a, b, k) => {
        const sum = Object.fromEntries(BILLED_COUNT_NAMES.map((n) => [n, a[n] + b[n]])) as unknown as BilledCounts;
        const scaled = Object.fromEntries(BILLED_COUNT_NAMES.map((n) => [n, a[n] * k])) as unknown as BilledCounts;
        const price = (c: BilledCounts) => total(priceCounts(c, prices));
        expect(price(sum)).toBeCloseTo(price(a) + price(b), 6);
        expect(price(scaled)).toBeCloseTo(price(a) * k, 4);
      }),
    );
  });

  it('is never negative, and nothing costs nothing', () => {
    fc.assert(fc.property(counts, (c) => priceCounts(c, prices).every((line) => line.dollars >= 0)));
    expect(total(priceCounts(zero, prices))).toBe(0);
  });

  it('charges each dimension its list price', () => {
    const one = (name: keyof BilledCounts, n: number) => total(priceCounts({ ...zero, [name]: n }, prices));
    expect(one('apiRequests', 1_000_000)).toBeCloseTo(prices.apiGateway.perMillionRequests, 9);
    expect(one('lambdaRequests', 1_000_000)).toBeCloseTo(prices.lambda.perMillionRequests, 9);
    expect(one('lambdaGbSeconds', 1)).toBeCloseTo(prices.lambda.perGbSecond.arm64, 12);
    expect(one('dynamoWriteUnits', 1_000_000)).toBeCloseTo(prices.dynamodb.perMillionWriteRequestUnits, 9);
    expect(one('dynamoReadUnits', 1_000_000)).toBeCloseTo(prices.dynamodb.perMillionReadRequestUnits, 9);
    expect(one('stepFunctionsTransitions', 1000)).toBeCloseTo(prices.stepFunctions.standardPerThousandTransitions, 9);
    expect(one('logBytes', 2 ** 30)).toBeCloseTo(prices.cloudWatchLogs.perGbIngested, 9);
  });

  it('scales a day to 1,000 orders, and says n/a for no orders', () => {
    expect(perThousandOrders(0.5, 100)).toBeCloseTo(5, 9);
    expect(perThousandOrders(1, 0)).toBeNaN();
  });
});

describe('the price list', () => {
  it('names its region, date and a source for every service, with positive prices', () => {
    expect(prices.region).toBe('us-east-1');
    expect(prices.recorded).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    for (const [service, entry] of Object.entries(prices)) {
      if (typeof entry !== 'object') continue;
      expect(entry.source, service).toMatch(/^https:\/\/aws\.amazon\.com\//);
      const numbers = JSON.stringify(entry).match(/-?\d+(\.\d+)?(e-?\d+)?(?=[,}])/g) ?? [];
      for (const n of numbers) expect(Number(n), service).toBeGreaterThan(0);
    }
  });

  it('prices Lambda for the architecture the CDK app deploys', () => {
    expect(prices.lambda.deployedArchitecture).toBe(FUNCTION_ARCHITECTURE.name);
  });
});

describe('billing units', () => {
  it('rounds Lambda durations up to the millisecond and counts a GB as 1,024 MB', () => {
    expect(billedMilliseconds(0.2)).toBe(1);
    expect(billedMilliseconds(12.0001)).toBe(13);
    expect(billedMilliseconds(12)).toBe(12);
    expect(gbSeconds(1000, 1024)).toBe(1);
    expect(gbSeconds(100, 512)).toBeCloseTo(0.05, 12);
  });

  it('bills 64 KB chunks, at least one', () => {
    expect(billedChunks(0)).toBe(1);
    expect(billedChunks(64 * 1024)).toBe(1);
    expect(billedChunks(64 * 1024 + 1)).toBe(2);
  });

  it('sizes a PutEvents entry as EventBridge does', () => {
    expect(putEventsEntrySize({ Source: 'abc', DetailType: 'de', Detail: '{}' })).toBe(7);
    expect(putEventsEntrySize({ Source: 'abc', DetailType: 'de', Detail: '{}', Time: new Date(), Resources: ['r1'] })).toBe(7 + 14 + 2);
  });

  it('puts S3 requests in their tiers', () => {
    expect(s3Tier('PUT', '/bucket/key')).toBe(1);
    expect(s3Tier('GET', '/bucket?list-type=2')).toBe(1);
    expect(s3Tier('GET', '/bucket/key')).toBe(2);
    expect(s3Tier('HEAD', '/bucket/key')).toBe(2);
    expect(s3Tier('DELETE', '/bucket/key')).toBe('free');
  });

  it('asks DynamoDB for consumed capacity only on calls that read or write, and only when the caller did not', () => {
    const body = (input: object) => Buffer.from(JSON.stringify(input));
    const headers = (op: string) => ({ 'x-amz-target': `DynamoDB_20120810.${op}` });
    const asked = askForCapacity({ headers: headers('GetItem'), body: body({ TableName: 't' }) });
    expect(JSON.parse(asked!.toString())).toEqual({ TableName: 't', ReturnConsumedCapacity: 'TOTAL' });
    expect(askForCapacity({ headers: headers('GetItem'), body: body({ TableName: 't', ReturnConsumedCapacity: 'INDEXES' }) })).toBeUndefined();
    expect(askForCapacity({ headers: headers('DescribeTable'), body: body({ TableName: 't' }) })).toBeUndefined();
    expect(askForCapacity({ headers: { 'x-amz-target': 'DynamoDBStreams_20120810.GetRecords' }, body: body({}) })).toBeUndefined();
  });
});

describe('Step Functions transitions and the Express comparison', () => {
  const event = (type: string, timestamp: number, name?: string) => ({ type, timestamp, ...(name ? { state: { name } } : {}) });

  it('counts each state entered and each retry as a transition', () => {
    const meter = new UsageMeter();
    const arn = 'arn:execution:1';
    for (const e of [
      event('ExecutionStarted', 0),
      event('StateEntered', 1, 'A'),
      event('StateRetried', 2, 'A'),
      event('StateExited', 3, 'A'),
      event('StateEntered', 3, 'B'),
      event('StateExited', 4, 'B'),
      event('ExecutionSucceeded', 5),
    ]) {
      meter.recordExecutionEvent(arn, 'm', e);
    }
    const { stepFunctions } = meter.snapshot();
    expect(stepFunctions).toMatchObject({ executions: 1, transitions: 3, byMachine: { m: { executions: 1, transitions: 3 } } });
    expect(stepFunctions.traces[0]).toMatchObject({ status: 'SUCCEEDED', startedAt: 0, stoppedAt: 5 });
  });

  it('prices the checkout as two Express executions around the pick, each rounded up to 100 ms', () => {
    const trace: ExecutionTrace = {
      machine: 'checkout',
      startedAt: 0,
      stoppedAt: 10_000_050,
      status: 'SUCCEEDED',
      states: [
        { name: 'Reserve', enteredAt: 0, exitedAt: 100 },
        { name: 'AwaitPick', enteredAt: 250, exitedAt: 10_000_000 },
        { name: 'CompleteOrder', enteredAt: 10_000_000, exitedAt: 10_000_050 },
      ],
    };
    const split = expressSplit([trace, { ...trace, machine: 'other' }], 'checkout', 'AwaitPick', prices.stepFunctions);
    expect(split).toMatchObject({ executions: 1, expressRequests: 2, billedMs: 300 + 100, standardTransitions: 3 });
    const gbs = (64 / 1024) * 0.4;
    expect(split.dollars).toBeCloseTo(2 / 1e6 + gbs * prices.stepFunctions.expressPerGbSecond, 15);
    expect(split.standardDollars).toBeCloseTo((3 * prices.stepFunctions.standardPerThousandTransitions) / 1000, 15);
  });

  it('prices an execution that never reached the wait as one Express execution', () => {
    const split = expressSplit([{ machine: 'checkout', startedAt: 0, stoppedAt: 120, status: 'FAILED', states: [{ name: 'Reserve', enteredAt: 0, exitedAt: 120 }] }], 'checkout', 'AwaitPick', prices.stepFunctions);
    expect(split).toMatchObject({ executions: 1, expressRequests: 1, billedMs: 200 });
  });
});

describe('the meter', () => {
  it('counts API requests by status and is on only when asked', () => {
    const meter = new UsageMeter();
    for (const status of [200, 200, 404]) meter.recordApiRequest(status);
    expect(meter.snapshot().apiGateway).toEqual({ requests: 3, byStatus: { '200': 2, '404': 1 } });
    meter.reset();
    expect(meter.snapshot().apiGateway.requests).toBe(0);
    expect(meteringRequested({ SMARTSHELF_METERING: '1' })).toBe(true);
    expect(meteringRequested({})).toBe(false);
  });
});
