import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { principalToContext, type Principal } from '../../shared/auth/principal.js';

/** A Lambda context good enough for middy and Powertools outside Lambda. */
export function lambdaContext(name = 'test-function'): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-west-2:000000000000:function:${name}`,
    memoryLimitInMB: '256',
    awsRequestId: `req-${Math.random().toString(36).slice(2)}`,
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export interface EventInput {
  method: string;
  /** The wiring's path template, `/products/{id}`. */
  resource: string;
  pathParameters?: Record<string, string>;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string | null;
  isBase64Encoded?: boolean;
  principal?: Principal;
}

/** Builds the REST API proxy event that API Gateway (or the local router) would hand a handler. */
export function apiEvent(input: EventInput): APIGatewayProxyEvent {
  const path = Object.entries(input.pathParameters ?? {}).reduce((p, [k, v]) => p.replace(`{${k}}`, v), input.resource);
  const requestId = `req-${Math.random().toString(36).slice(2)}`;
  return {
    resource: input.resource,
    path,
    httpMethod: input.method,
    headers: input.headers ?? {},
    multiValueHeaders: {},
    queryStringParameters: input.query ?? null,
    multiValueQueryStringParameters: null,
    pathParameters: input.pathParameters ?? null,
    stageVariables: null,
    body: input.body ?? null,
    isBase64Encoded: input.isBase64Encoded ?? false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      authorizer: input.principal ? { principalId: input.principal.subject, ...principalToContext(input.principal) } : null,
      protocol: 'HTTP/1.1',
      httpMethod: input.method,
      identity: { sourceIp: '127.0.0.1' } as APIGatewayProxyEvent['requestContext']['identity'],
      path,
      stage: 'local',
      requestId,
      requestTimeEpoch: Date.now(),
      resourceId: 'local',
      resourcePath: input.resource,
    },
  };
}
