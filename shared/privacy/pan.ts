/**
 * Spots card numbers (PANs) in anything that enters (request bodies, query strings, headers, path
 * parameters, upload fields, import rows, webhook payloads) and in events before they are written,
 * so they can be refused or redacted before anything logs or stores them; card data reaches us
 * only as Stripe payment method ids. Pure: no I/O, no recursion (a value is walked with an
 * explicit stack, so a deeply nested one cannot overflow the call stack).
 *
 * Policy, chosen so grocery data does not trip it (docs/payments.md, "Card numbers never enter"):
 * - a candidate is a run of digit groups (any Unicode decimal digits) joined by one to three
 *   separators: whitespace, dashes, dots, slashes or underscores, mixed as people type them. It
 *   must not be glued to letters or digits (ULIDs, SKUs, hex ids and Stripe ids are identifiers,
 *   not numbers); UUIDs are skipped whole. Right after `+` it is an international phone number
 *   when it has at most 15 digits (E.164's limit), and read on only for a longer one;
 * - any contiguous run of whole groups counts, so "4242 4242 4242 4242 12/34" is caught. A run of
 *   several groups is a card's spelling only in a card's layout: groups of 4 with a last one of 1
 *   to 4 (4-4-4-4, 4-4-4-4-3), or 4-6-5 and 4-6-4 (Amex, Diners). Dates, date ranges and lists of
 *   small numbers ("2024-06-14 - 2024-06-21") are not card layouts, whatever Luhn says;
 * - a dot with more than 6 digits on either side is a decimal point, not a separator: the fraction
 *   of 0.8472937460234783 is not a number of its own, while 4242.4242.4242.4242 is a card;
 * - 13 to 19 digits that pass Luhn and start as a card scheme's numbers do: 13 digits only from 4
 *   (Visa), 14 only from 300-305, 309, 36, 38, 39 (Diners), 15 only from 34 or 37 (Amex), 16 to 19
 *   from 2 to 9. No scheme issues numbers starting with 0 or 1, which is where timestamps live
 *   (13 digits in ms, 16 in µs, 19 in ns, all starting with 1 until 2033), and 15-digit phone
 *   numbers are only read as cards with an Amex prefix;
 * - a GTIN-13 or GTIN-14 barcode with a valid GS1 check digit is not a card when it is written as
 *   one plain group and either stands alone (the whole value) or sits in a barcode field (`gtin`,
 *   `ean`, `upc`, `barcode`: there also grouped, as printed under a barcode). About one GTIN in
 *   ten passes Luhn by chance, so without this one product code in ten would be refused. A 13- or
 *   14-digit card that happens to carry a valid GS1 check digit and stands alone slips through:
 *   13-digit Visa and 14-digit Diners numbers are no longer issued, so that is the accepted gap.
 *   Inside longer text a barcode is read like any other number.
 *
 * Not read as cards, knowingly: digits glued to letters ("card4242424242424242"), numbers that
 * JSON itself rounded (integers above 2^53 arrive with other digits), commas as separators
 * (amounts and lists use them).
 *
 * It lives in `shared/privacy`, a cross-cutting context at the bottom that imports nothing, because
 * every layer guards with it: `http` (requests), `events` (the outbox), `catalog` (imports),
 * `payments` and `billing` (webhook payloads), and the local platform's logs.
 */

/** What stands in for a card number that was redacted rather than refused. */
export const REDACTED_PAN = '[card number removed]';

/** Where a text was found, which decides whether a GTIN in it is a barcode. */
export interface PanContext {
  /** The text is the value of a barcode field (`gtin`, `ean`, `upc`, `barcode`...), see `isBarcodeField`. */
  barcodeField?: boolean;
}

/** A card number's place in a text: UTF-16 offsets, `end` exclusive, from its first digit to its last. */
export interface PanSpan {
  start: number;
  end: number;
}

