import { describe, expect, it } from 'vitest';
import { localDateOf, localTimeToInstant, startOfLocalDay, toLocalIso, utcOffsetMinutes } from '../../../shared/fulfillment/local-time.js';
import { DEFAULT_SLOT_POLICY, isPeak } from '../../../shared/fulfillment/slot-policy.js';
import { slotsForDay, type SlotStore } from '../../../shared/fulfillment/slot-template.js';
import type { Slot } from '../../../shared/fulfillment/slots.js';

const london: SlotStore = { id: 'london-bridge', timezone: 'Europe/London', currency: 'GBP', fulfillmentModes: ['delivery', 'pickup'] };
const ofMode = (slots: Slot[], mode: Slot['mode']) => slots.filter((s) => s.mode === mode);
const hours = (slot: Slot) => (Date.parse(slot.endsAt) - Date.parse(slot.startsAt)) / 3_600_000;

describe('wall-clock time in a store zone', () => {
  it('knows London is UTC in winter and an hour ahead in summer', () => {
    expect(utcOffsetMinutes(new Date('2026-01-15T12:00:00Z'), 'Europe/London')).toBe(0);
    expect(utcOffsetMinutes(new Date('2026-07-15T12:00:00Z'), 'Europe/London')).toBe(60);
    expect(utcOffsetMinutes(new Date('2026-07-15T12:00:00Z'), 'America/New_York')).toBe(-240);
  });

  it('writes an instant as local time with its offset', () => {
    expect(toLocalIso(new Date('2026-07-15T07:00:00Z'), 'Europe/London')).toBe('2026-07-15T08:00:00+01:00');
    expect(toLocalIso(new Date('2026-01-15T13:30:00Z'), 'America/New_York')).toBe('2026-01-15T08:30:00-05:00');
    expect(toLocalIso(new Date('2026-01-15T02:30:00Z'), 'Asia/Kolkata')).toBe('2026-01-15T08:00:00+05:30');
  });

  it('finds the local date, which can differ from the UTC one', () => {
    expect(localDateOf(new Date('2026-07-15T23:30:00Z'), 'Europe/London')).toBe('2026-07-16');
    expect(localDateOf(new Date('2026-07-15T02:00:00Z'), 'America/New_York')).toBe('2026-07-14');
  });

  it('has no 01:30 on the day London springs forward, and the first of two when it falls back', () => {
    expect(localTimeToInstant('2026-03-29', 90, 'Europe/London')).toBeUndefined();
    expect(localTimeToInstant('2026-10-25', 90, 'Europe/London')?.toISOString()).toBe('2026-10-25T00:30:00.000Z');
  });

  it('starts a day at the moment its clocks jump to when midnight does not exist', () => {
    // Santiago springs forward at local midnight: 2026-09-06 starts at 01:00 -03:00.
    expect(localTimeToInstant('2026-09-06', 0, 'America/Santiago')).toBeUndefined();
    expect(toLocalIso(startOfLocalDay('2026-09-06', 'America/Santiago'), 'America/Santiago')).toBe('2026-09-06T01:00:00-03:00');
    expect(startOfLocalDay('2026-07-15', 'Europe/London').toISOString()).toBe('2026-07-14T23:00:00.000Z');
  });
});

