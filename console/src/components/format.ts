/** Money as the API sends it: integer minor units with an ISO 4217 currency. */
export interface Money {
  amount: number;
  currency: string;
}

const formatters = new Map<string, Intl.NumberFormat>();

/** Formats minor units (`{ amount: 1234, currency: 'GBP' }` is £12.34), using the currency's own number of decimals. */
export function formatMoney(money: Money | undefined | null): string {
  if (!money) return '—';
  let formatter = formatters.get(money.currency);
  if (!formatter) {
    formatter = new Intl.NumberFormat('en-GB', { style: 'currency', currency: money.currency });
    formatters.set(money.currency, formatter);
  }
  const digits = formatter.resolvedOptions().maximumFractionDigits ?? 2;
  return formatter.format(money.amount / 10 ** digits);
}

/** Formats a weight in grams: 950 g, 1.25 kg. */
export function formatWeight(grams: number | undefined | null): string {
  if (grams === undefined || grams === null) return '—';
  return Math.abs(grams) < 1000 ? `${grams} g` : `${(grams / 1000).toLocaleString('en-GB', { maximumFractionDigits: 3 })} kg`;
}

/** An ISO instant in the viewer's locale, to the minute. */
export function formatTime(iso: string | undefined | null): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
}

/** Today's date (`YYYY-MM-DD`) in UTC, the day the order listing is keyed on. */
export function todayUtc(): string {
  return new Date().toISOString().slice(0, 10);
}
