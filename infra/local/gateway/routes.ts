/** A route as the gateway matches it: a method on an API Gateway path template. */
export interface RoutePattern {
  method: string;
  /** `/products/{id}`; `{name+}` is a greedy parameter that takes the rest of the path. */
  path: string;
}

export type RouteMatch<R extends RoutePattern> =
  | { kind: 'found'; route: R; pathParameters: Record<string, string> }
  | { kind: 'method-not-allowed'; resource: string; allow: string[] }
  | { kind: 'not-found' };

type Segment = { kind: 'literal'; value: string } | { kind: 'param'; name: string } | { kind: 'greedy'; name: string };

interface Resource<R> {
  path: string;
  segments: Segment[];
  routes: R[];
}

function parseTemplate(path: string): Segment[] {
  return splitPath(path).map((part) => {
    const param = /^\{([^}+]+)(\+?)\}$/.exec(part);
    if (!param) return { kind: 'literal', value: part };
    return param[2] ? { kind: 'greedy', name: param[1]! } : { kind: 'param', name: param[1]! };
  });
}

function splitPath(path: string): string[] {
  return path.split('/').filter((part) => part !== '');
}

/** Literal segments outrank `{param}`, which outranks `{greedy+}`, segment by segment from the left. */
function rank(segment: Segment): number {
  return segment.kind === 'literal' ? 0 : segment.kind === 'param' ? 1 : 2;
}

function compareSpecificity(a: Segment[], b: Segment[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const ra = a[i] ? rank(a[i]!) : 3;
    const rb = b[i] ? rank(b[i]!) : 3;
    if (ra !== rb) return ra - rb;
  }
  return 0;
}

function matchSegments(segments: Segment[], parts: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    if (segment.kind === 'greedy') {
      if (i >= parts.length) return undefined;
      params[segment.name] = parts.slice(i).map(decode).join('/');
      return params;
    }
    const part = parts[i];
    if (part === undefined) return undefined;
    if (segment.kind === 'literal') {
      if (decode(part) !== segment.value) return undefined;
    } else {
      params[segment.name] = decode(part);
    }
  }
  return segments.length === parts.length ? params : undefined;
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/**
 * Matches requests the way API Gateway resolves a REST API: first the most specific resource
 * whose template fits the path (so `/products/import` beats `/products/{id}`), then the method on
 * that resource. A fitting resource without the method is a 405 with the methods it does have,
 * which is what the CDK app's `ANY` responders answer.
 */
export function createRouteMatcher<R extends RoutePattern>(routes: readonly R[]): (method: string, path: string) => RouteMatch<R> {
  const byPath = new Map<string, Resource<R>>();
  for (const route of routes) {
    const resource = byPath.get(route.path) ?? { path: route.path, segments: parseTemplate(route.path), routes: [] };
    resource.routes.push(route);
    byPath.set(route.path, resource);
  }
  const resources = [...byPath.values()].sort((a, b) => compareSpecificity(a.segments, b.segments));
  return (method, path) => {
    const parts = splitPath(path);
    for (const resource of resources) {
      const pathParameters = matchSegments(resource.segments, parts);
      if (!pathParameters) continue;
      const route = resource.routes.find((r) => r.method === method.toUpperCase());
      if (route) return { kind: 'found', route, pathParameters };
      return { kind: 'method-not-allowed', resource: resource.path, allow: resource.routes.map((r) => r.method).sort() };
    }
    return { kind: 'not-found' };
  };
}