const SEPARATOR = '[\\s\\-\\u2010-\\u2015\\u2212._/]';
const CANDIDATE = new RegExp(`(?<![\\p{L}\\p{N}])\\p{Nd}+(?:${SEPARATOR}{1,3}\\p{Nd}+)*(?![\\p{L}\\p{N}])`, 'gu');
const GROUP = /\p{Nd}+/gu;
const UUID = /(?<![0-9a-f])[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?![0-9a-f])/giu;
const DIGIT = /^\p{Nd}$/u;

/** More digits than this on either side of a dot make it a decimal point: no card layout has a longer group. */
const MAX_CARD_GROUP = 6;

/** Whether a string of ASCII digits passes the Luhn (mod 10) check. */
export function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    let digit = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/** Whether a string of ASCII digits ends in a valid GS1 check digit (weights 3, 1, 3... from the right of the payload). */
export function gs1CheckDigitValid(digits: string): boolean {
  if (digits.length < 2) return false;
  let sum = 0;
  for (let i = 1; i < digits.length; i += 1) {
    sum += (digits.charCodeAt(digits.length - 1 - i) - 48) * (i % 2 === 1 ? 3 : 1);
  }
  return (10 - (sum % 10)) % 10 === digits.charCodeAt(digits.length - 1) - 48;
}

const BARCODE_WORD = /^(?:gtin|ean|upc|barcode)(?:\d{0,2}|[a-e])s?$/;

/** Whether a field's name says it holds barcodes: a word of it is `gtin`, `ean`, `upc` or `barcode` (`productGtin`, `ean_13`, `barcodes`). */
export function isBarcodeField(name: string): boolean {
  return name
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .some((word) => BARCODE_WORD.test(word));
}

/**
 * The value of one decimal digit of any script. Unicode encodes every set of decimal digits as ten
 * consecutive code points from 0 to 9, so a digit's value is how many digits precede it in its run, mod 10.
 */
function digitValue(char: string): number {
  const code = char.codePointAt(0)!;
  if (code >= 48 && code <= 57) return code - 48;
  let before = 0;
  while (DIGIT.test(String.fromCodePoint(code - before - 1))) before += 1;
  return before % 10;
}

function asciiDigits(group: string): string {
  let out = '';
  for (const char of group) out += String(digitValue(char));
  return out;
}

function issuedAsCard(digits: string): boolean {
  switch (digits.length) {
    case 13:
      return digits.startsWith('4');
    case 14:
      return /^3(?:0[0-59]|[689])/.test(digits);
    case 15:
      return /^3[47]/.test(digits);
    default:
      return digits.length >= 16 && digits.length <= 19 && digits.charCodeAt(0) >= 50;
  }
}

function isCardNumber(digits: string, asBarcode: boolean): boolean {
  if (!issuedAsCard(digits) || !luhn(digits)) return false;
  return !(asBarcode && (digits.length === 13 || digits.length === 14) && gs1CheckDigitValid(digits));
}

interface Group {
  start: number;
  end: number;
  digits: string;
  /** A fraction after a decimal point: never part of a card. */
  fraction: boolean;
}

/** The digit groups of one candidate, with decimal points told apart from separators. */
function groupsOf(text: string, offset: number): Group[] {
  const groups: Group[] = [];
  for (const match of text.matchAll(GROUP)) {
    const previous = groups.at(-1);
    const digits = asciiDigits(match[0]);
    const separator = previous ? text.slice(previous.end - offset, match.index) : '';
    const decimal = separator === '.' && previous !== undefined && (previous.digits.length > MAX_CARD_GROUP || digits.length > MAX_CARD_GROUP);
    groups.push({ start: offset + match.index, end: offset + match.index + match[0].length, digits, fraction: decimal });
  }
  return groups;
}

