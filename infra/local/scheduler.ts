import { CronExpressionParser } from 'cron-parser';
import type { ScheduleSpec } from '../../wiring/index.js';

/** A parsed EventBridge Scheduler expression. */
export type Schedule = { kind: 'cron'; cron: string; years: (year: number) => boolean } | { kind: 'rate'; everyMs: number };

const RATE_UNITS: Record<string, number> = { minute: 60_000, minutes: 60_000, hour: 3_600_000, hours: 3_600_000, day: 86_400_000, days: 86_400_000 };

/** AWS numbers weekdays 1-7 from Sunday; cron-parser 0-6. Names are the same in both. */
function dayOfWeek(field: string): string {
  return field.replace(/\d+/g, (digits, offset: number, whole: string) => {
    // The number after `#` is the week of the month, not a weekday.
    if (whole[offset - 1] === '#') return digits;
    const day = Number(digits);
    if (day < 1 || day > 7) throw new Error(`day-of-week ${day} is outside 1-7`);
    return String(day - 1);
  });
}

function yearMatcher(field: string): (year: number) => boolean {
  if (field === '*' || field === '?') return () => true;
  const parts = field.split(',').map((part) => {
    const match = /^(\d{4})(?:-(\d{4}))?(?:\/(\d+))?$/.exec(part);
    if (!match) throw new Error(`year field ${field} is not supported`);
    const from = Number(match[1]);
    const to = match[2] ? Number(match[2]) : match[3] ? 2199 : from;
    const step = match[3] ? Number(match[3]) : 1;
    return (year: number) => year >= from && year <= to && (year - from) % step === 0;
  });
  return (year) => parts.some((matches) => matches(year));
}

/**
 * Parses an EventBridge Scheduler expression: `cron(minutes hours day-of-month month
 * day-of-week year)`, where exactly one of the two day fields is `?` and weekdays count 1-7 from
 * Sunday, or `rate(n minutes|hours|days)`. `W` (nearest weekday) is not supported locally.
 */
export function parseScheduleExpression(expression: string): Schedule {
  const rate = /^rate\((\d+) (minutes?|hours?|days?)\)$/.exec(expression.trim());
  if (rate) {
    const amount = Number(rate[1]);
    if (amount < 1) throw new Error(`${expression}: the rate must be at least 1`);
    return { kind: 'rate', everyMs: amount * RATE_UNITS[rate[2]!]! };
  }
  const cron = /^cron\((.*)\)$/.exec(expression.trim());
  if (!cron) throw new Error(`${expression}: expected cron(...) or rate(...)`);
  const fields = cron[1]!.trim().split(/\s+/);
  if (fields.length !== 6) throw new Error(`${expression}: AWS cron has 6 fields (minutes hours day-of-month month day-of-week year)`);
  const [minute, hour, dom, month, dow, year] = fields as [string, string, string, string, string, string];
  if ((dom === '?') === (dow === '?')) throw new Error(`${expression}: exactly one of day-of-month and day-of-week must be ?`);
  if (/W/i.test(dom)) throw new Error(`${expression}: W (nearest weekday) is not supported by the local scheduler`);
  try {
    const fiveFields = [minute, hour, dom === '?' ? '*' : dom, month, dow === '?' ? '*' : dayOfWeek(dow.toUpperCase())].join(' ');
    CronExpressionParser.parse(fiveFields);
    return { kind: 'cron', cron: fiveFields, years: yearMatcher(year) };
  } catch (error) {
    throw new Error(`${expression}: ${(error as Error).message}`, { cause: error });
  }
}

/** Never look further ahead than this for a fire time; a schedule past it is treated as done. */
const HORIZON_YEARS = 200;

/**
 * The first time strictly after `after` that a schedule fires, in its IANA time zone (cron
 * fields are wall-clock times there, across daylight-saving changes), or `undefined` when it
 * never fires again. A `rate()` fires every period from `anchor`.
 */
export function nextFireTime(schedule: Schedule, timezone: string, after: Date, anchor: Date = after): Date | undefined {
  if (schedule.kind === 'rate') {
    const periods = Math.floor((after.getTime() - anchor.getTime()) / schedule.everyMs) + 1;
    return new Date(anchor.getTime() + Math.max(periods, 1) * schedule.everyMs);
  }
  const yearOf = (date: Date) => Number(new Intl.DateTimeFormat('en-US', { timeZone: timezone, year: 'numeric' }).format(date));
  const lastYear = after.getUTCFullYear() + HORIZON_YEARS;
  let from = after;
  for (;;) {
    let next: Date;
    try {
      next = CronExpressionParser.parse(schedule.cron, { currentDate: from, tz: timezone }).next().toDate();
    } catch {
      return undefined;
    }
    const year = yearOf(next);
    if (year > lastYear) return undefined;
    if (schedule.years(year)) return next;
    let allowed = year + 1;
    while (allowed <= lastYear && !schedule.years(allowed)) allowed++;
    if (allowed > lastYear) return undefined;
    // A day before New Year in UTC is still the old year in every time zone; the loop skips what remains of it.
    from = new Date(Date.UTC(allowed - 1, 11, 31));
    if (from <= next) from = next;
  }
}

export interface Scheduler {
  /** Cancels what is pending and waits for invocations in progress. */
  stop(): Promise<void>;
}

/** Node timers hold at most about 24.8 days; longer waits are taken in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * EventBridge Scheduler, locally: each wiring schedule invokes its target function with its
 * `input` as the event, at the times its expression names in its time zone. A firing that finds
 * the previous one still running is skipped, as a target invoked synchronously would be late.
 */
export function startScheduler(options: {
  schedules: readonly ScheduleSpec[];
  invoke: (fnId: string, event: unknown) => Promise<unknown>;
  log?: (line: string) => void;
}): Scheduler {
  const log = options.log ?? (() => undefined);
  const timers = new Map<string, NodeJS.Timeout>();
  const running = new Set<Promise<unknown>>();
  let stopped = false;

  for (const spec of options.schedules) {
    const schedule = parseScheduleExpression(spec.expression);
    const anchor = new Date();
    let busy = false;
    const arm = (after: Date) => {
      if (stopped) return;
      const at = nextFireTime(schedule, spec.timezone, after, anchor);
      if (!at) {
        log(`schedule ${spec.id}: no further fire times`);
        return;
      }
      const wait = at.getTime() - Date.now();
      if (wait > MAX_TIMER_MS) {
        timers.set(spec.id, setTimeout(() => arm(after), MAX_TIMER_MS));
        return;
      }
      timers.set(
        spec.id,
        setTimeout(() => {
          arm(at);
          if (busy) {
            log(`schedule ${spec.id}: skipped ${at.toISOString()}, the previous run is still going`);
            return;
          }
          busy = true;
          const run = options
            .invoke(spec.target.fn, spec.target.input)
            // The invoker reports the run, failed or not; a failed run waits for the next fire time.
            .catch(() => undefined)
            .finally(() => {
              busy = false;
              running.delete(run);
            });
          running.add(run);
        }, Math.max(0, wait)),
      );
    };
    arm(anchor);
  }

  return {
    stop: async () => {
      stopped = true;
      for (const timer of timers.values()) clearTimeout(timer);
      await Promise.all(running);
    },
  };
}
