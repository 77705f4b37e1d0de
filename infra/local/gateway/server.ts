import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayAuthorizerResult, APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { DEFAULT_MAX_BODY_BYTES, type RouteSpec } from '../../../wiring/index.js';
import { authorizerEvent, proxyEvent, methodArn, type IncomingRequest } from './events.js';
import { policyAllows } from './policy.js';
import { gatewayProblem, type GatewayResponse } from './problems.js';
import { redactPans } from '../../../shared/privacy/pan.js';
import { createRouteMatcher } from './routes.js';
import type { ReadinessView } from '../readiness.js';

/** An endpoint of the local runtime itself (token minting, JWKS): never part of the CDK app. */
export interface LocalRoute {
  method: string;
  path: string;
  handle(request: { body: Buffer; requestId: string; host: string }): Promise<GatewayResponse>;
}

export type Invoke = (fnId: string, event: unknown) => Promise<unknown>;

export interface GatewayOptions {
  routes: readonly RouteSpec[];
  localRoutes?: readonly LocalRoute[];
  /** Function id of the REQUEST authorizer that scoped routes go through. */
  authorizerFn: string;
  invoke: Invoke;
  stage?: string;
  /** API Gateway gives up on an integration after 29 seconds. */
  integrationTimeoutMs?: number;
  /** While it says not ready, every wired route answers 503 with Retry-After; the runtime's own routes still answer. */
  readiness?: ReadinessView;
  /**
   * Static files served beside the API (the staff console under `/admin/`): asked only for a path no route matches, so
   * a wired route (`/admin/queues`) always wins. Undefined from it is the gateway's usual 404.
   */
  site?: { respond(method: string, pathname: string): GatewayResponse | undefined };
  /** Told of every answered request: the console's one line per request. */
  onRequest?: (entry: RequestLog) => void;
  log?: (line: string) => void;
}

/** One answered request, as the console shows it. */
export interface RequestLog {
  method: string;
  path: string;
  status: number;
  ms: number;
  /** The function that answered, or `local` for the runtime's own routes; absent when the gateway answered alone. */
  fn?: string;
  /** The correlation id the answer carries (the function's), else the gateway's request id. */
  correlationId: string;
}

export interface Gateway {
  url: string;
  port: number;
  /** Stops accepting connections, lets in-flight requests finish, then closes. */
  close(): Promise<void>;
}

type Entry = { kind: 'wired'; method: string; path: string; route: RouteSpec } | { kind: 'local'; method: string; path: string; local: LocalRoute };

const INTEGRATION_TIMEOUT_MS = 29_000;

class Rejected extends Error {
  constructor(readonly response: GatewayResponse) {
    super('rejected');
  }
}

/**
 * The local stand-in for API Gateway's REST API with Lambda proxy integrations, driven by the
 * wiring's routes: it matches the resource and method (404, or 405 with `Allow`), enforces the
 * route's body limit (413), runs the REQUEST authorizer on scoped routes (401 when it throws
 * `Unauthorized`, 403 when its policy does not allow the method), then invokes the function with
 * a proxy event and writes its proxy result back. Everything it answers itself is problem+json.
 */
