import { LineNotFoundError, TooManyLinesError } from './errors.js';
import { MAX_LINES, type Cart, type CartLine, type LineQuantity, type Substitution } from './model.js';
import { addQuantities } from './quantities.js';

/**
 * Pure rules for a cart's lines. A line is a SKU with a substitution preference: adding a SKU
 * that is already in the cart with the same preference (and, for `specific`, the same chosen SKU)
 * adds to that line, while the same SKU with another preference is a line of its own (three loose
 * "best-match" bananas and three "none" are two instructions to the picker). Patching a line never
 * merges it, so line ids stay stable.
 */

export interface NewLine {
  sku: string;
  productId: string;
  quantity: LineQuantity;
  substitution: Substitution;
  /** With `specific` only: the SKU the shopper chose as the substitute. */
  substituteSku?: string | undefined;
}

/** A line's preference as it is stored: `substituteSku` only with `specific`. */
export type Preference = Pick<NewLine, 'substitution' | 'substituteSku'>;

/** The preference's fields for a line, with no `substituteSku` key at all unless it is `specific`. */
function preferenceFields(preference: Preference): Pick<CartLine, 'substitution' | 'substituteSku'> {
  return preference.substitution === 'specific' && preference.substituteSku !== undefined
    ? { substitution: 'specific', substituteSku: preference.substituteSku }
    : { substitution: preference.substitution };
}

/** Whether two lines carry the same instruction to the picker. */
function samePreference(line: CartLine, preference: Preference): boolean {
  return line.substitution === preference.substitution && line.substituteSku === preferenceFields(preference).substituteSku;
}

export interface LineChange {
  lines: CartLine[];
  /** The line added or changed. */
  line: CartLine;
  /** True when the quantity went onto an existing line rather than a new one. */
  merged: boolean;
}

/**
 * Adds a line, or adds its quantity to the line with the same SKU and substitution.
 * @throws ValidationError (400) when a merged quantity leaves the line's limits
 * @throws TooManyLinesError (422) when a new line would pass {@link MAX_LINES}
 */
export function addLine(cart: Pick<Cart, 'id' | 'lines'>, added: NewLine, fresh: { lineId: string; at: string }): LineChange {
  const index = cart.lines.findIndex((l) => l.sku === added.sku && samePreference(l, added));
  if (index >= 0) {
    const existing = cart.lines[index]!;
    const line = { ...existing, quantity: addQuantities(existing.quantity, added.quantity) };
    return { lines: cart.lines.map((l, i) => (i === index ? line : l)), line, merged: true };
  }
  if (cart.lines.length >= MAX_LINES) throw new TooManyLinesError(cart.id);
  const line: CartLine = { lineId: fresh.lineId, sku: added.sku, productId: added.productId, quantity: added.quantity, ...preferenceFields(added), addedAt: fresh.at };
  return { lines: [...cart.lines, line], line, merged: false };
}

/**
 * Replaces a line's quantity and/or substitution preference; a new preference replaces the old one whole, so a line
 * that stops being `specific` forgets its chosen SKU.
 * @throws LineNotFoundError (404) when the cart has no such line
 */
export function updateLine(
  cart: Pick<Cart, 'id' | 'lines'>,
  lineId: string,
  patch: { quantity?: LineQuantity | undefined; substitution?: Substitution | undefined; substituteSku?: string | undefined },
): LineChange {
  const { substitution, substituteSku, ...existing } = findLine(cart, lineId);
  const line: CartLine = {
    ...existing,
    ...(patch.quantity ? { quantity: patch.quantity } : {}),
    ...preferenceFields(patch.substitution ? { substitution: patch.substitution, substituteSku: patch.substituteSku } : { substitution, substituteSku }),
  };
  return { lines: cart.lines.map((l) => (l.lineId === lineId ? line : l)), line, merged: false };
}

/**
 * Removes a line.
 * @throws LineNotFoundError (404) when the cart has no such line
 */
export function removeLine(cart: Pick<Cart, 'id' | 'lines'>, lineId: string): LineChange {
  const line = findLine(cart, lineId);
  return { lines: cart.lines.filter((l) => l.lineId !== lineId), line, merged: false };
}

/**
 * One line of a cart.
 * @throws LineNotFoundError (404) when the cart has no such line
 */
export function findLine(cart: Pick<Cart, 'id' | 'lines'>, lineId: string): CartLine {
  const line = cart.lines.find((l) => l.lineId === lineId);
  if (!line) throw new LineNotFoundError(cart.id, lineId);
  return line;
}
