import { afterEach, describe, expect, it, vi } from 'vitest';
import { nextFireTime, parseScheduleExpression, startScheduler } from '../../../infra/local/scheduler.js';

const next = (expression: string, after: string, timezone = 'UTC') =>
  nextFireTime(parseScheduleExpression(expression), timezone, new Date(after))?.toISOString();

describe('AWS cron expressions', () => {
  it('fires daily at the given UTC time, strictly after the reference time', () => {
    expect(next('cron(30 2 * * ? *)', '2026-03-01T00:00:00Z')).toBe('2026-03-01T02:30:00.000Z');
    expect(next('cron(30 2 * * ? *)', '2026-03-01T02:30:00Z')).toBe('2026-03-02T02:30:00.000Z');
  });

  it('counts weekdays from Sunday = 1, as AWS does', () => {
    // 2026-03-02 is a Monday; AWS 2 is Monday.
    expect(next('cron(0 9 ? * 2 *)', '2026-03-01T00:00:00Z')).toBe('2026-03-02T09:00:00.000Z');
    expect(next('cron(0 9 ? * 1 *)', '2026-03-01T10:00:00Z')).toBe('2026-03-08T09:00:00.000Z');
    expect(next('cron(0 9 ? * MON-FRI *)', '2026-03-06T10:00:00Z')).toBe('2026-03-09T09:00:00.000Z');
    expect(next('cron(0 9 ? * 2-6 *)', '2026-03-06T10:00:00Z')).toBe('2026-03-09T09:00:00.000Z');
  });

  it('supports the nth weekday of the month and the last day of the month', () => {
    // The first Monday of April 2026 is the 6th.
    expect(next('cron(0 8 ? * 2#1 *)', '2026-03-15T00:00:00Z')).toBe('2026-04-06T08:00:00.000Z');
    expect(next('cron(0 23 L * ? *)', '2026-02-10T00:00:00Z')).toBe('2026-02-28T23:00:00.000Z');
  });

  it('reads hours as wall-clock time in the schedule’s time zone, across daylight saving', () => {
    // Europe/London is UTC+0 in winter and UTC+1 from 29 March 2026.
    expect(next('cron(0 6 * * ? *)', '2026-03-27T12:00:00Z', 'Europe/London')).toBe('2026-03-28T06:00:00.000Z');
    expect(next('cron(0 6 * * ? *)', '2026-03-28T12:00:00Z', 'Europe/London')).toBe('2026-03-29T05:00:00.000Z');
  });

  it('honours the year field', () => {
    expect(next('cron(0 0 1 1 ? 2028)', '2026-06-01T00:00:00Z')).toBe('2028-01-01T00:00:00.000Z');
    expect(next('cron(0 12 * * ? 2027-2028)', '2026-06-01T00:00:00Z')).toBe('2027-01-01T12:00:00.000Z');
    expect(next('cron(0 0 1 1 ? 2020)', '2026-06-01T00:00:00Z')).toBeUndefined();
  });

  it('fires every n minutes with a step', () => {
    expect(next('cron(0/15 * * * ? *)', '2026-03-01T10:07:00Z')).toBe('2026-03-01T10:15:00.000Z');
  });

  it('rejects expressions AWS rejects, or that the local scheduler cannot run', () => {
    expect(() => parseScheduleExpression('cron(0 9 * * * *)')).toThrow(/exactly one of day-of-month and day-of-week must be \?/);
    expect(() => parseScheduleExpression('cron(0 9 ? * ? *)')).toThrow(/exactly one/);
    expect(() => parseScheduleExpression('cron(0 9 * * ?)')).toThrow(/6 fields/);
    expect(() => parseScheduleExpression('cron(0 9 ? * 8 *)')).toThrow(/outside 1-7/);
    expect(() => parseScheduleExpression('cron(0 9 15W * ? *)')).toThrow(/not supported/);
    expect(() => parseScheduleExpression('every day')).toThrow(/cron\(\.\.\.\) or rate/);
  });
});

describe('rate expressions', () => {
  it('fires every period from its anchor', () => {
    const schedule = parseScheduleExpression('rate(5 minutes)');
    const anchor = new Date('2026-01-01T00:00:00Z');
    expect(nextFireTime(schedule, 'UTC', anchor, anchor)?.toISOString()).toBe('2026-01-01T00:05:00.000Z');
    expect(nextFireTime(schedule, 'UTC', new Date('2026-01-01T00:12:00Z'), anchor)?.toISOString()).toBe('2026-01-01T00:15:00.000Z');
  });
});

describe('local scheduler', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('invokes the target function with the schedule input at each fire time', async () => {
    vi.useFakeTimers({ now: new Date('2026-03-01T09:59:30Z') });
    const calls: { fn: string; event: unknown; at: string }[] = [];
    const scheduler = startScheduler({
      schedules: [{ id: 'hourly', expression: 'cron(0 * * * ? *)', timezone: 'UTC', target: { fn: 'report-fn', input: { kind: 'hourly' } } }],
      invoke: async (fn, event) => void calls.push({ fn, event, at: new Date().toISOString() }),
    });
    await vi.advanceTimersByTimeAsync(29_000);
    expect(calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(2 * 60 * 60 * 1000);
    expect(calls).toEqual([
      { fn: 'report-fn', event: { kind: 'hourly' }, at: '2026-03-01T10:00:00.000Z' },
      { fn: 'report-fn', event: { kind: 'hourly' }, at: '2026-03-01T11:00:00.000Z' },
    ]);
    await scheduler.stop();
    await vi.advanceTimersByTimeAsync(2 * 60 * 60 * 1000);
    expect(calls).toHaveLength(2);
  });

  it('skips a firing while the previous run is still going, and stop waits for it', async () => {
    vi.useFakeTimers({ now: new Date('2026-03-01T10:00:30Z') });
    let release!: () => void;
    let started = 0;
    const scheduler = startScheduler({
      schedules: [{ id: 'minutely', expression: 'cron(* * * * ? *)', timezone: 'UTC', target: { fn: 'slow-fn', input: {} } }],
      invoke: () => {
        started++;
        return new Promise<void>((resolve) => (release = resolve));
      },
    });
    await vi.advanceTimersByTimeAsync(3 * 60 * 1000);
    expect(started).toBe(1);
    let stopped = false;
    const stopping = scheduler.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(stopped).toBe(true);
  });
});
