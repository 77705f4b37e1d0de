/**
 * How long SmartShelf keeps each kind of personal data, per jurisdiction, as data: each period with the law or the
 * reason that sets it written beside it, so a new market is one entry and a change of law one edit. A store's
 * jurisdiction is its `taxJurisdiction` (`GB`, `US-NY`): the country decides, so a region falls back to its country,
 * and a country with no entry to `DEFAULT`, which is the strictest we know of.
 *
 * The periods are read by the erasure (financial records are kept, anonymised, for `financialRecords`), by the daily
 * retention job (orders and the day's books past `financialRecords` are deleted) and stated where a TTL enforces them
 * (carts, exports), which the unit tests hold to these numbers.
 */

/** A period and why it is that long. */
export interface RetentionPeriod {
  /** Whole days; a year counts 366 days so that the period is never a day short across a leap year. */
  days: number;
  /** The law (or, where there is none, the reason) that sets it. */
  basis: string;
}

/** What one jurisdiction keeps, and for how long. */
export interface RetentionRules {
  /** Orders, their invoices, refunds and credit notes, the day's books: kept anonymised after an erasure, deleted after this. */
  financialRecords: RetentionPeriod;
  /** A cart nobody changed: deleted by DynamoDB's TTL this long after its last change. */
  abandonedCarts: RetentionPeriod;
  /** A shopper's personal-data export: the record and its file, deleted this long after it was made. */
  exports: RetentionPeriod;
  /**
   * An account nobody used for this long (no `GET /me`, profile change, saved card or checkout: `lastActiveAt`) is erased
   * by the daily retention job, as if its holder had asked (see docs/accounts.md).
   */
  inactiveAccounts: RetentionPeriod;
}

const YEAR = 366;

/** Rules every jurisdiction shares unless its own entry says otherwise. */
const COMMON = {
  abandonedCarts: { days: 30, basis: 'Data minimisation (UK GDPR / GDPR Art. 5(1)(e)): a basket untouched for 30 days is not coming back.' },
  exports: { days: 7, basis: 'Data minimisation: a copy made for the shopper to download, kept a week for them to do so.' },
  inactiveAccounts: {
    days: 3 * YEAR,
    basis: 'Storage limitation (UK GDPR / GDPR Art. 5(1)(e)): an account kept for a shopper who has not used it in three years is no longer needed for the purpose it was opened for.',
  },
} as const satisfies Omit<RetentionRules, 'financialRecords'>;

/** By ISO 3166-1 country code: every country our stores sell in. */
export const RETENTION_BY_JURISDICTION: Readonly<Record<string, RetentionRules>> = {
  GB: {
    ...COMMON,
    financialRecords: { days: 6 * YEAR, basis: '6 years: HMRC VAT records, VAT Act 1994 Sch 11 para 6; Companies Act 2006 s388.' },
  },
  IE: {
    ...COMMON,
    financialRecords: { days: 6 * YEAR, basis: '6 years: Revenue VAT records, VAT Consolidation Act 2010 s84.' },
  },
  FR: {
    ...COMMON,
    financialRecords: { days: 10 * YEAR, basis: '10 years: Code de commerce art. L123-22 (accounting documents).' },
  },
  DE: {
    ...COMMON,
    financialRecords: { days: 10 * YEAR, basis: '10 years: Abgabenordnung §147 and HGB §257 (invoices, books).' },
  },
};

/** For a jurisdiction with no entry: the longest financial period above, so that nothing is deleted before its time. */
export const DEFAULT_RETENTION: RetentionRules = {
  ...COMMON,
  financialRecords: { days: 10 * YEAR, basis: '10 years: the longest of the jurisdictions above, until this one has its own entry.' },
};

/** The rules of a store's jurisdiction (`GB`, `US-NY`): its country's, else `DEFAULT_RETENTION`. */
export function retentionFor(jurisdiction: string): RetentionRules {
  return RETENTION_BY_JURISDICTION[jurisdiction.slice(0, 2).toUpperCase()] ?? DEFAULT_RETENTION;
}

/** The instant before which records kept for `period` may go: `now` minus the period. */
export function retentionCutoff(period: RetentionPeriod, now: Date): Date {
  return new Date(now.getTime() - period.days * 24 * 60 * 60 * 1000);
}

/**
 * The first day on which an account last used on `lastActiveDay` is no longer inactive past `period` as of `now`: it is
 * erased when `lastActiveDay` is before this day, that is once the whole period has passed since the end of that day.
 */
export function inactivityCutoffDay(period: RetentionPeriod, now: Date): string {
  return retentionCutoff(period, now).toISOString().slice(0, 10);
}

/** Whether an account last used on `lastActiveDay` (`YYYY-MM-DD`, UTC) has been inactive past `period` as of `now`. */
export function isInactivePast(lastActiveDay: string, period: RetentionPeriod, now: Date): boolean {
  return lastActiveDay < inactivityCutoffDay(period, now);
}

/** The shortest inactivity period of any jurisdiction: every account past it is a candidate for some jurisdiction's rule. */
export function shortestInactivity(): RetentionPeriod {
  return [DEFAULT_RETENTION, ...Object.values(RETENTION_BY_JURISDICTION)].map((r) => r.inactiveAccounts).reduce((a, b) => (b.days < a.days ? b : a));
}

/** Where export files live in the exports bucket: the bucket's lifecycle rule on this prefix expires them. */
export const PERSONAL_DATA_PREFIX = 'personal-data/';

/** Exports are kept for the `exports` period, the same in every jurisdiction: a shopper is not tied to one store. */
export const EXPORT_RETENTION_DAYS = retentionFor('GB').exports.days;
