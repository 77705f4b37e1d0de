/**
 * Spots card numbers (PANs) in request bodies so they can be refused before anything logs or
 * stores them; card data reaches us only as Stripe payment method ids.
 *
 * Policy, chosen so grocery data does not trip it (see docs/payments.md):
 * - a candidate is a run of digits, optionally grouped by single spaces or dashes, not glued to
 *   letters or digits (so ULIDs and other identifiers are not read as numbers) and not preceded
 *   by `+` (an international phone number);
 * - any contiguous run of its groups counts, so "4242 4242 4242 4242 12/34" is still caught;
 * - 16 to 19 digits passing Luhn are a PAN; 15 digits only with an American Express prefix
 *   (34, 37), since 15-digit phone numbers exist;
 * - 13 and 14 digits are never flagged: every GTIN-13/14 barcode is that long and one in ten
 *   passes Luhn by chance, while 13-digit Visa and 14-digit Diners cards are no longer issued.
 */

const CANDIDATE = /(?<![\p{L}\p{N}+])\d+(?:[ -]\d+)*(?![\p{L}\p{N}])/gu;

/** Whether a string of digits passes the Luhn (mod 10) check. */
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

function isPan(digits: string): boolean {
  if (digits.length >= 16 && digits.length <= 19) return luhn(digits);
  if (digits.length === 15) return /^3[47]/.test(digits) && luhn(digits);
  return false;
}

/** Whether the text holds something that reads as a card number under the policy above. */
export function looksLikePan(text: string): boolean {
  for (const match of text.matchAll(CANDIDATE)) {
    const groups = match[0].split(/[ -]/);
    for (let start = 0; start < groups.length; start += 1) {
      let digits = '';
      for (let end = start; end < groups.length && digits.length < 19; end += 1) {
        digits += groups[end];
        if (isPan(digits)) return true;
      }
    }
  }
  return false;
}

/**
 * The paths (`payment.card.0.number`, dot-separated, array indices as numbers) of every string,
 * integer or member name in a parsed JSON value that looks like a card number. An empty list
 * means the value is clean; the root itself is reported as `""`.
 */
export function findPans(value: unknown): string[] {
  const found: string[] = [];
  const visit = (node: unknown, path: string[]): void => {
    if (typeof node === 'string') {
      if (looksLikePan(node)) found.push(path.join('.'));
    } else if (typeof node === 'number' || typeof node === 'bigint') {
      if (Number.isInteger(Number(node)) && looksLikePan(BigInt(node).toString())) found.push(path.join('.'));
    } else if (Array.isArray(node)) {
      node.forEach((item, index) => visit(item, [...path, String(index)]));
    } else if (node !== null && typeof node === 'object') {
      for (const [name, member] of Object.entries(node)) {
        const memberPath = [...path, name];
        if (looksLikePan(name)) found.push(memberPath.join('.'));
        visit(member, memberPath);
      }
    }
  };
  visit(value, []);
  return found;
}
