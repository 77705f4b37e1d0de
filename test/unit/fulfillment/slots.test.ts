import { describe, expect, it } from 'vitest';
import { AppError } from '../../../shared/errors.js';
import { ListSlotsQuery, slotView } from '../../../shared/fulfillment/list-slots.js';
import { assertBookable, slotHoldItem, slotItem, slotFromItem, slotReleaseItem, type Slot } from '../../../shared/fulfillment/slots.js';

const slot: Slot = {
  id: '2026-07-15T07:00Z~delivery',
  storeId: 'london-bridge',
  mode: 'delivery',
  startsAt: '2026-07-15T07:00:00.000Z',
  endsAt: '2026-07-15T08:00:00.000Z',
  cutoffAt: '2026-07-15T05:00:00.000Z',
  timezone: 'Europe/London',
  capacity: 10,
  held: 3,
  fee: { amount: 399, currency: 'GBP' },
  minimumOrder: { amount: 2500, currency: 'GBP' },
  status: 'open',
};

function refusal(candidate: Slot, at: string): AppError {
  try {
    assertBookable(candidate, new Date(at));
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected the slot to be refused');
}

describe('assertBookable', () => {
  it('accepts an open slot with room before its cut-off', () => {
    expect(() => assertBookable(slot, new Date('2026-07-15T04:59:59.999Z'))).not.toThrow();
  });

  it('refuses a slot that has started with 422 slot-in-past', () => {
    const error = refusal(slot, '2026-07-15T07:00:00.000Z');
    expect([error.kind, error.code, error.message]).toEqual([
      'unprocessable',
      'slot-in-past',
      'The slot 2026-07-15T07:00Z~delivery started at 2026-07-15T07:00:00.000Z; choose a later slot.',
    ]);
  });

  it('refuses a slot past its cut-off with 422 slot-cut-off naming the cut-off', () => {
    const error = refusal(slot, '2026-07-15T05:00:00.000Z');
    expect([error.kind, error.code]).toEqual(['unprocessable', 'slot-cut-off']);
    expect(error.extensions).toEqual({ slotId: slot.id, cutoffAt: slot.cutoffAt });
    expect(error.message).toBe('Orders for the slot 2026-07-15T07:00Z~delivery closed at 2026-07-15T05:00:00.000Z; choose a later slot.');
  });

  it('refuses a full slot with 409 slot-full', () => {
    const error = refusal({ ...slot, held: 10 }, '2026-07-15T04:00:00.000Z');
    expect([error.kind, error.code, error.extensions]).toEqual(['conflict', 'slot-full', { slotId: slot.id, capacity: 10 }]);
  });

  it('refuses a closed slot before anything else', () => {
    expect(refusal({ ...slot, status: 'closed', held: 10 }, '2026-07-15T09:00:00.000Z').code).toBe('slot-closed');
  });

  it('reports the past before the cut-off, and the cut-off before fullness', () => {
    expect(refusal({ ...slot, held: 10 }, '2026-07-15T07:30:00.000Z').code).toBe('slot-in-past');
    expect(refusal({ ...slot, held: 10 }, '2026-07-15T06:00:00.000Z').code).toBe('slot-cut-off');
  });
});

describe('capacity items for a caller transaction', () => {
  it('holds one unit only while the slot exists, is open, has room and is before its cut-off', () => {
    const item = slotHoldItem('table', 'london-bridge', slot.id, new Date('2026-07-15T04:00:00.000Z'));
    expect(item.Update).toMatchObject({
      TableName: 'table',
      Key: { pk: 'STORE#london-bridge', sk: 'SLOT#2026-07-15T07:00:00.000Z#delivery' },
      UpdateExpression: 'SET #held = #held + :one',
      ConditionExpression: 'attribute_exists(pk) AND #held < #capacity AND cutoffAt > :now AND #status = :open',
    });
    expect(item.Update?.ExpressionAttributeValues).toEqual({ ':one': 1, ':now': '2026-07-15T04:00:00.000Z', ':open': 'open' });
  });

  it('releases one unit only while some are held', () => {
    const item = slotReleaseItem('table', 'london-bridge', slot.id);
    expect(item.Update).toMatchObject({
      Key: { pk: 'STORE#london-bridge', sk: 'SLOT#2026-07-15T07:00:00.000Z#delivery' },
      UpdateExpression: 'SET #held = #held - :one',
      ConditionExpression: '#held > :zero',
    });
  });

  it('refuses a malformed slot id with 400 slot-id-malformed before any transaction', () => {
    expect(() => slotHoldItem('table', 'london-bridge', 'tomorrow', new Date())).toThrow(
      expect.objectContaining({ kind: 'invalid', code: 'slot-id-malformed' }),
    );
    expect(() => slotReleaseItem('table', 'london-bridge', '2026-07-15T07:00Z~boat')).toThrow(expect.objectContaining({ code: 'slot-id-malformed' }));
  });
});

describe('stored slots', () => {
  it('round-trips through its item, keyed in the store partition and expiring 90 days after it ends', () => {
    const item = slotItem(slot);
    expect(item).toMatchObject({ pk: 'STORE#london-bridge', sk: 'SLOT#2026-07-15T07:00:00.000Z#delivery', entityType: 'Slot', schemaVersion: 1 });
    expect(item.expiresAt).toBe(Date.parse(slot.endsAt) / 1000 + 90 * 86_400);
    expect(slotFromItem({ ...item })).toEqual(slot);
  });
});

describe('slot views', () => {
  it('shows the room left, the local times and availability at the time asked', () => {
    const view = slotView(slot, new Date('2026-07-15T04:00:00.000Z'));
    expect(view).toMatchObject({ remaining: 7, available: true, startsAtLocal: '2026-07-15T08:00:00+01:00', endsAtLocal: '2026-07-15T09:00:00+01:00' });
  });

  it('is unavailable when full, closed or past its cut-off', () => {
    const early = new Date('2026-07-15T04:00:00.000Z');
    expect(slotView({ ...slot, held: 10 }, early)).toMatchObject({ remaining: 0, available: false });
    expect(slotView({ ...slot, status: 'closed' }, early).available).toBe(false);
    expect(slotView(slot, new Date('2026-07-15T05:00:00.000Z')).available).toBe(false);
  });
});

describe('the slots listing query', () => {
  it('takes an optional calendar date and mode', () => {
    expect(ListSlotsQuery.parse({})).toEqual({});
    expect(ListSlotsQuery.parse({ date: '2026-07-15', mode: 'pickup' })).toEqual({ date: '2026-07-15', mode: 'pickup' });
  });

  it.each([
    [{ date: '2026-02-30' }, 'query.date'],
    [{ date: '15/07/2026' }, 'query.date'],
    [{ date: '2026-7-15' }, 'query.date'],
    [{ mode: 'drone' }, 'query.mode'],
    [{ limit: '5' }, 'query'],
  ])('refuses %j', (query, field) => {
    const result = ListSlotsQuery.safeParse(query);
    expect(result.success).toBe(false);
    expect(['query', ...(result.error?.issues[0]?.path ?? [])].join('.')).toBe(field);
  });
});
