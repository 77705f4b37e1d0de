import type { Scope } from './scopes.js';

export const ROLES = ['shopper', 'picker', 'store-manager', 'admin', 'integration'] as const;
export type Role = (typeof ROLES)[number];

/** What each role may do. A principal's scopes are the union over its roles plus any granted directly. */
export const ROLE_SCOPES: Record<Role, readonly Scope[]> = {
  shopper: ['cart:write', 'orders:read'],
  picker: ['orders:read', 'orders:pick'],
  'store-manager': ['catalog:write', 'catalog:import', 'inventory:write', 'orders:read', 'orders:write', 'orders:pick'],
  admin: ['catalog:write', 'catalog:import', 'inventory:write', 'cart:write', 'orders:read', 'orders:write', 'orders:pick', 'admin'],
  integration: ['catalog:write', 'catalog:import', 'inventory:write', 'orders:write'],
};

/** The scopes that a set of roles confers, deduplicated and sorted. */
export function scopesForRoles(roles: readonly Role[]): Scope[] {
  return [...new Set(roles.flatMap((r) => ROLE_SCOPES[r]))].sort();
}

/** Keeps only the known roles of an untrusted list (a token claim, a group list). */
export function parseRoles(values: readonly unknown[]): Role[] {
  return values.filter((v): v is Role => typeof v === 'string' && (ROLES as readonly string[]).includes(v));
}
