import type { APIGatewayProxyResult } from 'aws-lambda';

/** What a handler returns: a status, a JSON body and any extra headers. */
export interface HttpResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** 200 with a JSON body. */
export const ok = (body: unknown, headers?: Record<string, string>): HttpResult => ({ status: 200, body, headers });
/** 201 with the new resource and its Location. */
export const created = (body: unknown, location: string): HttpResult => ({ status: 201, body, headers: { location } });
/** 202: the work is accepted and goes on; `location` is where to watch it. */
export const accepted = (body: unknown, location: string): HttpResult => ({ status: 202, body, headers: { location } });

/**
 * Headers on every answer of the API: browsers must only ever reach it over TLS (HSTS, ignored over the local
 * platform's plain http), and never guess a body's type.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
};

/**
 * Serializes a handler result for API Gateway. An answer to an authenticated caller is someone's own data and is
 * never stored by a browser or a proxy (`no-store`) unless the handler set its own cache policy.
 */
export function jsonResponse(result: HttpResult, correlationId: string | undefined, options: { authenticated: boolean } = { authenticated: false }): APIGatewayProxyResult {
  const headers: Record<string, string> = { ...SECURITY_HEADERS, ...result.headers };
  if (options.authenticated) headers['cache-control'] ??= 'no-store';
  if (correlationId) headers['x-correlation-id'] = correlationId;
  if (result.body === undefined) return { statusCode: result.status, headers, body: '' };
  headers['content-type'] ??= 'application/json';
  return {
    statusCode: result.status,
    headers,
    body: typeof result.body === 'string' ? result.body : JSON.stringify(result.body),
  };
}
