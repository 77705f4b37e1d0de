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

/** Serializes a handler result for API Gateway. */
export function jsonResponse(result: HttpResult, correlationId: string | undefined): APIGatewayProxyResult {
  const headers: Record<string, string> = { ...result.headers };
  if (correlationId) headers['x-correlation-id'] = correlationId;
  if (result.body === undefined) return { statusCode: result.status, headers, body: '' };
  headers['content-type'] ??= 'application/json';
  return {
    statusCode: result.status,
    headers,
    body: typeof result.body === 'string' ? result.body : JSON.stringify(result.body),
  };
}
