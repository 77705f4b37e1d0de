import { describe, expect, it } from 'vitest';
import { createRouteMatcher } from '../../../infra/local/gateway/routes.js';
import { routes } from '../../../wiring/index.js';

const match = createRouteMatcher([
  { method: 'GET', path: '/products' },
  { method: 'POST', path: '/products' },
  { method: 'GET', path: '/products/{id}' },
  { method: 'PATCH', path: '/products/{id}' },
  { method: 'POST', path: '/products/import' },
  { method: 'POST', path: '/products/{id}/images' },
  { method: 'GET', path: '/files/{key+}' },
]);

describe('route matching', () => {
  it('finds a literal route and gives no path parameters', () => {
    expect(match('GET', '/products')).toMatchObject({ kind: 'found', route: { path: '/products' }, pathParameters: {} });
  });

  it('extracts and decodes path parameters', () => {
    expect(match('GET', '/products/a%20b')).toMatchObject({ kind: 'found', route: { path: '/products/{id}' }, pathParameters: { id: 'a b' } });
  });

  it('prefers a literal resource over a parameter, as API Gateway does', () => {
    expect(match('POST', '/products/import')).toMatchObject({ kind: 'found', route: { path: '/products/import' } });
  });

  it('answers 405 from the most specific resource even when a parameter resource has the method', () => {
    expect(match('GET', '/products/import')).toEqual({ kind: 'method-not-allowed', resource: '/products/import', allow: ['POST'] });
  });

  it('lists every method of a resource, sorted, when the method is not routed', () => {
    expect(match('DELETE', '/products/42')).toEqual({ kind: 'method-not-allowed', resource: '/products/{id}', allow: ['GET', 'PATCH'] });
  });

  it('matches nested parameter resources', () => {
    expect(match('POST', '/products/7/images')).toMatchObject({ kind: 'found', pathParameters: { id: '7' } });
  });

  it('gives a greedy parameter the rest of the path', () => {
    expect(match('GET', '/files/a/b/c.txt')).toMatchObject({ kind: 'found', pathParameters: { key: 'a/b/c.txt' } });
  });

  it('reports unknown paths as not found', () => {
    expect(match('GET', '/nope')).toEqual({ kind: 'not-found' });
    expect(match('GET', '/products/1/2')).toEqual({ kind: 'not-found' });
  });

  it('ignores a trailing slash', () => {
    expect(match('GET', '/products/')).toMatchObject({ kind: 'found', route: { path: '/products' } });
  });

  it('matches every wiring route by its own template', () => {
    const wired = createRouteMatcher(routes);
    for (const route of routes) {
      const path = route.path.replace(/\{[^}]+\}/g, 'x1');
      expect(wired(route.method, path)).toMatchObject({ kind: 'found', route: { method: route.method, path: route.path } });
    }
  });
});