/** Whether groups `first` to `last` are laid out as cards are written: one group, 4-4-...-4-(1 to 4), 4-6-5 or 4-6-4. */
function cardLayout(groups: readonly Group[], first: number, last: number): boolean {
  if (first === last) return true;
  const lengths = groups.slice(first, last + 1).map((group) => group.digits.length);
  if (lengths.length === 3 && lengths[0] === 4 && lengths[1] === 6 && (lengths[2] === 5 || lengths[2] === 4)) return true;
  const final = lengths.at(-1)!;
  return lengths.slice(0, -1).every((length) => length === 4) && final >= 1 && final <= 4;
}

/**
 * Every card number in a text under the policy above, as spans that do not overlap (a run of
 * groups several of whose sub-runs read as cards is one span).
 */
export function findPanSpans(text: string, context: PanContext = {}): PanSpan[] {
  if (!/\p{Nd}/u.test(text)) return [];
  const scanned = text.replace(UUID, (uuid) => 'x'.repeat(uuid.length));
  const trimmed = text.trim();
  const spans: PanSpan[] = [];
  for (const match of scanned.matchAll(CANDIDATE)) {
    const groups = groupsOf(match[0], match.index);
    const afterPlus = scanned[match.index - 1] === '+';
    const inCard = new Array<boolean>(groups.length).fill(false);
    for (let first = 0; first < groups.length; first += 1) {
      let digits = '';
      for (let last = first; last < groups.length && digits.length < 19; last += 1) {
        const group = groups[last]!;
        if (group.fraction) break;
        digits += group.digits;
        if (digits.length < 13 || !cardLayout(groups, first, last)) continue;
        // E.164 numbers have at most 15 digits: after `+`, only a longer run can be a card.
        if (afterPlus && first === 0 && digits.length <= 15) continue;
        const alone = last === first && text.slice(group.start, group.end) === trimmed;
        if (isCardNumber(digits, alone || context.barcodeField === true)) inCard.fill(true, first, last + 1);
      }
    }
    for (let i = 0; i < groups.length; i += 1) {
      if (!inCard[i]) continue;
      let j = i;
      while (j + 1 < groups.length && inCard[j + 1]) j += 1;
      spans.push({ start: groups[i]!.start, end: groups[j]!.end });
      i = j;
    }
  }
  return spans;
}

/** Whether the text holds something that reads as a card number under the policy above. */
export function looksLikePan(text: string, context: PanContext = {}): boolean {
  return findPanSpans(text, context).length > 0;
}

/** The text with every card number in it replaced by `REDACTED_PAN`. */
export function redactPans(text: string, context: PanContext = {}): string {
  const spans = findPanSpans(text, context);
  if (spans.length === 0) return text;
  let out = '';
  let at = 0;
  for (const span of spans) {
    out += text.slice(at, span.start) + REDACTED_PAN;
    at = span.end;
  }
  return out + text.slice(at);
}

/** A number's digits as written in JSON: integers in full (a double prints large ones in exponent form). */
function numberText(value: number | bigint): string {
  if (typeof value === 'bigint' || Number.isInteger(value)) return BigInt(value).toString();
  return String(value);
}

type Scalar = string | number | bigint;

/** Where a value sits: its member name or index under its parent, and the nearest member name above it. */
interface Place {
  parent: Place | undefined;
  segment: string;
  /** The field the value belongs to: its own member name, or its array's (array indices skipped). */
  field: string;
}

/** `payment.cards.0.number`: built only for what is reported, since a deep value has long paths. */
function pathOf(place: Place | undefined, show: (segment: string) => string = (segment) => segment): string {
  const segments: string[] = [];
  for (let at = place; at; at = at.parent) segments.push(show(at.segment));
  return segments.reverse().join('.');
}

/**
 * Visits every string, number and member name in a parsed JSON value, without recursion, so a
 * deeply nested value cannot overflow the stack. `visit` returns the replacement for a scalar (or
 * member name) when it changes it; the replacements land in a copy, which is returned (the value
 * itself is never changed).
 */
