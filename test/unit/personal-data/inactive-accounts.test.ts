import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { activityIsStale, activityAttributes, utcDay } from '../../../shared/accounts/activity.js';
import { ACTIVITY_SHARDS, activityPartition, activityShard, keys } from '../../../shared/db/keys.js';
import {
  DEFAULT_RETENTION,
  inactivityCutoffDay,
  isInactivePast,
  RETENTION_BY_JURISDICTION,
  retentionFor,
  shortestInactivity,
  type RetentionPeriod,
} from '../../../shared/personal-data/retention.js';

/**
 * The pure parts of the retention of inactive accounts: when an account counts as inactive past its period, the
 * activity index's keys (which the job's one range query per shard relies on), and the once-a-day activity write.
 */

const DAY = 86_400_000;
const instant = fc.date({ min: new Date('2000-01-01T00:00:00.000Z'), max: new Date('2100-01-01T00:00:00.000Z'), noInvalidDate: true });
const period = fc.integer({ min: 1, max: 4000 }).map((days): RetentionPeriod => ({ days, basis: 'test' }));
const shopperId = fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/);

describe('an account inactive past its period', () => {
  it('is one whose whole period has passed since the end of the day it was last used', () => {
    fc.assert(
      fc.property(instant, instant, period, (lastUsed, now, p) => {
        const day = utcDay(lastUsed);
        const endOfDay = Date.parse(`${day}T00:00:00.000Z`) + DAY;
        expect(isInactivePast(day, p, now)).toBe(now.getTime() - endOfDay >= p.days * DAY);
      }),
    );
  });

  it('is inactive in GB three years (of 366 days) after its last day, and not the day before', () => {
    const inactive = retentionFor('GB').inactiveAccounts;
    expect(inactive.days).toBe(3 * 366);
    expect(inactive.basis).toMatch(/Art\. 5\(1\)\(e\)/);
    const lastDay = '2023-03-01';
    const end = Date.parse(`${lastDay}T00:00:00.000Z`) + DAY;
    expect(isInactivePast(lastDay, inactive, new Date(end + inactive.days * DAY))).toBe(true);
    expect(isInactivePast(lastDay, inactive, new Date(end + inactive.days * DAY - 1))).toBe(false);
  });

  it('finds every jurisdiction’s inactive accounts among the candidates of the shortest period', () => {
    const shortest = shortestInactivity();
    for (const rules of [DEFAULT_RETENTION, ...Object.values(RETENTION_BY_JURISDICTION)]) expect(shortest.days).toBeLessThanOrEqual(rules.inactiveAccounts.days);
    fc.assert(
      fc.property(instant, instant, fc.constantFrom(...Object.keys(RETENTION_BY_JURISDICTION), 'US-NY', ''), (lastUsed, now, jurisdiction) => {
        const day = utcDay(lastUsed);
        if (isInactivePast(day, retentionFor(jurisdiction).inactiveAccounts, now)) expect(isInactivePast(day, shortest, now)).toBe(true);
      }),
    );
  });
});

describe('the activity index', () => {
  it('puts a shopper in one shard of the few, always the same', () => {
    fc.assert(
      fc.property(shopperId, (id) => {
        const shard = activityShard(id);
        expect(Number.isInteger(shard) && shard >= 0 && shard < ACTIVITY_SHARDS).toBe(true);
        expect(keys.shopperActivity(id, '2026-12-07').gsi2pk).toBe(activityPartition(shard));
      }),
    );
  });

  it('sorts an entry below a cutoff day exactly when its day is before it, whatever the shopper id', () => {
    fc.assert(
      fc.property(instant, instant, period, shopperId, (lastUsed, now, p, id) => {
        const { gsi2sk } = keys.shopperActivity(id, utcDay(lastUsed));
        const before = inactivityCutoffDay(p, now);
        // The job's query is `gsi2sk < before`: it must select exactly the accounts isInactivePast selects.
        expect(gsi2sk < before).toBe(isInactivePast(utcDay(lastUsed), p, now));
      }),
    );
  });

  it('is written at most once a day: only when the stored day is older than today, or missing', () => {
    fc.assert(
      fc.property(instant, instant, (stored, today) => {
        expect(activityIsStale(utcDay(stored), utcDay(today))).toBe(utcDay(stored) < utcDay(today));
      }),
    );
    expect(activityIsStale(undefined, '2026-12-07')).toBe(true);
    expect(activityAttributes('shopper-1', '2026-12-07')).toEqual({ lastActiveAt: '2026-12-07', ...keys.shopperActivity('shopper-1', '2026-12-07') });
  });
});
