import { describe, expect, inject, it } from 'vitest';
import { addDays, localDateOf } from '../../shared/fulfillment/local-time.js';
import type { SlotList } from '../../shared/fulfillment/list-slots.js';
import { ApiClient, type Problem } from '../support/api-client.js';

/**
 * Slots end to end on the seeded local platform: the seed generated the sample stores' coming
 * week, and every response is checked against the OpenAPI document by the client.
 */

const api = new ApiClient(inject('baseUrl'));
const LONDON = 'london-bridge';
const today = () => localDateOf(new Date(), 'Europe/London');

async function problem(path: string, status: number): Promise<Problem> {
  const response = await api.get<Problem>(path);
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  return response.body;
}

describe('GET /stores/{id}/slots', () => {
  it('lists the seeded week of a store: 13 delivery and 6 pickup slots a day, in start order', async () => {
    const { status, body } = await api.get<SlotList>(`/stores/${LONDON}/slots`);
    expect(status).toBe(200);
    expect([body.storeId, body.timezone, body.from, body.to]).toEqual([LONDON, 'Europe/London', today(), addDays(today(), 6)]);
    expect(body.items).toHaveLength(7 * 19);
    const starts = body.items.map((s) => s.startsAt);
    expect([...starts].sort()).toEqual(starts);
    const first = body.items[0]!;
    expect(first).toMatchObject({ storeId: LONDON, capacity: 10, minimumOrder: { amount: 2500, currency: 'GBP' } });
    expect(first.startsAtLocal.slice(11, 16)).toBe('08:00');
  });

  it('marks slots past their cut-off unavailable and those ahead with room available', async () => {
    const now = Date.now();
    const { body } = await api.get<SlotList>(`/stores/${LONDON}/slots?date=${today()}`);
    for (const slot of body.items) {
      const cutoff = Date.parse(slot.cutoffAt);
      if (cutoff <= now) expect(slot.available, slot.id).toBe(false);
      if (cutoff > now + 60_000 && slot.remaining > 0) expect(slot.available, slot.id).toBe(true);
    }
  });

  it('filters by mode: a delivery-only store has no pickup slots', async () => {
    const pickup = await api.get<SlotList>(`/stores/edinburgh-leith/slots?mode=pickup`);
    expect(pickup.body.items).toEqual([]);
    const delivery = await api.get<SlotList>(`/stores/edinburgh-leith/slots?mode=delivery&date=${addDays(today(), 1)}`);
    expect(delivery.body.items.map((s) => s.startsAtLocal.slice(11, 16))).toEqual([
      '08:00', '09:00', '10:00', '11:00', '12:00', '13:00', '14:00', '15:00', '16:00', '17:00', '18:00', '19:00', '20:00',
    ]);
  });

  it('answers 400 for a date in the past, naming the store today', async () => {
    const yesterday = addDays(today(), -1);
    const body = await problem(`/stores/${LONDON}/slots?date=${yesterday}`, 400);
    expect(body.detail).toBe(`The date ${yesterday} is in the past: today at ${LONDON} (Europe/London) is ${today()}.`);
    expect(body.errors).toEqual([{ field: 'query.date', message: `${yesterday} is in the past: today at ${LONDON} (Europe/London) is ${today()}` }]);
  });

  it('answers 400 for a date more than 14 days ahead', async () => {
    const body = await problem(`/stores/${LONDON}/slots?date=${addDays(today(), 15)}`, 400);
    expect(body.errors?.[0]?.field).toBe('query.date');
    expect(body.detail).toContain('more than 14 days ahead');
  });

  it.each([
    ['a malformed date', 'date=2026-13-01', 'query.date'],
    ['an impossible date', 'date=2026-02-30', 'query.date'],
    ['an unknown mode', 'mode=drone', 'query.mode'],
    ['an unknown parameter', 'limit=5', 'query'],
  ])('answers 400 for %s', async (_, query, field) => {
    const body = await problem(`/stores/${LONDON}/slots?${query}`, 400);
    expect(body.errors?.map((e) => e.field)).toEqual([field]);
  });

  it('answers 404 for an unknown store and 400 for an id that cannot be a store', async () => {
    expect((await problem('/stores/atlantis/slots', 404)).detail).toBe('Store atlantis does not exist.');
    expect((await problem('/stores/NOT_A_STORE/slots', 400)).errors?.[0]?.field).toBe('path.id');
  });

  it('changes nothing on a rejected request', async () => {
    const before = await api.get<SlotList>(`/stores/${LONDON}/slots`);
    await problem(`/stores/${LONDON}/slots?date=${addDays(today(), -1)}`, 400);
    await problem(`/stores/${LONDON}/slots?mode=drone`, 400);
    const after = await api.get<SlotList>(`/stores/${LONDON}/slots`);
    expect(after.body.items.map((s) => [s.id, s.remaining])).toEqual(before.body.items.map((s) => [s.id, s.remaining]));
  });
});
