import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatSlotId, parseSlotId, SlotId } from '../../../shared/fulfillment/slot-id.js';

describe('slot ids', () => {
  it('writes the UTC start to the minute and the mode', () => {
    expect(formatSlotId('2026-11-27T08:00:00.000Z', 'delivery')).toBe('2026-11-27T08:00Z~delivery');
    expect(parseSlotId('2026-11-27T08:00Z~pickup')).toEqual({ startsAt: '2026-11-27T08:00:00.000Z', mode: 'pickup' });
  });

  it('uses only characters a URL path segment carries unescaped (RFC 3986 pchar)', () => {
    expect(formatSlotId('2026-11-27T08:00:00.000Z', 'delivery')).toMatch(/^[A-Za-z0-9\-._~:]+$/);
  });

  it('round-trips any minute of any mode', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2999-12-31T23:59:00Z'), noInvalidDate: true }),
        fc.constantFrom('delivery' as const, 'pickup' as const),
        (date, mode) => {
          const startsAt = new Date(Math.floor(date.getTime() / 60_000) * 60_000).toISOString();
          expect(parseSlotId(formatSlotId(startsAt, mode))).toEqual({ startsAt, mode });
        },
      ),
    );
  });

  it.each([
    ['an impossible date', '2026-02-30T08:00Z~delivery'],
    ['hour 24', '2026-11-27T24:00Z~delivery'],
    ['minute 60', '2026-11-27T08:60Z~delivery'],
    ['seconds', '2026-11-27T08:00:00Z~delivery'],
    ['no Z', '2026-11-27T08:00~delivery'],
    ['an offset', '2026-11-27T08:00+01:00~delivery'],
    ['an unknown mode', '2026-11-27T08:00Z~drone'],
    ['an upper-case mode', '2026-11-27T08:00Z~DELIVERY'],
    ['no mode', '2026-11-27T08:00Z'],
    ['trailing text', '2026-11-27T08:00Z~delivery~x'],
    ['surrounding space', ' 2026-11-27T08:00Z~delivery'],
    ['nothing', ''],
  ])('rejects %s', (_, id) => {
    expect(parseSlotId(id)).toBeUndefined();
    expect(SlotId.safeParse(id).success).toBe(false);
  });

  it('explains the expected shape when a request carries a bad id', () => {
    const result = SlotId.safeParse('tomorrow-morning');
    expect(result.error?.issues[0]?.message).toBe(
      'must be a slot id such as 2026-11-27T08:00Z~delivery (UTC start to the minute, then ~delivery or ~pickup)',
    );
  });
});
