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
  /** Chain-wide financial reports: the payment reconciliation (`GET /reports/reconciliation`), which spans every store. */
  'reports:read',
  /**
   * A store's sales, refunds and tax reports (`GET /reports/{sales,refunds,tax}`), only of the stores the caller acts
   * at: store managers of their own stores, chain-wide staff of any. Apart from `reports:read` so that a store manager
   * reads their stores' figures without the chain's reconciliation.
   */
  'store-reports:read',
  /** Read the audit trail (`GET /audit`): chain-wide staff only, since entries of prices, tax, keys and roles belong to no store. */
  'audit:read',
  /** Export and erase a customer's personal data on their request (customer service); every use audited. */
  'customers:privacy',
  /**
   * Manage integrators' webhook endpoints (`/webhook-endpoints`): register them, see a signing secret once, rotate it,
   * read the delivery log and replay. Chain-wide, and admins only: an endpoint receives the whole chain's events.
   */
  'webhooks:manage',
  'admin',
] as const;
export type Scope = (typeof SCOPES)[number];
