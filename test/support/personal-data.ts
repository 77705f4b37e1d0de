/**
 * The personal data the e2e files send (names, contact details, address lines, dates of birth), in one list, so that
 * `test/e2e/zz-no-personal-data-or-card-numbers` can look for each in the logs of the whole run. A file that sends a
 * new value takes it from here, or adds it here. Emails and phone numbers are matched by pattern, since most carry the
 * run's id: every e2e shopper's email is at example.com, every phone number in Ofcom's drama range.
 */

/** Values an e2e file sends for a shopper. Stores' own addresses are not here: they are the chain's, not a person's. */
export const PERSONAL_VALUES = {
  names: ['Alice Example', 'Openapi Shopper', 'Samwise Gamgee', 'Rosie Cotton', 'Peregrin Took'],
  addressLines: ['1 Tooley Street', '9 Camberwell Grove', '2 Borough Road', '3 Bagshot Row', 'Ring the bell twice', 'Leave with the concierge', 'Leave at the green door', '7 Shire Court', 'Leave by the blue gate'],
  datesOfBirth: ['1980-01-01', '1990-01-01', '1968-09-22'],
} as const;

/** A shopper's email as the e2e files make them: anything at example.com. */
export const PERSONAL_EMAIL = /[A-Za-z0-9._%+-]+@example\.com/g;

/** A UK phone number in Ofcom's range for drama, as the e2e files use (E.164 or national). */
export const PERSONAL_PHONE = /(?:\+44|0)7700 ?900 ?\d{3}/g;

/** Every place in `line` that holds a listed value or matches a pattern, as `[start, end)` spans. */
export function personalDataSpans(line: string): { start: number; end: number }[] {
  const spans: { start: number; end: number }[] = [];
  for (const value of Object.values(PERSONAL_VALUES).flat()) {
    for (let at = line.indexOf(value); at !== -1; at = line.indexOf(value, at + 1)) spans.push({ start: at, end: at + value.length });
  }
  for (const pattern of [PERSONAL_EMAIL, PERSONAL_PHONE]) {
    for (const match of line.matchAll(pattern)) spans.push({ start: match.index, end: match.index + match[0].length });
  }
  return spans.sort((a, b) => a.start - b.start);
}