function walk(value: unknown, visit: (scalar: Scalar, place: Place | undefined, context: PanContext) => Scalar | undefined): unknown {
  interface Frame {
    node: unknown;
    place: Place | undefined;
    set: (copy: unknown) => void;
  }
  let root: unknown;
  const stack: Frame[] = [{ node: value, place: undefined, set: (copy) => (root = copy) }];
  while (stack.length > 0) {
    const { node, place, set } = stack.pop()!;
    if (typeof node === 'string' || typeof node === 'number' || typeof node === 'bigint') {
      set(visit(node, place, { barcodeField: isBarcodeField(place?.field ?? '') }) ?? node);
    } else if (Array.isArray(node)) {
      const items: unknown[] = new Array<unknown>(node.length);
      set(items);
      const field = place?.field ?? '';
      node.forEach((item: unknown, index) =>
        stack.push({ node: item, place: { parent: place, segment: String(index), field }, set: (copy) => (items[index] = copy) }),
      );
    } else if (node !== null && typeof node === 'object') {
      const members: Record<string, unknown> = {};
      set(members);
      for (const [name, member] of Object.entries(node)) {
        const renamed = visit(name, { parent: place, segment: name, field: name }, {});
        let key = renamed === undefined ? name : String(renamed);
        while (renamed !== undefined && (key in members || key in node)) key += '*';
        // Defined, not assigned: JSON.parse makes `__proto__` an own member, and assigning it would set the prototype.
        const own = (copy: unknown) => Object.defineProperty(members, key, { value: copy, writable: true, enumerable: true, configurable: true });
        own(undefined);
        stack.push({ node: member, place: { parent: place, segment: key, field: key }, set: own });
      }
    } else {
      set(node);
    }
  }
  return root;
}

function scalarHasPan(scalar: Scalar, context: PanContext): boolean {
  if (typeof scalar === 'string') return looksLikePan(scalar, context);
  if (typeof scalar === 'number' && !Number.isFinite(scalar)) return false;
  return looksLikePan(numberText(scalar), context);
}

/**
 * The paths (`payment.card.0.number`, dot-separated, array indices as numbers) of every string,
 * number or member name in a parsed JSON value that looks like a card number, in no set order.
 * An empty list means the value is clean; the root itself is reported as `""`. The value is not
 * changed.
 */
export function findPans(value: unknown): string[] {
  const found: string[] = [];
  walk(value, (scalar, place, context) => {
    if (scalarHasPan(scalar, context)) found.push(pathOf(place));
    return undefined;
  });
  return found;
}

/**
 * A copy of a parsed JSON value with every card number redacted: in strings the card's digits
 * become `REDACTED_PAN`, a number that is one becomes the string `REDACTED_PAN`, and so does a
 * member name (with `*` appended when that name is taken). Also returns the paths redacted, with
 * any redacted member name shown as `REDACTED_PAN`, so a caller can log where without what.
 */
export function redactPansDeep<T>(value: T): { value: T; paths: string[] } {
  const paths: string[] = [];
  const redacted = walk(value, (scalar, place, context) => {
    if (!scalarHasPan(scalar, context)) return undefined;
    paths.push(pathOf(place, (segment) => (looksLikePan(segment) ? REDACTED_PAN : segment)));
    return typeof scalar === 'string' ? redactPans(scalar, context) : REDACTED_PAN;
  }) as T;
  return { value: redacted, paths };
}

/**
 * A JSON text with every card number in it redacted (`redactPansDeep`), for payloads we keep
 * rather than refuse (a provider's signed webhook). A text that holds none is returned as it
 * came, byte for byte; one that does is re-serialized.
 * @param text valid JSON (verified by the caller; a parse error here would quote the text)
 */
export function redactPansInJson(text: string): { text: string; paths: string[] } {
  const { value, paths } = redactPansDeep(JSON.parse(text) as unknown);
  return { text: paths.length === 0 ? text : JSON.stringify(value), paths };
}
