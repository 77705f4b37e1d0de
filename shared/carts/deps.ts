import type { Principal } from '../auth/principal.js';
import { tableDeps, type TableDeps } from '../db/deps.js';

/** The cart use-cases' dependencies: the table, a clock and ids (see `TableDeps`). */
export type CartDeps = TableDeps;

/** The production dependencies, with any of them replaced. */
export const cartDeps = tableDeps;

/** Who is acting on a cart: the principal's subject, whether they are staff with `admin`, and the request's correlation id. */
export interface CartActor {
  subject: string;
  admin?: boolean;
  correlationId?: string | undefined;
}

/** The actor of a request: its principal and the correlation id its headers carry. */
export function cartActor(principal: Principal, headers: Record<string, string>): CartActor {
  return { subject: principal.subject, admin: principal.scopes.includes('admin'), correlationId: headers['x-correlation-id'] };
}
