import { z } from 'zod';
import { requireActsAtStore, type Principal } from '../auth/principal.js';
import { tableDeps, type TableDeps } from '../db/deps.js';
import { ValidationError } from '../errors.js';
import { orderAccessOf, requireOrderFor, type OrderAccess } from './access.js';
import { handoverCode, handoverKey } from './handover-codes.js';
import { OrderStatus, type Order } from './model.js';
import { listOrdersByShopper, listOrdersByStoreDay } from './repository.js';
import { orderView, OrderView } from './views.js';

/** `GET /orders/{id}` path parameters. */
export const OrderIdParams = z.strictObject({ id: z.string().min(1).max(64) });

/**
 * `GET /orders` query. `store`, `date` and `status` are staff filters: staff must give `store` and `date` together,
 * a shopper may give none of them (their own orders are one listing, newest first).
 */
export const ListOrdersQuery = z.strictObject({
  store: z.string().min(1).max(64).optional(),
  /** A UTC day, `YYYY-MM-DD`, of the orders' creation. */
  date: z.iso.date().optional(),
  status: OrderStatus.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().optional(),
});
export type ListOrdersQuery = z.output<typeof ListOrdersQuery>;

/** One page of orders. */
export const OrderPage = z.strictObject({
  items: z.array(OrderView),
  /** Pass back as `cursor` for the next page; null on the last one. */
  nextCursor: z.string().nullable(),
});
export type OrderPage = z.infer<typeof OrderPage>;

/**
 * One order as its reader may see it (see `orderView`); its shopper also sees the handover code while it waits at the
 * desk, derived with the codes' key (`codeKey`), which is read only then.
 * @throws NotFoundError (404) when there is none, or when it is another shopper's or another store's (indistinguishable on purpose)
 */
export async function getOrderFor(principal: Principal, orderId: string, deps: TableDeps = tableDeps(), codeKey: () => Promise<string> = () => handoverKey()): Promise<OrderView> {
  const access = orderAccessOf(principal);
  const order = await requireOrderFor(deps, orderId, access);
  const collection = order.collection;
  const waiting = access.kind === 'shopper' && collection?.status === 'ready' && collection.lockedAt === undefined;
  return orderView(order, access, waiting ? { handoverCode: handoverCode(await codeKey(), order.id, collection.codeSalt) } : {});
}

/**
 * A page of orders: a shopper's own, newest first; for staff, one of their stores' orders of one UTC day, optionally of one status.
 * @throws ValidationError (400) when staff leave out `store` or `date`, when a shopper passes a staff filter, or for a
 * cursor that this listing did not hand out
 * @throws AppError `forbidden` (403) when staff ask for a store they do not work at
 */
export async function listOrdersFor(principal: Principal, query: ListOrdersQuery, deps: TableDeps = tableDeps()): Promise<OrderPage> {
  const { store, date, status, limit, cursor } = query;
  const page = { limit, ...(cursor === undefined ? {} : { cursor }) };
  const filters = (['store', 'date', 'status'] as const).filter((name) => query[name] !== undefined);
  const access = orderAccessOf(principal);
  if (access.kind === 'shopper') {
    if (filters.length > 0) {
      throw new ValidationError(
        filters.map((field) => ({ field: `query.${field}`, message: 'is a staff filter; a shopper lists their own orders without filters' })),
        `Shoppers list their own orders; ${filters.join(', ')} ${filters.length === 1 ? 'is a staff filter' : 'are staff filters'}.`,
      );
    }
    return pageView(await listOrdersByShopper(deps, principal.subject, page), access);
  }
  if (store === undefined || date === undefined) {
    const missing = store === undefined ? (date === undefined ? ['store', 'date'] : ['store']) : ['date'];
    throw new ValidationError(
      missing.map((field) => ({ field: `query.${field}`, message: 'is required for staff, together with ' + (field === 'store' ? 'date' : 'store') })),
      `Staff list one store's orders of one day: ${missing.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} required.`,
    );
  }
  requireActsAtStore(access, store);
  return pageView(await listOrdersByStoreDay(deps, { storeId: store, day: date, ...(status === undefined ? {} : { status }) }, page), access);
}

function pageView(page: { orders: Order[]; nextCursor?: string }, reader: OrderAccess): OrderPage {
  return { items: page.orders.map((order) => orderView(order, reader)), nextCursor: page.nextCursor ?? null };
}
