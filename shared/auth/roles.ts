import type { Scope } from './scopes.js';

/**
 * Who may do what. People are shoppers, store staff (picker, store-manager: bound to the stores they work at),
 * head-office staff (head-office, admin: chain-wide) or customer service (customer-service: customers' requests about
 * their personal data, which belong to no store). Integrations hold one narrow role each, so that a catalog feed
 * cannot refund orders and a till cannot create promotions.
 */
export const ROLES = ['shopper', 'picker', 'store-manager', 'head-office', 'customer-service', 'admin', 'catalog-feed', 'stock-feed', 'pos'] as const;
export type Role = (typeof ROLES)[number];

/** What each role may do. A principal's scopes are the union over its roles, and nothing else. */
export const ROLE_SCOPES: Record<Role, readonly Scope[]> = {
  // Only shoppers have an account (`/me`): staff act on a customer's account through their own scopes, never as them.
  shopper: ['cart:write', 'orders:read', 'account:read', 'account:write'],
  picker: ['orders:read', 'orders:pick', 'inventory:read'],
  'store-manager': ['orders:read', 'orders:write', 'orders:pick', 'orders:refund', 'inventory:read', 'inventory:write', 'promotions:write', 'store-reports:read'],
  'head-office': [
    'catalog:write',
    'catalog:import',
    'promotions:write',
    'inventory:read',
    'inventory:write',
    'orders:read',
    'orders:write',
    'orders:refund',
    'reports:read',
    'store-reports:read',
    'audit:read',
  ],
  // The customer-service desk: a customer who calls about their data is answered here, not at a store.
  'customer-service': ['customers:privacy'],
  admin: [
    'catalog:write',
    'catalog:import',
    'promotions:write',
    'inventory:read',
    'inventory:write',
    'cart:write',
    'orders:read',
    'orders:write',
    'orders:pick',
    'orders:refund',
    'reports:read',
    'store-reports:read',
    'audit:read',
    'customers:privacy',
    'webhooks:manage',
    'admin',
  ],
  'catalog-feed': ['catalog:write', 'catalog:import'],
  'stock-feed': ['inventory:read', 'inventory:write'],
  pos: ['orders:write', 'inventory:read'],
};

/** Roles whose holders act at every store: the chain's head office and its administrators. */
export const CHAIN_WIDE_ROLES: readonly Role[] = ['head-office', 'admin'];

/** Roles of people who work for the chain (as opposed to shoppers and integrations). */
export const STAFF_ROLES: readonly Role[] = ['picker', 'store-manager', 'head-office', 'customer-service', 'admin'];

/** The scopes that a set of roles confers, deduplicated and sorted. */
export function scopesForRoles(roles: readonly Role[]): Scope[] {
  return [...new Set(roles.flatMap((r) => ROLE_SCOPES[r]))].sort();
}

/** Keeps only the known roles of an untrusted list (a token claim, a group list). */
export function parseRoles(values: readonly unknown[]): Role[] {
  return values.filter((v): v is Role => typeof v === 'string' && (ROLES as readonly string[]).includes(v));
}
