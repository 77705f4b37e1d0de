import { sellableVariant } from '../carts/catalog-lookup.js';
import { resolveQuantity } from '../carts/quantities.js';
import type { QuantityRequest } from '../carts/requests.js';
import { tableDeps, type TableDeps } from '../db/deps.js';
import { ValidationError } from '../errors.js';
import { ListNotFoundError, ListVersionMismatchError } from './errors.js';
import { patchLines, unknownLines, type ResolvedAdd } from './list-lines.js';
import { deleteListRecord, getListRecord, putNewList, queryLists, replaceList } from './list-repository.js';
import type { ShoppingList, ShoppingListPage } from './model.js';
import type { CreateListInput, UpdateListInput } from './requests.js';

/**
 * The shopper's shopping lists (`/me/lists`). The shopper is always the caller (the principal's subject): every read
 * and write names their own partition, so another shopper's list is a 404 without ever being read.
 */

/**
 * Finds each SKU in the catalog and resolves its quantity for how it is sold, with the cart's own rules, reporting
 * every SKU and quantity that is wrong at once rather than the first.
 * @throws ValidationError (400) naming each unknown SKU (`body.<at>.<i>.sku`) and each quantity that does not fit
 * @throws ProductArchivedError (409) for a product no longer sold
 */
async function resolveAdds(
  deps: TableDeps,
  lines: readonly { sku: string; quantity: QuantityRequest }[],
  at: string,
  skuField = (i: number) => `body.${at}.${i}.sku`,
): Promise<ResolvedAdd[]> {
  const settled = await Promise.allSettled(
    lines.map(async (line, i) => {
      const { product, variant } = await sellableVariant(deps, line.sku, skuField(i));
      const field = `body.${at}.${i}.quantity`;
      return { sku: variant.sku, productId: product.id, quantity: resolveQuantity(variant, line.quantity, field), field };
    }),
  );
  const failures = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []));
  const invalid = failures.filter((f): f is ValidationError => f instanceof ValidationError);
  if (failures.length > invalid.length) throw failures.find((f) => !(f instanceof ValidationError));
  if (invalid.length > 0) throw new ValidationError(invalid.flatMap((e) => e.fields ?? []), 'Some lines name a SKU no product has, or a quantity that does not fit how it is sold.');
  return settled.map((s) => (s as PromiseFulfilledResult<ResolvedAdd>).value);
}

/**
 * Makes a named list for the shopper, with any first lines (a SKU given twice is one line).
 * @throws ValidationError (400) for unknown SKUs or quantities that do not fit
 * @throws ProductArchivedError (409) for a product no longer sold
 * @throws TooManyListsError (422) when the shopper already keeps 20 lists
 */
export async function createList(shopperId: string, input: CreateListInput, deps: TableDeps = tableDeps()): Promise<ShoppingList> {
  const at = deps.now().toISOString();
  const id = deps.newId();
  const adds = await resolveAdds(deps, input.lines, 'lines');
  const list: ShoppingList = { id, name: input.name, lines: patchLines({ id, lines: [] }, { add: adds }, { newId: deps.newId, at }), version: 1, createdAt: at, updatedAt: at };
  await putNewList(deps, shopperId, list);
  return list;
}

/**
 * One of the shopper's lists.
 * @throws ListNotFoundError (404) when they have none with that id
 */
export async function getList(shopperId: string, listId: string, deps: TableDeps = tableDeps()): Promise<ShoppingList> {
  const list = await getListRecord(deps, shopperId, listId);
  if (!list) throw new ListNotFoundError(listId);
  return list;
}

/** Every list of the shopper's, most recently changed first. */
export async function listLists(shopperId: string, deps: TableDeps = tableDeps()): Promise<ShoppingListPage> {
  const lists = await queryLists(deps, shopperId);
  return { items: lists.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt) || b.id.localeCompare(a.id)) };
}

/**
 * Renames a list and/or changes its lines (remove, then set quantities, then add), under the version the shopper read.
 * @throws ListNotFoundError (404)
 * @throws ListVersionMismatchError (409) when the list is no longer at `input.version`
 * @throws ValidationError (400) for unknown SKUs or lines, or quantities that do not fit
 * @throws ProductArchivedError (409) when a product to add, or whose line gets a new quantity, is no longer sold
 * @throws TooManyListLinesError (422) past 100 lines
 */
export async function updateList(shopperId: string, listId: string, input: UpdateListInput, deps: TableDeps = tableDeps()): Promise<ShoppingList> {
  const list = await getList(shopperId, listId, deps);
  if (list.version !== input.version) throw new ListVersionMismatchError(listId, list.version, input.version);
  const unknown = unknownLines(list, input);
  if (unknown.length > 0) throw new ValidationError(unknown, 'Some of the lines the change names are not on the list.');
  const lineSkus = new Map(list.lines.map((l) => [l.lineId, l.sku]));
  const setLines = input.set ?? [];
  const [adds, sets] = await Promise.all([
    resolveAdds(deps, input.add ?? [], 'add'),
    // A new quantity is resolved for the line's own SKU.
    resolveAdds(deps, setLines.map((s) => ({ sku: lineSkus.get(s.lineId)!, quantity: s.quantity })), 'set', (i) => `body.set.${i}.lineId`),
  ]);
  const at = deps.now().toISOString();
  const set = setLines.map((s, i) => ({ lineId: s.lineId, quantity: sets[i]!.quantity }));
  const lines = patchLines(list, { remove: input.remove, set, add: adds }, { newId: deps.newId, at });
  const next: ShoppingList = { ...list, ...(input.name === undefined ? {} : { name: input.name }), lines, version: list.version + 1, updatedAt: at };
  await replaceList(deps, shopperId, next, list.version);
  return next;
}

/**
 * Deletes one of the shopper's lists.
 * @throws ListNotFoundError (404)
 */
export async function deleteList(shopperId: string, listId: string, deps: TableDeps = tableDeps()): Promise<void> {
  await deleteListRecord(deps, shopperId, listId);
}
