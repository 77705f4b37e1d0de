import { randomBytes } from 'node:crypto';
import { GetCommand, PutCommand, type DynamoDBDocumentClient, type TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { dynamo } from '../../../shared/db/client.js';
import { keys } from '../../../shared/db/keys.js';
import { TransactionCancelled, transactWrite } from '../../../shared/db/transact.js';
import { AppError } from '../../../shared/errors.js';
import { fulfillmentDeps, type FulfillmentDeps } from '../../../shared/fulfillment/deps.js';
import { generateSlots, upcomingSlots } from '../../../shared/fulfillment/generate-slots.js';
import { listSlots } from '../../../shared/fulfillment/list-slots.js';
import {
  explainSlotHoldFailure,
  getSlot,
  slotHoldItem,
  slotItem,
  slotReleaseItem,
  type Slot,
} from '../../../shared/fulfillment/slots.js';
import type { Store } from '../../../shared/stores/model.js';
import { storeItem } from '../../../shared/stores/repository.js';
import { SAMPLE_STORES } from '../../../shared/stores/seed.js';
import { engines } from '../../support/engines.js';

const token = () => randomBytes(4).toString('hex');
const tableName = () => engines().tableName;

/** A clock fixed at `at`, so cut-offs and "today" do not move under the test. */
const depsAt = (at: string, db: DynamoDBDocumentClient = dynamo): FulfillmentDeps => fulfillmentDeps({ db, tableName: tableName(), now: () => new Date(at) });

async function putStore(overrides: Partial<Store> = {}): Promise<Store> {
  const store: Store = {
    ...SAMPLE_STORES[0]!,
    id: `slots-${token()}`,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
  await dynamo.send(new PutCommand({ TableName: tableName(), Item: storeItem(store) }));
  return store;
}

/** A slot of a fresh store, written directly, starting at 07:00Z on 2026-07-15 with cut-off at 05:00Z. */
async function putSlot(capacity: number, overrides: Partial<Slot> = {}): Promise<Slot> {
  const slot: Slot = {
    id: '2026-07-15T07:00Z~delivery',
    storeId: `slots-${token()}`,
    mode: 'delivery',
    startsAt: '2026-07-15T07:00:00.000Z',
    endsAt: '2026-07-15T08:00:00.000Z',
    cutoffAt: '2026-07-15T05:00:00.000Z',
    timezone: 'Europe/London',
    capacity,
    held: 0,
    fee: { amount: 399, currency: 'GBP' },
    minimumOrder: { amount: 2500, currency: 'GBP' },
    status: 'open',
    ...overrides,
  };
  await dynamo.send(new PutCommand({ TableName: tableName(), Item: slotItem(slot) }));
  return slot;
}

async function heldOf(slot: Slot): Promise<number> {
  const { Item } = await dynamo.send(
    new GetCommand({ TableName: tableName(), Key: keys.slot(slot.storeId, slot.startsAt, slot.mode), ConsistentRead: true }),
  );
  return Item?.held as number;
}

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (error instanceof AppError) return error;
  throw new Error(`expected an AppError, got ${String(error)}`);
}

const BEFORE_CUTOFF = '2026-07-15T04:00:00.000Z';

describe('slot capacity held in transactions', () => {
  it('lets exactly 5 of 30 concurrent holds on a slot of capacity 5 commit, and explains the rest as full', async () => {
    const slot = await putSlot(5);
    let sends = 0;
    const counting = { send: (command: TransactWriteCommand) => ((sends += 1), dynamo.send(command)) } as unknown as DynamoDBDocumentClient;
    const now = new Date(BEFORE_CUTOFF);

    const started = performance.now();
    const results = await Promise.allSettled(
      Array.from({ length: 30 }, () => transactWrite({ db: counting }, [slotHoldItem(tableName(), slot.storeId, slot.id, now)])),
    );
    const wallMs = Math.round(performance.now() - started);

    const successes = results.filter((r) => r.status === 'fulfilled').length;
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    const conditionFailures = failures.filter((e) => e instanceof TransactionCancelled && e.failedConditions().length === 1).length;
    const conflictRetries = sends - results.length;
    console.log(
      `slot race: capacity 5, 30 concurrent holds -> ${successes} committed, ${failures.length} refused (${conditionFailures} by condition), ${conflictRetries} conflict retries, ${wallMs} ms`,
    );

    expect(successes).toBe(5);
    expect(conditionFailures).toBe(25);
    expect(await heldOf(slot)).toBe(5);
    const why = await explainSlotHoldFailure(slot.storeId, slot.id, now, depsAt(BEFORE_CUTOFF));
    expect(why?.code).toBe('slot-full');
  });

  it('gives capacity back on release, and never releases below zero', async () => {
    const slot = await putSlot(2);
    const now = new Date(BEFORE_CUTOFF);
    const deps = { db: dynamo };
    await transactWrite(deps, [slotHoldItem(tableName(), slot.storeId, slot.id, now)]);
    await transactWrite(deps, [slotHoldItem(tableName(), slot.storeId, slot.id, now)]);
    await expect(transactWrite(deps, [slotHoldItem(tableName(), slot.storeId, slot.id, now)])).rejects.toBeInstanceOf(TransactionCancelled);

    await transactWrite(deps, [slotReleaseItem(tableName(), slot.storeId, slot.id)]);
    expect(await heldOf(slot)).toBe(1);
    await transactWrite(deps, [slotHoldItem(tableName(), slot.storeId, slot.id, now)]);
    expect(await heldOf(slot)).toBe(2);

    await transactWrite(deps, [slotReleaseItem(tableName(), slot.storeId, slot.id)]);
    await transactWrite(deps, [slotReleaseItem(tableName(), slot.storeId, slot.id)]);
    await expect(transactWrite(deps, [slotReleaseItem(tableName(), slot.storeId, slot.id)])).rejects.toBeInstanceOf(TransactionCancelled);
    expect(await heldOf(slot)).toBe(0);
  });

  it('refuses a hold at or after the cut-off, leaving the slot as it was, and says so', async () => {
    const slot = await putSlot(5);
    const atCutoff = new Date(slot.cutoffAt);
    await expect(transactWrite({ db: dynamo }, [slotHoldItem(tableName(), slot.storeId, slot.id, atCutoff)])).rejects.toBeInstanceOf(
      TransactionCancelled,
    );
    expect(await heldOf(slot)).toBe(0);
    const why = await explainSlotHoldFailure(slot.storeId, slot.id, atCutoff, depsAt(slot.cutoffAt));
    expect([why?.code, why?.extensions]).toEqual(['slot-cut-off', { slotId: slot.id, cutoffAt: slot.cutoffAt }]);
  });

  it('refuses a hold on a closed slot', async () => {
    const slot = await putSlot(5, { status: 'closed' });
    await expect(transactWrite({ db: dynamo }, [slotHoldItem(tableName(), slot.storeId, slot.id, new Date(BEFORE_CUTOFF))])).rejects.toBeInstanceOf(
      TransactionCancelled,
    );
    expect((await explainSlotHoldFailure(slot.storeId, slot.id, new Date(BEFORE_CUTOFF), depsAt(BEFORE_CUTOFF)))?.code).toBe('slot-closed');
  });

  it('refuses a hold on a slot that does not exist, without creating it', async () => {
    const storeId = `slots-${token()}`;
    const slotId = '2026-07-15T07:00Z~pickup';
    await expect(transactWrite({ db: dynamo }, [slotHoldItem(tableName(), storeId, slotId, new Date(BEFORE_CUTOFF))])).rejects.toBeInstanceOf(
      TransactionCancelled,
    );
    expect(await getSlot(storeId, slotId, depsAt(BEFORE_CUTOFF))).toBeUndefined();
    const why = await explainSlotHoldFailure(storeId, slotId, new Date(BEFORE_CUTOFF), depsAt(BEFORE_CUTOFF));
    expect([why?.kind, why?.message]).toEqual(['not-found', `Slot ${slotId} at store ${storeId} does not exist.`]);
  });

  it('rolls the hold back when another item of the same transaction fails', async () => {
    const slot = await putSlot(5);
    const failing = { ConditionCheck: { TableName: tableName(), Key: keys.store(`missing-${token()}`), ConditionExpression: 'attribute_exists(pk)' } };
    const error = await transactWrite({ db: dynamo }, [slotHoldItem(tableName(), slot.storeId, slot.id, new Date(BEFORE_CUTOFF)), failing]).catch(
      (e: unknown) => e,
    );
    expect((error as TransactionCancelled).failedConditions()).toEqual([1]);
    expect(await heldOf(slot)).toBe(0);
    expect(await explainSlotHoldFailure(slot.storeId, slot.id, new Date(BEFORE_CUTOFF), depsAt(BEFORE_CUTOFF))).toBeUndefined();
  });

  it('reads a slot back through getSlot', async () => {
    const slot = await putSlot(4);
    expect(await getSlot(slot.storeId, slot.id, depsAt(BEFORE_CUTOFF))).toEqual(slot);
  });
});

describe('slot generation', () => {
  it('creates the next 7 local days once, and a re-run neither duplicates nor resets held', async () => {
    const store = await putStore();
    const deps = depsAt('2026-07-15T02:00:00.000Z');
    const first = await generateSlots({ stores: [store] }, deps);
    expect(first).toEqual({ stores: 1, created: 7 * (13 + 6), existing: 0 });

    const [taken] = upcomingSlots(store, new Date('2026-07-15T02:00:00.000Z'), 1);
    await transactWrite(deps, [slotHoldItem(tableName(), store.id, taken!.id, new Date('2026-07-15T02:00:00.000Z'))]);

    const again = await Promise.all([generateSlots({ stores: [store] }, deps), generateSlots({ stores: [store] }, deps)]);
    expect(again).toEqual([
      { stores: 1, created: 0, existing: 133 },
      { stores: 1, created: 0, existing: 133 },
    ]);
    expect(await heldOf(taken!)).toBe(1);

    const nextDay = await generateSlots({ stores: [store] }, depsAt('2026-07-16T02:00:00.000Z'));
    expect(nextDay).toEqual({ stores: 1, created: 19, existing: 114 });
  });

  it('lays out the store day in its own zone', async () => {
    const store = await putStore({ timezone: 'America/New_York', currency: 'USD', fulfillmentModes: ['pickup'] });
    const deps = depsAt('2026-07-15T12:00:00.000Z');
    await generateSlots({ stores: [store], days: 1 }, deps);
    const { items } = await listSlots(store.id, { date: '2026-07-15' }, deps);
    expect(items.map((s) => s.startsAtLocal)).toEqual([
      '2026-07-15T08:00:00-04:00',
      '2026-07-15T10:00:00-04:00',
      '2026-07-15T12:00:00-04:00',
      '2026-07-15T14:00:00-04:00',
      '2026-07-15T16:00:00-04:00',
      '2026-07-15T18:00:00-04:00',
    ]);
    expect(items[0]?.fee).toEqual({ amount: 0, currency: 'USD' });
  });
});

describe('listing a store slots', () => {
  let store: Store;
  const now = '2026-07-15T06:30:00.000Z';
  beforeAll(async () => {
    store = await putStore();
    await generateSlots({ stores: [store] }, depsAt(now));
  });

  it('lists the next 7 days by default, in start order, with availability at request time', async () => {
    const list = await listSlots(store.id, {}, depsAt(now));
    expect([list.from, list.to, list.timezone, list.items.length]).toEqual(['2026-07-15', '2026-07-21', 'Europe/London', 133]);
    const starts = list.items.map((s) => s.startsAt);
    expect([...starts].sort()).toEqual(starts);
    // 07:30 BST: the 08:00 and 09:00 delivery slots are past their 2-hour cut-off, 10:00 is open; pickup 08:00 closed at 07:00.
    const today = list.items.filter((s) => s.startsAt.startsWith('2026-07-15'));
    expect(today.filter((s) => !s.available).map((s) => s.id)).toEqual(['2026-07-15T07:00Z~delivery', '2026-07-15T07:00Z~pickup', '2026-07-15T08:00Z~delivery']);
  });

  it('filters one date and one mode', async () => {
    const list = await listSlots(store.id, { date: '2026-07-18', mode: 'pickup' }, depsAt(now));
    expect(list.items.map((s) => [s.startsAtLocal, s.fee.amount])).toEqual([
      ['2026-07-18T08:00:00+01:00', 100],
      ['2026-07-18T10:00:00+01:00', 100],
      ['2026-07-18T12:00:00+01:00', 100],
      ['2026-07-18T14:00:00+01:00', 100],
      ['2026-07-18T16:00:00+01:00', 100],
      ['2026-07-18T18:00:00+01:00', 100],
    ]);
  });

  it('counts holds in remaining and marks a full slot unavailable', async () => {
    const slotId = '2026-07-16T09:00Z~delivery';
    for (let i = 0; i < 10; i += 1) await transactWrite({ db: dynamo }, [slotHoldItem(tableName(), store.id, slotId, new Date(now))]);
    const { items } = await listSlots(store.id, { date: '2026-07-16', mode: 'delivery' }, depsAt(now));
    expect(items.find((s) => s.id === slotId)).toMatchObject({ capacity: 10, remaining: 0, available: false });
  });

  it('refuses a date before the store today, naming its today', async () => {
    const error = await refusal(listSlots(store.id, { date: '2026-07-14' }, depsAt(now)));
    expect([error.kind, error.fields]).toEqual([
      'invalid',
      [{ field: 'query.date', message: `2026-07-14 is in the past: today at ${store.id} (Europe/London) is 2026-07-15` }],
    ]);
  });

  it('takes today by the store zone, not UTC', async () => {
    // 23:30Z on the 14th is already the 15th in London.
    const list = await listSlots(store.id, { date: '2026-07-15' }, depsAt('2026-07-14T23:30:00.000Z'));
    expect(list.items).toHaveLength(19);
  });

  it('refuses a date more than 14 days ahead, and takes the 14th', async () => {
    const error = await refusal(listSlots(store.id, { date: '2026-07-30' }, depsAt(now)));
    expect(error.fields?.[0]?.message).toBe(`2026-07-30 is more than 14 days ahead: the last date with slots at ${store.id} (Europe/London) is 2026-07-29`);
    expect((await listSlots(store.id, { date: '2026-07-29' }, depsAt(now))).items).toEqual([]);
  });

  it('answers 404 for an unknown store', async () => {
    const error = await refusal(listSlots(`nowhere-${token()}`, {}, depsAt(now)));
    expect([error.kind, error.message]).toEqual(['not-found', expect.stringMatching(/^Store nowhere-[0-9a-f]+ does not exist\.$/)]);
  });
});