export async function startGateway(options: GatewayOptions & { port: number; host?: string }): Promise<Gateway> {
  const stage = options.stage ?? 'local';
  const log = options.log ?? (() => undefined);
  const entries: Entry[] = [
    ...options.routes.map((route): Entry => ({ kind: 'wired', method: route.method, path: route.path, route })),
    ...(options.localRoutes ?? []).map((local): Entry => ({ kind: 'local', method: local.method, path: local.path, local })),
  ];
  const match = createRouteMatcher(entries);
  let inFlight = 0;
  let drained: (() => void) | undefined;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    inFlight++;
    const started = performance.now();
    const requestId = randomUUID();
    const answeredBy: { fn?: string } = {};
    let response: GatewayResponse | undefined;
    try {
      response = await respond(req, requestId, answeredBy);
    } catch (error) {
      response = error instanceof Rejected ? error.response : gatewayProblem('internal', 'The local gateway failed.', requestId);
      if (!(error instanceof Rejected)) log(`gateway error: ${(error as Error).stack ?? String(error)}`);
    } finally {
      if (response) write(res, response, requestId);
      options.onRequest?.({
        method: (req.method ?? 'GET').toUpperCase(),
        path: new URL(req.url ?? '/', 'http://localhost').pathname,
        status: response?.status ?? 500,
        ms: Math.round(performance.now() - started),
        correlationId: response?.headers['x-correlation-id'] ?? requestId,
        ...answeredBy,
      });
      inFlight--;
      if (inFlight === 0) drained?.();
    }
  };

  const respond = async (req: IncomingMessage, requestId: string, answeredBy: { fn?: string }): Promise<GatewayResponse> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = (req.method ?? 'GET').toUpperCase();
    const found = match(method, url.pathname);
    if (found.kind === 'not-found') {
      await discard(req);
      const file = options.site?.respond(method, url.pathname);
      if (file) {
        answeredBy.fn = 'local';
        return file;
      }
      return gatewayProblem('no-such-route', `No such route: ${method} ${redactPans(url.pathname)} matches no resource of this API.`, requestId);
    }
    if (found.kind === 'method-not-allowed') {
      await discard(req);
      const allow = found.allow.join(', ');
      return gatewayProblem('method-not-allowed', `This resource allows ${allow}.`, requestId, { allow });
    }
    const entry = found.route;
    const pending = entry.kind === 'wired' ? (options.readiness?.pending() ?? []) : [];
    if (pending.length > 0) {
      await discard(req);
      return gatewayProblem('not-ready', `The local platform is starting; still waiting for: ${pending.join(', ')}.`, requestId, { 'retry-after': '1' }, { pending });
    }
    const limit = entry.kind === 'wired' ? (entry.route.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES) : DEFAULT_MAX_BODY_BYTES;
    const body = await readBody(req, limit, requestId);
    answeredBy.fn = entry.kind === 'local' ? 'local' : entry.route.fn;
    if (entry.kind === 'local') return entry.local.handle({ body, requestId, host: req.headers.host ?? '' });

    const request: IncomingRequest = {
      method,
      path: url.pathname,
      query: url.search.slice(1),
      rawHeaders: req.rawHeaders,
      body,
      sourceIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
      requestId,
      stage,
      host: req.headers.host ?? 'localhost',
    };
    let event = proxyEvent({ request, resource: entry.route.path, pathParameters: found.pathParameters });
    if (entry.route.auth.kind === 'scope') {
      const authorized = await authorize(event, requestId);
      event = proxyEvent({
        request,
        resource: entry.route.path,
        pathParameters: found.pathParameters,
        authorizer: authorized.context,
        ...(authorized.apiKey ? { apiKey: authorized.apiKey } : {}),
      });
    }
    return integrate(entry.route.fn, event, requestId);
  };

  const authorize = async (event: APIGatewayProxyEvent, requestId: string) => {
    let result: APIGatewayAuthorizerResult;
    try {
      result = (await options.invoke(options.authorizerFn, authorizerEvent(event))) as APIGatewayAuthorizerResult;
    } catch (error) {
      if ((error as Error).message === 'Unauthorized') {
        throw new Rejected(gatewayProblem('unauthenticated', 'Send a valid bearer token or API key.', requestId));
      }
      log(`authorizer failed: ${(error as Error).stack ?? String(error)}`);
      throw new Rejected(gatewayProblem('internal', 'The authorizer failed.', requestId));
    }
    const arn = methodArn(event.requestContext.stage, event.httpMethod, event.path);
    if (!result || typeof result.principalId !== 'string' || !result.policyDocument) {
      log('authorizer returned no principalId or policy');
      throw new Rejected(gatewayProblem('internal', 'The authorizer returned a malformed response.', requestId));
    }
    if (!policyAllows(result.policyDocument, arn)) {
      throw new Rejected(gatewayProblem('forbidden', 'The caller is not allowed to access this resource.', requestId));
    }
    const context: Record<string, unknown> = { ...(result.context ?? {}) };
    // API Gateway only passes string, number and boolean context values; anything else is a configuration error.
    if (Object.values(context).some((v) => v !== null && typeof v === 'object')) {
      log('authorizer context holds a non-primitive value');
      throw new Rejected(gatewayProblem('internal', 'The authorizer returned a malformed response.', requestId));
    }
    context.principalId = result.principalId;
    return { context, apiKey: result.usageIdentifierKey };
  };

  const integrate = async (fnId: string, event: APIGatewayProxyEvent, requestId: string): Promise<GatewayResponse> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), options.integrationTimeoutMs ?? INTEGRATION_TIMEOUT_MS);
    });
    let outcome: unknown;
    try {
      outcome = await Promise.race([options.invoke(fnId, event), timeout]);
    } catch (error) {
      log(`${fnId} failed: ${(error as Error).stack ?? String(error)}`);
      return gatewayProblem('bad-gateway', 'The function failed.', requestId);
    } finally {
      clearTimeout(timer);
    }
    if (outcome === 'timeout') return gatewayProblem('gateway-timeout', 'The function did not answer in time.', requestId);
    const result = outcome as Partial<APIGatewayProxyResult> | undefined;
    if (!result || typeof result.statusCode !== 'number') {
      log(`${fnId} returned a malformed proxy response`);
      return gatewayProblem('bad-gateway', 'The function returned a malformed response.', requestId);
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(result.headers ?? {})) headers[name.toLowerCase()] = String(value);
    for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) {
      headers[name.toLowerCase()] = values.map(String).join(', ');
    }
    const raw = result.body ?? '';
    return { status: result.statusCode, headers, body: result.isBase64Encoded ? Buffer.from(raw, 'base64') : raw };
  };

  const readBody = async (req: IncomingMessage, limit: number, requestId: string): Promise<Buffer> => {
    const tooLarge = (size: number) =>
      new Rejected(
        gatewayProblem('too-large', `The body is ${size} bytes; this operation accepts at most ${limit}.`, requestId),
      );
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared > limit) {
      await discard(req);
      throw tooLarge(declared);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size <= limit) chunks.push(chunk as Buffer);
    }
    if (size > limit) throw tooLarge(size);
    return Buffer.concat(chunks);
  };

  const server: Server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inFlight > 0) await new Promise<void>((resolve) => (drained = resolve));
      server.closeAllConnections();
      await closed;
    },
  };
}

async function discard(req: IncomingMessage): Promise<void> {
  for await (const _chunk of req) {
    // Reading to the end lets the client finish sending before it gets the answer.
  }
}

function write(res: ServerResponse, response: GatewayResponse, requestId: string): void {
  if (res.headersSent) return;
  // A text body is written as it is (Node sends it with the headers in one write), not copied into a buffer first.
  const length = typeof response.body === 'string' ? Buffer.byteLength(response.body) : response.body.length;
  res.writeHead(response.status, {
    ...response.headers,
    'x-amzn-requestid': requestId,
    'content-length': String(length),
  });
  res.end(response.body);
}
