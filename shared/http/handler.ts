import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type { z } from 'zod';
import { principalFromContext, type Principal } from '../auth/principal.js';
import { AppError } from '../errors.js';
import { logger } from '../observability/logger.js';
import { errorMapper } from './error-mapper.js';
import { parseBody, type BodyKind } from './body.js';
import { refuseCardNumbers } from './card-numbers.js';
import { correlationIdFor } from './correlation-id.js';
import { idempotencyScope } from './idempotency-key.js';
import { validate } from './validate.js';
import { routeOf } from './route-of.js';
import { jsonResponse, type HttpResult } from './responses.js';

export interface HandlerSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  params?: P;
  query?: Q;
  body?: B;
  /** How to read the body before validation: `json` whenever a body schema is given, `multipart` when a multipart parser is. */
  bodyKind?: BodyKind;
  /**
   * The multipart/form-data parser (`multipartBody()` from `./multipart.js`). Passed in rather than
   * built here so that only the functions that take uploads bundle and load it.
   */
  multipart?: middy.MiddlewareObj;
  /**
   * Replays the first response to a repeated `Idempotency-Key` from the same caller
   * (`idempotency()` from `./idempotency.js`); passed in so that only POSTs that create things load it.
   */
  idempotency?: middy.MiddlewareObj;
}

export interface HttpInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  /** Present on every route that declares a scope; public routes may still carry one. */
  principal: Principal | undefined;
  headers: Record<string, string>;
  requestId: string;
}

/** The principal of a route that declares a scope: the stack guarantees one is there. */
export function requirePrincipal(input: { principal: Principal | undefined }): Principal {
  if (!input.principal) throw new AppError('unauthenticated', 'unauthenticated', 'Credentials are required.');
  return input.principal;
}

type Event = APIGatewayProxyEvent & { smartshelf?: { idempotencyKey?: string } };

/**
 * Builds an API Gateway (REST) handler with SmartShelf's fixed middleware stack, in this order:
 * Powertools logger with the correlation id → body parsing (JSON nested too deep refused first) →
 * refusal of card numbers in the JSON body, query string, path parameters and kept headers (in
 * multipart fields once the multipart parser has run) → zod validation → auth scopes →
 * idempotency → the handler. The problem+json mapper wraps all of them, so an error from any layer
 * (including idempotency, which clears its in-progress record first) leaves as RFC 9457.
 *
 * The route's scope and body limit are read from `wiring/index.ts` by method and resource, so a
 * handler never restates them.
 */
export function httpHandler<P extends z.ZodType = z.ZodUnknown, Q extends z.ZodType = z.ZodUnknown, B extends z.ZodType = z.ZodUnknown>(
  spec: HandlerSpec<P, Q, B>,
) {
  return (fn: (input: HttpInput<z.infer<P>, z.infer<Q>, z.infer<B>>) => Promise<HttpResult>) => {
    const bodyKind: BodyKind = spec.bodyKind ?? (spec.multipart ? 'multipart' : spec.body ? 'json' : 'none');
    if (bodyKind === 'multipart' && !spec.multipart) throw new Error('httpHandler: a multipart route needs the multipart parser');
    const chain = middy<Event, APIGatewayProxyResult, Error, Context>()
      // logEvent pinned off: POWERTOOLS_LOGGER_LOG_EVENT would print the raw body before it can be checked for card numbers.
      .use(injectLambdaContext(logger, { resetKeys: true, logEvent: false }))
      .use(correlation())
      .use(errorMapper())
      .use({
        before: (request) => {
          const route = routeOf(request.event);
          parseBody(request.event, bodyKind, route.maxBodyBytes);
          refuseCardNumbers(request.event, bodyKind === 'json');
        },
      });
    if (spec.multipart) chain.use(spec.multipart as middy.MiddlewareObj<Event, APIGatewayProxyResult>);
    chain.use({
      before: (request) => {
        const event = request.event;
        const route = routeOf(event);
        const principal = principalFromContext(event.requestContext?.authorizer);
        if (route.auth.kind === 'scope') {
          if (!principal) throw new AppError('unauthenticated', 'unauthenticated', 'Credentials are required: send a bearer token or an API key.');
          if (!principal.scopes.includes(route.auth.scope)) {
            throw new AppError('forbidden', 'insufficient-scope', `This operation needs the ${route.auth.scope} scope.`, {
              extensions: { requiredScope: route.auth.scope },
            });
          }
        }
        const key = event.headers['idempotency-key'];
        if (spec.idempotency && key) {
          if (key.length > 255) throw new AppError('invalid', 'bad-idempotency-key', 'Idempotency-Key is longer than 255 characters.');
          event.smartshelf = { idempotencyKey: idempotencyScope(route, event.pathParameters, principal?.subject, key) };
        }
      },
    });
    if (spec.idempotency) chain.use(spec.idempotency as middy.MiddlewareObj<Event, APIGatewayProxyResult>);
    return chain.handler(async (event) => {
      const input = validate(spec, event);
      const principal = principalFromContext(event.requestContext?.authorizer);
      const result = await fn({ ...input, principal, headers: event.headers as Record<string, string>, requestId: event.requestContext.requestId });
      return jsonResponse(result, event.headers['x-correlation-id'], { authenticated: principal !== undefined });
    });
  };
}

/**
 * Lower-cases header names (API Gateway REST keeps the client's case) and tags the log with a
 * correlation id: the caller's when it has a safe shape, else the request id (`correlationIdFor`),
 * so what a caller sends as one never reaches a log, an answer or an event unchecked.
 */
function correlation(): middy.MiddlewareObj<Event, APIGatewayProxyResult> {
  return {
    before: (request) => {
      const event = request.event;
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(event.headers ?? {})) {
        if (value !== undefined) headers[name.toLowerCase()] = value;
      }
      headers['x-correlation-id'] = correlationIdFor(headers['x-correlation-id'], event.requestContext.requestId);
      event.headers = headers;
      event.pathParameters ??= {};
      event.queryStringParameters ??= {};
      logger.appendKeys({ correlationId: headers['x-correlation-id'], route: `${event.httpMethod} ${event.resource}` });
    },
  };
}