describe('a store day of slots', () => {
  it('lays out hourly delivery 08:00-21:00 and two-hour pickup 08:00-20:00, local time', () => {
    const slots = slotsForDay(london, '2026-01-14');
    expect(ofMode(slots, 'delivery').map((s) => toLocalIso(new Date(s.startsAt), s.timezone).slice(11, 16))).toEqual([
      '08:00', '09:00', '10:00', '11:00', '12:00', '13:00', '14:00', '15:00', '16:00', '17:00', '18:00', '19:00', '20:00',
    ]);
    expect(ofMode(slots, 'pickup').map((s) => toLocalIso(new Date(s.startsAt), s.timezone).slice(11, 16))).toEqual([
      '08:00', '10:00', '12:00', '14:00', '16:00', '18:00',
    ]);
    expect(ofMode(slots, 'delivery').at(-1)?.endsAt).toBe('2026-01-14T21:00:00.000Z');
    expect(slots.every((s) => s.held === 0 && s.status === 'open' && s.storeId === 'london-bridge')).toBe(true);
  });

  it('keeps the windows at the same local hours on the day London springs forward', () => {
    const before = slotsForDay(london, '2026-03-28');
    const change = slotsForDay(london, '2026-03-29');
    expect(change.map((s) => s.id)).toHaveLength(before.length);
    expect(before[0]?.startsAt).toBe('2026-03-28T08:00:00.000Z');
    expect(change[0]?.startsAt).toBe('2026-03-29T07:00:00.000Z');
    expect(change[0]?.id).toBe('2026-03-29T07:00Z~delivery');
    expect(toLocalIso(new Date(change[0]!.startsAt), 'Europe/London')).toBe('2026-03-29T08:00:00+01:00');
    expect(ofMode(change, 'delivery').every((s) => hours(s) === 1)).toBe(true);
    expect(ofMode(change, 'pickup').every((s) => hours(s) === 2)).toBe(true);
  });

  it('keeps the windows at the same local hours on the day London falls back', () => {
    const change = slotsForDay(london, '2026-10-25');
    expect(change[0]?.startsAt).toBe('2026-10-25T08:00:00.000Z');
    expect(slotsForDay(london, '2026-10-24')[0]?.startsAt).toBe('2026-10-24T07:00:00.000Z');
    expect(change.every((s) => hours(s) === (s.mode === 'delivery' ? 1 : 2))).toBe(true);
  });

  it('closes delivery two hours and pickup one hour before the slot starts', () => {
    const [delivery] = ofMode(slotsForDay(london, '2026-07-15'), 'delivery');
    const [pickup] = ofMode(slotsForDay(london, '2026-07-15'), 'pickup');
    expect(delivery?.cutoffAt).toBe('2026-07-15T05:00:00.000Z');
    expect(pickup?.cutoffAt).toBe('2026-07-15T06:00:00.000Z');
  });

  it('counts a cut-off in real time across a clock change', () => {
    // 08:00 BST on the change day is 07:00Z: two real hours earlier is 05:00Z, though London's clocks then read 06:00.
    expect(ofMode(slotsForDay(london, '2026-03-29'), 'delivery')[0]?.cutoffAt).toBe('2026-03-29T05:00:00.000Z');
  });

  it('offers only the modes the store offers', () => {
    const pickupOnly = slotsForDay({ ...london, fulfillmentModes: ['pickup'] }, '2026-07-15');
    expect(new Set(pickupOnly.map((s) => s.mode))).toEqual(new Set(['pickup']));
  });

  it('sets minimums per mode, in the store currency', () => {
    const slots = slotsForDay({ ...london, currency: 'EUR' }, '2026-07-15');
    expect(ofMode(slots, 'delivery')[0]?.minimumOrder).toEqual({ amount: 2500, currency: 'EUR' });
    expect(ofMode(slots, 'pickup')[0]?.minimumOrder).toEqual({ amount: 1500, currency: 'EUR' });
  });

  it('gives each slot capacity from the policy', () => {
    const slots = slotsForDay(london, '2026-07-15');
    expect(ofMode(slots, 'delivery')[0]?.capacity).toBe(DEFAULT_SLOT_POLICY.delivery.capacity);
    expect(ofMode(slots, 'pickup')[0]?.capacity).toBe(DEFAULT_SLOT_POLICY.pickup.capacity);
  });
});

describe('fees', () => {
  const feeAt = (date: string, local: string, mode: Slot['mode']) =>
    slotsForDay(london, date).find((s) => s.mode === mode && toLocalIso(new Date(s.startsAt), s.timezone).slice(11, 16) === local)?.fee.amount;

  it('charges the delivery peak on weekday evenings 17:00-20:00 and all Saturday; Sunday is standard', () => {
    // 2026-07-15 is a Wednesday, 2026-07-18 a Saturday, 2026-07-19 a Sunday.
    expect(feeAt('2026-07-15', '16:00', 'delivery')).toBe(399);
    expect(feeAt('2026-07-15', '17:00', 'delivery')).toBe(599);
    expect(feeAt('2026-07-15', '19:00', 'delivery')).toBe(599);
    expect(feeAt('2026-07-15', '20:00', 'delivery')).toBe(399);
    expect(feeAt('2026-07-18', '08:00', 'delivery')).toBe(599);
    expect(feeAt('2026-07-19', '18:00', 'delivery')).toBe(399);
  });

  it('lets pickup be free outside the peak and small in it', () => {
    expect(feeAt('2026-07-15', '08:00', 'pickup')).toBe(0);
    expect(feeAt('2026-07-15', '18:00', 'pickup')).toBe(100);
    expect(feeAt('2026-07-18', '10:00', 'pickup')).toBe(100);
  });

  it('tells peak from off-peak by the local date and start', () => {
    expect(isPeak('2026-07-17', 17 * 60)).toBe(true);
    expect(isPeak('2026-07-17', 16 * 60 + 59)).toBe(false);
    expect(isPeak('2026-07-18', 8 * 60)).toBe(true);
    expect(isPeak('2026-07-19', 18 * 60)).toBe(false);
  });
});
