import type { APIGatewayProxyEvent, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { startGateway, type Gateway, type GatewayOptions } from '../../../infra/local/gateway/server.js';
import type { RouteSpec } from '../../../wiring/index.js';

const ROUTES: RouteSpec[] = [
  { method: 'GET', path: '/items/{id}', fn: 'get-item', auth: { kind: 'public' } },
  { method: 'POST', path: '/items', fn: 'create-item', auth: { kind: 'scope', scope: 'catalog:write' }, maxBodyBytes: 16 },
];

const allow = (event: APIGatewayRequestAuthorizerEvent, context: Record<string, unknown> = { subject: 'u1', scopes: 'catalog:write' }) => ({
  principalId: 'u1',
  policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }] },
  context,
});

let gateway: Gateway | undefined;
afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
});

async function start(invoke: GatewayOptions['invoke'], extra: Partial<GatewayOptions> = {}): Promise<string> {
  gateway = await startGateway({ port: 0, routes: ROUTES, authorizerFn: 'authorize', invoke, ...extra });
  return gateway.url;
}

const ok = (body: unknown) => ({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('local gateway', () => {
  it('invokes the route function with a proxy event and writes its result back', async () => {
    const seen: APIGatewayProxyEvent[] = [];
    const url = await start(async (_fn, event) => {
      seen.push(event as APIGatewayProxyEvent);
      return { statusCode: 200, headers: { 'x-one': '1' }, multiValueHeaders: { 'set-cookie': ['a=1', 'b=2'] }, body: 'hello' };
    });
    const response = await fetch(`${url}/items/abc?x=1`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('hello');
    expect(response.headers.get('x-one')).toBe('1');
    expect(response.headers.get('x-amzn-requestid')).toBe(seen[0]!.requestContext.requestId);
    expect(seen[0]).toMatchObject({ resource: '/items/{id}', pathParameters: { id: 'abc' }, queryStringParameters: { x: '1' } });
  });

  it('decodes a base64 result body to bytes', async () => {
    const bytes = Buffer.from([0, 1, 2, 250, 255]);
    const url = await start(async () => ({ statusCode: 200, body: bytes.toString('base64'), isBase64Encoded: true }));
    expect(Buffer.from(await (await fetch(`${url}/items/1`)).arrayBuffer())).toEqual(bytes);
  });

  it('runs the authorizer for scoped routes and hands its context and principalId to the function', async () => {
    const calls: string[] = [];
    let handled: APIGatewayProxyEvent | undefined;
    const url = await start(async (fn, event) => {
      calls.push(fn);
      if (fn === 'authorize') return allow(event as APIGatewayRequestAuthorizerEvent);
      handled = event as APIGatewayProxyEvent;
      return ok({ created: true });
    });
    const response = await fetch(`${url}/items`, { method: 'POST', headers: { authorization: 'Bearer t' }, body: '{}' });
    expect(response.status).toBe(200);
    expect(calls).toEqual(['authorize', 'create-item']);
    expect(handled?.requestContext.authorizer).toEqual({ subject: 'u1', scopes: 'catalog:write', principalId: 'u1' });
  });

  it('skips the authorizer on public routes', async () => {
    const calls: string[] = [];
    const url = await start(async (fn) => {
      calls.push(fn);
      return ok({});
    });
    await fetch(`${url}/items/1`);
    expect(calls).toEqual(['get-item']);
  });

  it('turns an Unauthorized authorizer error into a 401 problem', async () => {
    const url = await start(async (fn) => {
      if (fn === 'authorize') throw new Error('Unauthorized');
      return ok({});
    });
    const response = await fetch(`${url}/items`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
  });

  it('turns a policy that does not allow the method into a 403 problem', async () => {
    const url = await start(async (fn, event) => {
      const result = allow(event as APIGatewayRequestAuthorizerEvent);
      result.policyDocument.Statement[0]!.Effect = 'Deny';
      return fn === 'authorize' ? result : ok({});
    });
    expect((await fetch(`${url}/items`, { method: 'POST', body: '{}' })).status).toBe(403);
  });

  it('treats any other authorizer failure, or object-valued context, as a 500', async () => {
    let mode: 'throw' | 'object' = 'throw';
    const url = await start(async (fn, event) => {
      if (fn !== 'authorize') return ok({});
      if (mode === 'throw') throw new Error('database down');
      return allow(event as APIGatewayRequestAuthorizerEvent, { nested: { no: true } });
    });
    expect((await fetch(`${url}/items`, { method: 'POST', body: '{}' })).status).toBe(500);
    mode = 'object';
    expect((await fetch(`${url}/items`, { method: 'POST', body: '{}' })).status).toBe(500);
  });

  it('answers 413 for a body over the route limit, declared or streamed, without calling anything', async () => {
    const calls: string[] = [];
    const url = await start(async (fn) => {
      calls.push(fn);
      return ok({});
    });
    const declared = await fetch(`${url}/items`, { method: 'POST', body: 'x'.repeat(17) });
    expect(declared.status).toBe(413);
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('x'.repeat(10)));
        controller.enqueue(new TextEncoder().encode('x'.repeat(10)));
        controller.close();
      },
    });
    const streamed = await fetch(`${url}/items`, { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(calls).toEqual([]);
  });

  it('answers 502 when the function throws or returns something that is not a proxy result', async () => {
    let mode: 'throw' | 'junk' = 'throw';
    const url = await start(async () => {
      if (mode === 'throw') throw new Error('boom');
      return { body: 'no status' };
    });
    expect((await fetch(`${url}/items/1`)).status).toBe(502);
    mode = 'junk';
    expect((await fetch(`${url}/items/1`)).status).toBe(502);
  });

  it('answers 504 when the function outlives the integration timeout', async () => {
    const url = await start(() => new Promise((resolve) => setTimeout(() => resolve(ok({})), 500)), { integrationTimeoutMs: 50 });
    expect((await fetch(`${url}/items/1`)).status).toBe(504);
  });

  it('serves local routes alongside the wiring', async () => {
    const url = await start(async () => ok({}), {
      localRoutes: [{ method: 'GET', path: '/local/ping', handle: async () => ({ status: 200, headers: {}, body: 'pong' }) }],
    });
    expect(await (await fetch(`${url}/local/ping`)).text()).toBe('pong');
    expect((await fetch(`${url}/local/ping`, { method: 'POST' })).status).toBe(405);
  });

  it('lets an in-flight request finish when closing', async () => {
    let entered!: () => void;
    let release!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const url = await start(async () => {
      entered();
      await new Promise<void>((resolve) => (release = resolve));
      return ok({ finished: true });
    });
    const pending = fetch(`${url}/items/1`);
    await inside;
    const closing = gateway!.close();
    gateway = undefined;
    release();
    const response = await pending;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ finished: true });
    await closing;
  });
});
