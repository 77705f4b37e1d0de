import { z } from 'zod';
import { Id, Sku } from '../catalog/model.js';
import { LineQuantity } from '../carts/model.js';

/**
 * A shopper's shopping lists: named, each one item in the shopper's own partition (`keys.shoppingList`) with its
 * lines embedded, replaced whole under its version. Quantities are the cart's (`LineQuantity`, in the SKU's unit), so
 * a list line can go into a cart as it is.
 */

/** Most lines one list holds: a big weekly shop, twice over. */
export const MAX_LIST_LINES = 100;

/** Most lists one shopper keeps; counted by `keys.shoppingListCount` under a condition, never by reading the lists. */
export const MAX_LISTS = 20;

/** A list's name as the shopper typed it, trimmed. */
export const ListName = z.string().trim().min(1, 'must not be empty').max(80, 'must be at most 80 characters');

/** One line of a list: a SKU (with its product, for reading the lines' products in one batch) and how much, in the SKU's unit. */
export const ListLine = z.strictObject({
  lineId: Id,
  sku: Sku,
  productId: Id,
  quantity: LineQuantity,
  addedAt: z.iso.datetime(),
});
export type ListLine = z.infer<typeof ListLine>;

/** A named shopping list, as stored and as answered. */
export const ShoppingList = z.strictObject({
  id: Id,
  name: ListName,
  lines: z.array(ListLine).max(MAX_LIST_LINES),
  /** Every change replaces the list under this version; a PATCH names the version it read. */
  version: z.number().int().positive(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type ShoppingList = z.infer<typeof ShoppingList>;

/** `GET /me/lists`: every list of the caller's (at most {@link MAX_LISTS}, so never paged), most recently changed first. */
export const ShoppingListPage = z.strictObject({ items: z.array(ShoppingList).max(MAX_LISTS) });
export type ShoppingListPage = z.infer<typeof ShoppingListPage>;
