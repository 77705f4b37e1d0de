import type { APIGatewayProxyEvent, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { BINARY_MEDIA_TYPES } from '../../../wiring/index.js';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../engines/credentials.js';


export const LOCAL_API_ID = 'local';

/** The parts of an HTTP request that API Gateway turns into a proxy event. */
export interface IncomingRequest {
  method: string;
  /** Path without the query string, as sent. */
  path: string;
  query: string;
  /** Header names and values in the order and case the client sent them (Node's `rawHeaders`). */
  rawHeaders: readonly string[];
  body: Buffer;
  sourceIp: string;
  requestId: string;
  stage: string;
  host: string;
}

/** Whether API Gateway would base64-encode a body of this Content-Type. */
export function isBinary(contentType: string | undefined): boolean {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (!type) return false;
  return BINARY_MEDIA_TYPES.some((pattern) =>
    pattern.endsWith('/*') ? type.startsWith(pattern.slice(0, -1)) : type === pattern,
  );
}

function headerMaps(rawHeaders: readonly string[]) {
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    const value = rawHeaders[i + 1]!;
    // Repeated headers keep the client's first spelling of the name; the single map keeps the last value.
    const existing = Object.keys(multi).find((n) => n.toLowerCase() === name.toLowerCase()) ?? name;
    single[existing] = value;
    (multi[existing] ??= []).push(value);
  }
  return { single, multi };
}

function queryMaps(query: string) {
  if (!query) return { single: null, multi: null };
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [name, value] of new URLSearchParams(query)) {
    single[name] = value;
    (multi[name] ??= []).push(value);
  }
  return Object.keys(single).length ? { single, multi } : { single: null, multi: null };
}

function requestTime(date: Date): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(
    date.getUTCMinutes(),
  )}:${pad(date.getUTCSeconds())} +0000`;
}

/** `arn:aws:execute-api:<region>:<account>:<api>/<stage>/<METHOD>/<path>`, the ARN an authorizer's policy must allow. */
export function methodArn(stage: string, method: string, path: string): string {
  return `arn:aws:execute-api:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${LOCAL_API_ID}/${stage}/${method}${path}`;
}

export interface ProxyEventInput {
  request: IncomingRequest;
  resource: string;
  pathParameters: Record<string, string>;
  authorizer?: Record<string, unknown>;
  apiKey?: string;
}

/**
 * The REST API (v1) Lambda proxy event for a request: resource template, path parameters,
 * single and multi-value headers and query, the body as a string (base64 for binary media
 * types) and the request context, including the authorizer's context when a route has one.
 */
export function proxyEvent(input: ProxyEventInput): APIGatewayProxyEvent {
  const { request } = input;
  const headers = headerMaps([
    ...request.rawHeaders,
    'X-Forwarded-For',
    request.sourceIp,
    'X-Forwarded-Proto',
    'http',
  ]);
  const query = queryMaps(request.query);
  const contentType = Object.entries(headers.single).find(([n]) => n.toLowerCase() === 'content-type')?.[1];
  const binary = isBinary(contentType);
  const hasBody = request.body.length > 0;
  const now = new Date();
  const userAgent = Object.entries(headers.single).find(([n]) => n.toLowerCase() === 'user-agent')?.[1] ?? null;
  return {
    resource: input.resource,
    path: request.path,
    httpMethod: request.method,
    headers: headers.single,
    multiValueHeaders: headers.multi,
    queryStringParameters: query.single,
    multiValueQueryStringParameters: query.multi,
    pathParameters: Object.keys(input.pathParameters).length ? input.pathParameters : null,
    stageVariables: null,
    body: hasBody ? request.body.toString(binary ? 'base64' : 'utf8') : null,
    isBase64Encoded: hasBody && binary,
    requestContext: {
      accountId: LOCAL_ACCOUNT,
      apiId: LOCAL_API_ID,
      authorizer: input.authorizer,
      domainName: request.host,
      domainPrefix: request.host.split('.')[0],
      extendedRequestId: request.requestId,
      httpMethod: request.method,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: input.apiKey ?? null,
        apiKeyId: input.apiKey ? 'local' : null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: request.sourceIp,
        user: null,
        userAgent,
        userArn: null,
      },
      path: `/${request.stage}${request.path}`,
      protocol: 'HTTP/1.1',
      requestId: request.requestId,
      requestTime: requestTime(now),
      requestTimeEpoch: now.getTime(),
      resourceId: input.resource,
      resourcePath: input.resource,
      stage: request.stage,
    },
  };
}

/** The REQUEST authorizer event API Gateway sends before a scoped route. */
export function authorizerEvent(event: APIGatewayProxyEvent): APIGatewayRequestAuthorizerEvent {
  return {
    type: 'REQUEST',
    methodArn: methodArn(event.requestContext.stage, event.httpMethod, event.path),
    resource: event.resource,
    path: event.path,
    httpMethod: event.httpMethod,
    headers: event.headers,
    multiValueHeaders: event.multiValueHeaders,
    pathParameters: event.pathParameters,
    queryStringParameters: event.queryStringParameters,
    multiValueQueryStringParameters: event.multiValueQueryStringParameters,
    stageVariables: event.stageVariables,
    requestContext: { ...event.requestContext, authorizer: undefined },
  };
}
