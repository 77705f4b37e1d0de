/** OAuth2-style scopes that a route can demand. Roles map onto them in `roles.ts`. */
export const SCOPES = [
  'catalog:write',
  'catalog:import',
  'inventory:write',
  'cart:write',
  'orders:read',
  'orders:write',
  'orders:pick',
  'admin',
] as const;
export type Scope = (typeof SCOPES)[number];
