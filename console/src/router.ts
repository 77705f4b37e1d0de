import { useEffect, useState } from 'preact/hooks';
import type { SessionView } from './session.js';

/** Where the hash points: `#/orders/o_123` is `{ page: 'orders', params: ['o_123'] }`. */
export interface Route {
  page: string;
  params: string[];
}

/** What the shell gives every page component (the default export of `pages/<module>.tsx`). */
export interface PageProps {
  session: SessionView;
  /** The store picked in the header (undefined while none is chosen). */
  store: string | undefined;
  /** The route's segments after the page's own, decoded: `#/catalog/products/p1` gives `['products', 'p1']`. */
  params: string[];
}

/** Parses a location hash (`#/orders/o_1?x` style; the query part, if any, is ignored). */
export function parseHash(hash: string): Route {
  const path = hash.replace(/^#\/?/, '').split('?')[0] ?? '';
  const [page = '', ...params] = path.split('/').filter((segment) => segment !== '');
  return { page, params: params.map((segment) => decodeURIComponent(segment)) };
}

/** The hash of a page and its segments: `href('orders', id)` is `#/orders/<id>`. */
export function href(page: string, ...params: string[]): string {
  return `#/${[page, ...params.map((segment) => encodeURIComponent(segment))].join('/')}`;
}

/** Goes to a page (a hash change, so the server never sees a deep path). */
export function navigate(page: string, ...params: string[]): void {
  location.hash = href(page, ...params);
}

/** The current route, re-rendering on every hash change. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const update = () => setRoute(parseHash(location.hash));
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  }, []);
  return route;
}
