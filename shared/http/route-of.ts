import { DEFAULT_MAX_BODY_BYTES, routes, type RouteSpec } from '../../wiring/index.js';

export interface ResolvedRoute extends RouteSpec {
  maxBodyBytes: number;
}

const byKey = new Map(routes.map((r) => [`${r.method} ${r.path}`, { ...r, maxBodyBytes: r.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES }]));

/**
 * The wiring entry of the route an event came through, found by method and API Gateway resource.
 * A handler invoked through a route that is not in the wiring is a deployment error, not a client's.
 */
export function routeOf(event: { httpMethod: string; resource: string }): ResolvedRoute {
  const route = byKey.get(`${event.httpMethod} ${event.resource}`);
  if (!route) throw new Error(`no route ${event.httpMethod} ${event.resource} in the wiring`);
  return route;
}
