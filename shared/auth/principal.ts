import { AppError } from '../errors.js';
import { SCOPES, type Scope } from './scopes.js';
import { CHAIN_WIDE_ROLES, parseRoles, type Role } from './roles.js';

/** In a principal's `stores`: every store of the chain. Only chain-wide roles and API clients registered so have it. */
export const ALL_STORES = '*';

/** Who is calling, as established by the authorizer. */
export interface Principal {
  subject: string;
  kind: 'user' | 'integration';
  roles: Role[];
  scopes: Scope[];
  /** The stores this principal acts at: store ids, or `ALL_STORES`. Empty for shoppers and chain-level feeds. */
  stores: string[];
  /** The sign-in email the token carried, for the profile made on first use; personal data, never logged. */
  email?: string;
}

/** Store ids as the stores model spells them; anything else in a claim or record is dropped. */
const STORE_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/**
 * The stores a principal acts at, from its roles and the stores its identity names: a chain-wide role acts at every
 * store whatever else is said; otherwise only the well-formed ids named, and `ALL_STORES` only where `allowAll` says
 * the source may grant it (an API client record, never a person's token).
 */
export function storesFor(roles: readonly Role[], named: readonly unknown[], options: { allowAll: boolean }): string[] {
  if (roles.some((r) => CHAIN_WIDE_ROLES.includes(r))) return [ALL_STORES];
  if (options.allowAll && named.includes(ALL_STORES)) return [ALL_STORES];
  return [...new Set(named.filter((s): s is string => typeof s === 'string' && s.length <= 40 && STORE_ID.test(s)))].sort();
}

/** Whether the principal may act at a store: chain-wide, or one of its own. */
export function actsAtStore(principal: { readonly stores: readonly string[] }, storeId: string): boolean {
  return principal.stores.includes(ALL_STORES) || principal.stores.includes(storeId);
}

/**
 * For acts that name a store (list its orders, adjust its stock, sell at it): the caller must work there.
 * @throws AppError `forbidden` (403) `store-forbidden` otherwise; reading one object of another store is a 404 instead
 */
export function requireActsAtStore(principal: { readonly stores: readonly string[] }, storeId: string): void {
  if (!actsAtStore(principal, storeId)) {
    throw new AppError('forbidden', 'store-forbidden', `You do not work at store ${storeId}.`, { extensions: { storeId } });
  }
}

/**
 * API Gateway passes authorizer context as flat strings, so a principal travels as one.
 * The authorizer writes it with `principalToContext`, the HTTP layer reads it with `principalFromContext`.
 */
export function principalToContext(p: Principal): Record<string, string> {
  const context = { subject: p.subject, kind: p.kind, roles: p.roles.join(' '), scopes: p.scopes.join(' '), stores: p.stores.join(' ') };
  return p.email ? { ...context, email: p.email } : context;
}

/** Reads a principal back from authorizer context; `undefined` when there is none. */
export function principalFromContext(ctx: Record<string, unknown> | null | undefined): Principal | undefined {
  if (!ctx || typeof ctx.subject !== 'string' || ctx.subject === '') return undefined;
  const words = (v: unknown) => (typeof v === 'string' && v !== '' ? v.split(' ') : []);
  return {
    subject: ctx.subject,
    kind: ctx.kind === 'integration' ? 'integration' : 'user',
    roles: parseRoles(words(ctx.roles)),
    scopes: words(ctx.scopes).filter((s): s is Scope => (SCOPES as readonly string[]).includes(s)),
    stores: words(ctx.stores),
    ...(typeof ctx.email === 'string' && ctx.email !== '' ? { email: ctx.email } : {}),
  };
}
