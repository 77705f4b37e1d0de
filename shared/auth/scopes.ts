/**
 * OAuth2-style scopes that a route can demand. Roles map onto them in `roles.ts`; a principal never holds a scope
 * its roles do not confer.
 */
export const SCOPES = [
  'catalog:write',
  'catalog:import',
  'promotions:write',
  'inventory:read',
  'inventory:write',
  'cart:write',
  'account:read',
  'account:write',
  'orders:read',
  'orders:write',
  'orders:pick',
  'orders:refund',
  'reports:read',
  /** Read the audit trail (`GET /audit`): chain-wide staff only, since entries of prices, tax, keys and roles belong to no store. */
  'audit:read',
  /** Export and erase a customer's personal data on their request (customer service); every use audited. */
  'customers:privacy',
  'admin',
] as const;
export type Scope = (typeof SCOPES)[number];
