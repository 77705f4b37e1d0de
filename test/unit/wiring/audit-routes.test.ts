import { describe, expect, it } from 'vitest';
import { functions, routes } from '../../../wiring/index.js';

/**
 * Audit entries cannot be changed or deleted through any route: every route that names the audit only reads, and the
 * function behind `GET /audit` may only read the table. Cheap, and it catches a future route that would.
 */
describe('the audit trail through the API', () => {
  const auditRoutes = routes.filter((route) => /(^|\/)audit(\/|$)/i.test(route.path) || route.fn.startsWith('audit-'));

  it('is read-only: no route on it is a POST, PUT, PATCH or DELETE', () => {
    expect(auditRoutes.map((route) => `${route.method} ${route.path}`)).toEqual(['GET /audit']);
  });

  it('is read by a function that may only read the table, behind the audit:read scope', () => {
    const [route] = auditRoutes;
    expect(route?.auth).toEqual({ kind: 'scope', scope: 'audit:read' });
    expect(functions.find((fn) => fn.id === route?.fn)?.access).toEqual({ table: 'read' });
  });
});
