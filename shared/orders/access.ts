import { auditActor, type AuditedBy } from '../audit/audit-entry.js';
import { actsAtStore, type Principal } from '../auth/principal.js';
import type { Scope } from '../auth/scopes.js';
import type { TableDeps } from '../db/deps.js';
import { NotFoundError } from '../errors.js';
import type { Order } from './model.js';
import { requireOrder } from './repository.js';

/**
 * How a caller reaches orders: a shopper reaches their own; staff (and tills) reach the orders of the stores they
 * act at. Anything else is a 404, exactly like an order that does not exist, so an id never tells whether it is real.
 */
export type OrderAccess = { kind: 'shopper'; subject: string } | { kind: 'staff'; subject: string; stores: readonly string[] };

/** Scopes that only the chain's staff and integrations hold: a principal with one of them reads orders as staff. */
const STAFF_ORDER_SCOPES: readonly Scope[] = ['orders:write', 'orders:pick', 'orders:refund', 'admin'];

/** The way a principal reaches orders, from its scopes (which come from its roles alone) and its stores. */
export function orderAccessOf(principal: Principal): OrderAccess {
  return principal.scopes.some((scope) => STAFF_ORDER_SCOPES.includes(scope))
    ? { kind: 'staff', subject: principal.subject, stores: principal.stores }
    : { kind: 'shopper', subject: principal.subject };
}

/** Whether the caller may see and act on this order at all. */
export function reaches(access: OrderAccess, order: Pick<Order, 'shopperId' | 'storeId'>): boolean {
  return access.kind === 'shopper' ? order.shopperId === access.subject : actsAtStore(access, order.storeId);
}

/**
 * The order, if the caller reaches it.
 * @throws NotFoundError (404) when there is none, or when the caller does not reach it (indistinguishable on purpose)
 */
export async function requireOrderFor(deps: TableDeps, orderId: string, access: OrderAccess): Promise<Order> {
  const order = await requireOrder(deps, orderId);
  if (!reaches(access, order)) throw new NotFoundError('Order', orderId);
  return order;
}

/**
 * Who acts on an order in a request: the principal's subject for the history, its kind for the audit (a person or an
 * API key's integration), its access, the request's correlation id.
 */
export function orderActorOf(principal: Principal, correlationId: string | undefined): AuditedBy & { actor: string; correlationId: string | undefined; access: OrderAccess } {
  return { ...auditActor(principal, correlationId), correlationId, access: orderAccessOf(principal) };
}
