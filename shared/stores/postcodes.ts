import { AppError, ValidationError } from '../errors.js';

/**
 * Postcodes per country: which countries we know the postcode format of, how a postcode is written (normalised), and
 * its district, the part delivery areas are drawn in. No library in our dependencies does this, so it is a small table
 * of the countries our stores are in (GB) and the common ones around them; a country that is not in it is one we do
 * not deliver to.
 */

interface PostcodeRule {
  /** The postcode with spaces and dashes taken out and upper-cased, as a whole. */
  pattern: RegExp;
  /** How the compact form is written: spaces or a dash put back where the country writes them. */
  format: (compact: string) => string;
  /** The district of the compact form: the part that delivery areas list (GB's outward code, a US ZIP's five digits). */
  district: (compact: string) => string;
  /** A well-formed example, shown when a postcode is refused. */
  example: string;
}

const whole = (compact: string): string => compact;
const splitAt = (at: number, separator: string) => (compact: string) => `${compact.slice(0, at)}${separator}${compact.slice(at)}`;
const first = (n: number) => (compact: string) => compact.slice(0, n);

/** GB (and the Crown dependencies, which share its format): the outward code, then a digit and two letters. */
const UK: PostcodeRule = {
  pattern: /^(?:GIR0AA|(?:[A-PR-UWYZ][0-9][0-9A-HJKPSTUW]?|[A-PR-UWYZ][A-HK-Y][0-9][0-9ABEHMNPRVWXY]?)[0-9][ABD-HJLNP-UW-Z]{2})$/,
  format: (compact) => `${compact.slice(0, -3)} ${compact.slice(-3)}`,
  district: (compact) => compact.slice(0, -3),
  example: 'SW1A 1AA',
};

const fiveDigits = (example: string): PostcodeRule => ({ pattern: /^\d{5}$/, format: whole, district: whole, example });
const fourDigits = (example: string): PostcodeRule => ({ pattern: /^\d{4}$/, format: whole, district: whole, example });

/** The countries whose postcodes we know, by ISO 3166-1 alpha-2 code. */
const RULES: Readonly<Record<string, PostcodeRule>> = {
  GB: UK,
  JE: UK,
  GG: UK,
  IM: UK,
  // ZIP or ZIP+4; the district is the five-digit ZIP.
  US: { pattern: /^\d{5}(?:\d{4})?$/, format: (c) => (c.length === 9 ? `${c.slice(0, 5)}-${c.slice(5)}` : c), district: first(5), example: '10001' },
  // Eircode: a routing key (a letter and two digits, or D6W) and a four-character unique identifier.
  IE: { pattern: /^(?:[AC-FHKNPRTV-Y]\d{2}|D6W)[0-9AC-FHKNPRTV-Y]{4}$/, format: splitAt(3, ' '), district: first(3), example: 'D02 X285' },
  // Four digits and two letters; SA, SD and SS are never issued.
  NL: { pattern: /^[1-9]\d{3}(?!SA|SD|SS)[A-Z]{2}$/, format: splitAt(4, ' '), district: first(4), example: '1011 AB' },
  // The forward sortation area (letter, digit, letter), then digit, letter, digit.
  CA: { pattern: /^[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z]\d[ABCEGHJ-NPRSTV-Z]\d$/, format: splitAt(3, ' '), district: first(3), example: 'K1A 0B1' },
  DE: fiveDigits('10115'),
  FR: fiveDigits('75001'),
  ES: fiveDigits('28001'),
  IT: fiveDigits('00118'),
  FI: fiveDigits('00100'),
  BE: fourDigits('1000'),
  AT: fourDigits('1010'),
  CH: fourDigits('8001'),
  DK: fourDigits('1050'),
  NO: fourDigits('0150'),
  AU: fourDigits('2000'),
  SE: { pattern: /^\d{5}$/, format: splitAt(3, ' '), district: whole, example: '111 22' },
  PL: { pattern: /^\d{5}$/, format: splitAt(2, '-'), district: whole, example: '00-950' },
  PT: { pattern: /^\d{7}$/, format: splitAt(4, '-'), district: first(4), example: '1000-001' },
};

/** A postcode as we store and compare it. */
export interface Postcode {
  /** As the country writes it: `SW1A 1AA`, `10001-1234`, `D02 X285`. */
  normalised: string;
  /** Without spaces or dashes: what delivery-area prefixes are compared with. */
  compact: string;
  /** The district delivery areas list: `SW1A`, `10001`, `D02`. */
  district: string;
}

/** Why a postcode was refused: a country we do not know the postcodes of (so do not deliver to), or a malformed code. */
export type PostcodeRefusal = { reason: 'unsupported-country'; country: string } | { reason: 'malformed'; country: string; example: string };

/** The countries we know the postcodes of, in alphabetical order. */
export const SUPPORTED_COUNTRIES: readonly string[] = Object.keys(RULES).sort();

/** The compact form of what a person typed: upper case, with spaces and dashes taken out. */
export function compactPostcode(raw: string): string {
  return raw.toUpperCase().replace(/[\s-]+/g, '');
}

/**
 * Reads a postcode of `country` as typed (`sw1a1aa`, ` SW1A  1AA `) into its normalised form and district.
 * @returns the postcode, or why it was refused
 */
export function parsePostcode(raw: string, country: string): Postcode | PostcodeRefusal {
  const rule = Object.hasOwn(RULES, country) ? RULES[country] : undefined;
  if (!rule) return { reason: 'unsupported-country', country };
  const compact = compactPostcode(raw);
  if (!rule.pattern.test(compact)) return { reason: 'malformed', country, example: rule.example };
  return { normalised: rule.format(compact), compact, district: rule.district(compact) };
}

/** Whether `parsePostcode` refused. */
export function isRefusal(result: Postcode | PostcodeRefusal): result is PostcodeRefusal {
  return 'reason' in result;
}

/**
 * A postcode of `country`, for use-cases that cannot go on without one.
 * @param field where the postcode was in the request (`body.postcode`, `query.postcode`), for the 400's field
 * @throws AppError (422 `country-not-served`) for a country whose postcodes we do not know: we do not deliver there
 * @throws ValidationError (400) naming `field` for a postcode malformed for its country, with a well-formed example
 */
export function requirePostcode(raw: string, country: string, field: string): Postcode {
  const parsed = parsePostcode(raw, country);
  if (!isRefusal(parsed)) return parsed;
  if (parsed.reason === 'unsupported-country') {
    throw new AppError('unprocessable', 'country-not-served', `We do not deliver to ${country}.`, { extensions: { country, supportedCountries: SUPPORTED_COUNTRIES } });
  }
  throw new ValidationError([{ field, message: `is not a ${country} postcode (for example ${parsed.example})` }]);
}
