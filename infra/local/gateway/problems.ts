import { PROBLEM_CONTENT_TYPE, PROBLEM_TYPE_BASE, type Problem } from '../../../shared/http/problem.js';
import { SECURITY_HEADERS } from '../../../shared/http/responses.js';

/** A response the local gateway answers by itself, before or instead of a function. */
export interface GatewayResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer | string;
}

/**
 * The problems API Gateway answers with itself, in the same codes and titles the CDK app's
 * gateway responses use, so a client sees one shape locally and on AWS.
 */
const GATEWAY_PROBLEMS = {
  'no-such-route': { status: 404, title: 'Not Found' },
  'method-not-allowed': { status: 405, title: 'Method Not Allowed' },
  'too-large': { status: 413, title: 'Content Too Large' },
  unauthenticated: { status: 401, title: 'Unauthorized' },
  forbidden: { status: 403, title: 'Forbidden' },
  'validation-failed': { status: 400, title: 'Bad Request' },
  internal: { status: 500, title: 'Internal Server Error' },
  'bad-gateway': { status: 502, title: 'Bad Gateway' },
  'gateway-timeout': { status: 504, title: 'Gateway Timeout' },
  // The same type the health function answers with on AWS while a migration is pending.
  'not-ready': { status: 503, title: 'Service Unavailable' },
} as const;

export type GatewayProblemCode = keyof typeof GATEWAY_PROBLEMS;

/** An RFC 9457 problem response of the gateway. */
export function gatewayProblem(
  code: GatewayProblemCode,
  detail: string,
  requestId: string,
  headers: Record<string, string> = {},
  extensions: Record<string, unknown> = {},
): GatewayResponse {
  const { status, title } = GATEWAY_PROBLEMS[code];
  const doc: Problem = { ...extensions, type: `${PROBLEM_TYPE_BASE}${code}`, title, status, detail, instance: `urn:smartshelf:request:${requestId}` };
  return { status, headers: { ...SECURITY_HEADERS, 'cache-control': 'no-store', ...headers, 'content-type': PROBLEM_CONTENT_TYPE }, body: JSON.stringify(doc) };
}
