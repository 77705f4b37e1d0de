import { addQuantities } from '../carts/quantities.js';
import type { LineQuantity } from '../carts/model.js';
import { ValidationError, type FieldError } from '../errors.js';
import { TooManyListLinesError } from './errors.js';
import { MAX_LIST_LINES, type ListLine, type ShoppingList } from './model.js';

/**
 * Pure rules for a list's lines, as the cart's (`carts/lines.ts`): one line per SKU, so adding a SKU already on the
 * list adds to its line (with the cart's quantity limits), and a line keeps its id until it is removed.
 */

/** A line to add, its SKU found in the catalog and its quantity resolved for how the SKU is sold. */
export interface ResolvedAdd {
  sku: string;
  productId: string;
  quantity: LineQuantity;
  /** Where it sits in the request, for errors (`body.add.0.quantity`). */
  field: string;
}

/** What a quantity is counted in: millilitres, grams (weighed goods, counted or not), or items. */
function unitOf(quantity: LineQuantity): 'millilitres' | 'grams' | 'count' {
  return 'millilitres' in quantity ? 'millilitres' : 'grams' in quantity ? 'grams' : 'count';
}

/** A patch of a list's lines, each part resolved: removed line ids, new quantities, lines to add. */
export interface LinesPatch {
  remove?: readonly string[] | undefined;
  set?: readonly { lineId: string; quantity: LineQuantity }[] | undefined;
  add?: readonly ResolvedAdd[] | undefined;
}

/**
 * Lines that a patch names but the list does not have, each with where it sits in the request.
 */
export function unknownLines(list: Pick<ShoppingList, 'lines'>, patch: { remove?: readonly string[] | undefined; set?: readonly { lineId: string }[] | undefined }): FieldError[] {
  const ids = new Set(list.lines.map((l) => l.lineId));
  return [
    ...(patch.remove ?? []).flatMap((lineId, i) => (ids.has(lineId) ? [] : [{ field: `body.remove.${i}`, message: `the list has no line ${lineId}` }])),
    ...(patch.set ?? []).flatMap(({ lineId }, i) => (ids.has(lineId) ? [] : [{ field: `body.set.${i}.lineId`, message: `the list has no line ${lineId}` }])),
  ];
}

/**
 * The list's lines after a patch: removals first, then new quantities, then additions (merged onto the line of the same
 * SKU, or a new line with a fresh id).
 * @throws ValidationError (400) naming each line the list does not have, or a merged quantity past the line's limits
 * @throws TooManyListLinesError (422) past {@link MAX_LIST_LINES}
 */
export function patchLines(list: Pick<ShoppingList, 'id' | 'lines'>, patch: LinesPatch, fresh: { newId: () => string; at: string }): ListLine[] {
  const unknown = unknownLines(list, patch);
  if (unknown.length > 0) throw new ValidationError(unknown, 'Some of the lines the change names are not on the list.');
  const removed = new Set(patch.remove ?? []);
  const quantities = new Map((patch.set ?? []).map((s) => [s.lineId, s.quantity]));
  let lines = list.lines.filter((l) => !removed.has(l.lineId)).map((l) => (quantities.has(l.lineId) ? { ...l, quantity: quantities.get(l.lineId)! } : l));
  for (const added of patch.add ?? []) {
    const index = lines.findIndex((l) => l.sku === added.sku);
    if (index >= 0) {
      const existing = lines[index]!.quantity;
      // A SKU whose way of selling changed since it was listed: the new quantity replaces one of another kind.
      const quantity = unitOf(existing) === unitOf(added.quantity) ? addQuantities(existing, added.quantity, added.field) : added.quantity;
      const merged = { ...lines[index]!, quantity };
      lines = lines.map((l, i) => (i === index ? merged : l));
    } else {
      lines = [...lines, { lineId: fresh.newId(), sku: added.sku, productId: added.productId, quantity: added.quantity, addedAt: fresh.at }];
    }
  }
  if (lines.length > MAX_LIST_LINES) throw new TooManyListLinesError(list.id, lines.length);
  return lines;
}
