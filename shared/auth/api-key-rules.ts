import { AppError } from '../errors.js';
import { ALL_STORES } from './principal.js';
import { CHAIN_WIDE_ROLES, scopesForRoles, type Role } from './roles.js';
import type { Scope } from './scopes.js';

/** Roles bound to the stores they work at: an API key holding one names its stores (a till: its own). */
export const STORE_BOUND_ROLES: readonly Role[] = ['picker', 'store-manager', 'pos', 'stock-feed'];

/** Shortest, default and longest overlap of a rotated key with its successor, in hours. */
export const OVERLAP_HOURS = { min: 1, default: 24, max: 168 } as const;

/** What an API key may hold, as asked for by an admin. */
export interface KeyGrant {
  roles: readonly Role[];
  /** Narrows what the roles confer; absent, the key holds every scope of its roles. */
  scopes?: readonly Scope[] | undefined;
  stores?: readonly string[] | undefined;
}

/**
 * Checks a key's grant: no shopper (shoppers have accounts, keys do not), scopes only ones its roles confer (a scope
 * narrows, never widens), stores named exactly when a store-bound role without a chain-wide one needs them.
 * @throws AppError `invalid` naming the field and the value that is wrong
 */
export function checkKeyGrant(grant: KeyGrant): void {
  if (grant.roles.includes('shopper')) {
    throw new AppError('invalid', 'api-key-role-refused', 'An API key cannot hold the shopper role: shoppers sign in.', { extensions: { field: 'roles' } });
  }
  const conferred = scopesForRoles(grant.roles);
  const beyond = (grant.scopes ?? []).filter((s) => !conferred.includes(s));
  if (beyond.length > 0) {
    throw new AppError('invalid', 'scope-beyond-roles', `Scopes can only narrow what the roles confer; not conferred by ${grant.roles.join(', ')}: ${beyond.join(', ')}.`, {
      extensions: { field: 'scopes', scopes: beyond },
    });
  }
  const stores = grant.stores ?? [];
  const chainWide = grant.roles.some((r) => CHAIN_WIDE_ROLES.includes(r));
  const storeBound = !chainWide && grant.roles.some((r) => STORE_BOUND_ROLES.includes(r));
  if (storeBound && stores.length === 0) {
    throw new AppError('invalid', 'stores-required', `The roles ${grant.roles.join(', ')} act at stores: name them in stores (or "${ALL_STORES}" for every store).`, {
      extensions: { field: 'stores' },
    });
  }
  if (!storeBound && stores.length > 0) {
    throw new AppError('invalid', 'stores-not-applicable', `Stores apply only to store-bound roles (${STORE_BOUND_ROLES.join(', ')}) without a chain-wide one.`, {
      extensions: { field: 'stores' },
    });
  }
}

/** The scopes a key holds: its roles' scopes, narrowed to those it names when it names any. */
export function keyScopes(roles: readonly Role[], named: readonly Scope[] | undefined): Scope[] {
  const conferred = scopesForRoles(roles);
  return named === undefined || named.length === 0 ? conferred : conferred.filter((s) => named.includes(s));
}

/** When a rotated key stops working: `overlapHours` after the rotation, to the second. */
export function overlapEnd(rotatedAt: Date, overlapHours: number): Date {
  if (!Number.isInteger(overlapHours) || overlapHours < OVERLAP_HOURS.min || overlapHours > OVERLAP_HOURS.max) {
    throw new RangeError(`overlapHours must be an integer from ${OVERLAP_HOURS.min} to ${OVERLAP_HOURS.max}`);
  }
  return new Date(Math.floor(rotatedAt.getTime() / 1000) * 1000 + overlapHours * 3_600_000);
}

/**
 * Whether a key with an end (epoch seconds, also the item's TTL) still works at `now`. DynamoDB's TTL removes an
 * expired item only eventually (often within days), so the authorizer checks the end itself and TTL only tidies.
 */
export function stillWorks(expiresAtSeconds: number | undefined, now: Date): boolean {
  return expiresAtSeconds === undefined || now.getTime() < expiresAtSeconds * 1000;
}

/** The last four characters of a key: enough for a person to tell keys apart, far too few to guess one. */
export function lastFour(apiKey: string): string {
  return apiKey.slice(-4);
}
