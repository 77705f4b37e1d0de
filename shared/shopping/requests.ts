import { z } from 'zod';
import { Id, Sku } from '../catalog/model.js';
import { QuantityRequest } from '../carts/requests.js';
import { OrderIdParams } from '../orders/queries.js';
import { ListName, MAX_LIST_LINES } from './model.js';

/**
 * Request shapes of the shopping slice, all strict: an unknown field is a 400 naming it. Whether a SKU exists and a
 * quantity fits how it is sold needs the catalog, and is checked by the use-cases with the cart's own rules.
 */

/** A SKU and how much of it, as the cart takes it (`count`, `grams` or `millilitres`). */
export const ListLineRequest = z.strictObject({ sku: Sku, quantity: QuantityRequest });

/** `POST /me/lists`: a name and any first lines. */
export const CreateListRequest = z.strictObject({
  name: ListName,
  lines: z.array(ListLineRequest).max(MAX_LIST_LINES, `must have at most ${MAX_LIST_LINES} lines`).default([]),
});
export type CreateListInput = z.infer<typeof CreateListRequest>;

/** `PATCH /me/lists/{id}`: the version read and at least one change. */
export const UpdateListRequest = z
  .strictObject({
    /** The version the change was computed from (`version` of the list as read): a stale one is a 409. */
    version: z.number().int().positive(),
    name: ListName.optional(),
    /** SKUs to add; a SKU already on the list adds to its line. */
    add: z.array(ListLineRequest).max(MAX_LIST_LINES).optional(),
    /** New quantities of existing lines. */
    set: z.array(z.strictObject({ lineId: Id, quantity: QuantityRequest })).max(MAX_LIST_LINES).optional(),
    /** Lines to take off. */
    remove: z.array(Id).max(MAX_LIST_LINES).optional(),
  })
  .refine((patch) => patch.name !== undefined || patch.add !== undefined || patch.set !== undefined || patch.remove !== undefined, {
    message: 'must change name, add, set or remove',
  });
export type UpdateListInput = z.infer<typeof UpdateListRequest>;

/** `/me/lists/{id}` path parameters. */
export const ListIdParams = z.strictObject({ id: Id });

/** `POST /carts/{id}/reorder`: one of the caller's past orders. */
export const ReorderRequest = z.strictObject({ orderId: OrderIdParams.shape.id });
export type ReorderInput = z.infer<typeof ReorderRequest>;

/** `GET /me/buy-again`: how many items to answer with (capped, never paged). */
export const BuyAgainQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(50).default(20) });
export type BuyAgainQuery = z.output<typeof BuyAgainQuery>;
