/**
 * Wall-clock time in a store's IANA time zone, through `Intl` (the runtime's tz database), so that
 * slot windows stay at the same local hours across daylight-saving changes.
 */

/** A calendar date, `YYYY-MM-DD`, with no time zone of its own. */
export type LocalDate = string;

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timezone: string): Intl.DateTimeFormat {
  let format = formatters.get(timezone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timezone, format);
  }
  return format;
}

function wallClock(instantMs: number, timezone: string): WallClock {
  const parts: Partial<Record<Intl.DateTimeFormatPartTypes, number>> = {};
  for (const part of formatter(timezone).formatToParts(instantMs)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour!, minute: parts.minute!, second: parts.second! };
}

const asUtcMs = (w: WallClock) => Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);

/** How many minutes the zone is ahead of UTC at an instant (60 for London in summer). */
export function utcOffsetMinutes(instant: Date, timezone: string): number {
  const wholeSeconds = Math.floor(instant.getTime() / 1000) * 1000;
  return Math.round((asUtcMs(wallClock(wholeSeconds, timezone)) - wholeSeconds) / MINUTE_MS);
}

const pad = (n: number, width = 2) => String(Math.abs(n)).padStart(width, '0');

/** The calendar date at an instant in the zone. */
export function localDateOf(instant: Date, timezone: string): LocalDate {
  const w = wallClock(instant.getTime(), timezone);
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}`;
}

/** An instant written as the zone's wall-clock time with its offset, `2026-03-29T08:00:00+01:00`. */
export function toLocalIso(instant: Date, timezone: string): string {
  const w = wallClock(instant.getTime(), timezone);
  const offset = utcOffsetMinutes(instant, timezone);
  const sign = offset < 0 ? '-' : '+';
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}${sign}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
}

/** `YYYY-MM-DD` that names a real calendar date, or `undefined`. */
export function parseLocalDate(text: string): LocalDate | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return undefined;
  const ms = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return new Date(ms).toISOString().slice(0, 10) === text ? text : undefined;
}

/** The date `days` after (or before, when negative) a date. */
export function addDays(date: LocalDate, days: number): LocalDate {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** Day of the week of a date, 0 for Sunday to 6 for Saturday. */
export function dayOfWeek(date: LocalDate): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay();
}

/**
 * The instant at which the zone's clocks show `minuteOfDay` on `date`. When clocks go back and the
 * time happens twice, the first; when they go forward over it and it never happens, `undefined`.
 * `minuteOfDay` may reach 1440 (midnight at the end of the day).
 */
export function localTimeToInstant(date: LocalDate, minuteOfDay: number, timezone: string): Date | undefined {
  const wall = Date.parse(`${date}T00:00:00Z`) + minuteOfDay * MINUTE_MS;
  // A zone changes its offset at most once within a day either side, so these two offsets are the only candidates.
  const offsets = new Set([utcOffsetMinutes(new Date(wall - DAY_MS), timezone), utcOffsetMinutes(new Date(wall + DAY_MS), timezone)]);
  const matches = [...offsets]
    .map((offset) => wall - offset * MINUTE_MS)
    .filter((instant) => asUtcMs(wallClock(instant, timezone)) === wall)
    .sort((a, b) => a - b);
  return matches.length > 0 ? new Date(matches[0]!) : undefined;
}

/** The first instant of a local date: midnight, or the moment the clocks jump to when midnight is skipped. */
export function startOfLocalDay(date: LocalDate, timezone: string): Date {
  const wall = Date.parse(`${date}T00:00:00Z`);
  return localTimeToInstant(date, 0, timezone) ?? new Date(wall - utcOffsetMinutes(new Date(wall - DAY_MS), timezone) * MINUTE_MS);
}
