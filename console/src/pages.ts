/**
 * The console's pages: the route (`#/<route>`), the module under `pages/` that draws it (its default export takes
 * `PageProps`), the name its `<h1>` and the navigation show, and the scope it needs. Adding a page is one entry here
 * and one file `pages/<module>.tsx`: the build finds every file there and gives each its own chunk.
 */
export interface PageEntry {
  route: string;
  module: string;
  title: string;
  scope: string;
  /** Other scopes that also show the page (a store manager's `store-reports:read` for their own stores' reports). */
  alsoScopes?: string[];
  /** A page for a route with segments (`#/orders/<id>`), when it differs from the list's module. */
  detailModule?: string;
}

export const PAGES: readonly PageEntry[] = [
  { route: 'orders', module: 'orders', detailModule: 'order-detail', title: 'Orders', scope: 'orders:read' },
  { route: 'stock', module: 'stock', title: 'Stock', scope: 'inventory:read' },
  { route: 'catalog', module: 'catalog', title: 'Catalog', scope: 'catalog:write' },
  { route: 'promotions', module: 'promotions', title: 'Promotions', scope: 'promotions:write' },
  { route: 'tax', module: 'tax', title: 'Tax rates', scope: 'admin' },
  { route: 'reports', module: 'reports', title: 'Reports', scope: 'reports:read', alsoScopes: ['store-reports:read'] },
  { route: 'audit', module: 'audit', title: 'Audit trail', scope: 'audit:read' },
  { route: 'operations', module: 'operations', title: 'Operations', scope: 'admin' },
  { route: 'staff', module: 'staff', title: 'Staff', scope: 'admin' },
  { route: 'api-keys', module: 'api-keys', title: 'API keys', scope: 'admin' },
];

/** True when `scopes` show `page`. */
export function allows(scopes: readonly string[], page: PageEntry): boolean {
  return scopes.includes(page.scope) || (page.alsoScopes ?? []).some((scope) => scopes.includes(scope));
}

/** The pages a session's scopes allow, in navigation order. */
export function allowedPages(scopes: readonly string[]): PageEntry[] {
  return PAGES.filter((page) => allows(scopes, page));
}
