import { describe, expect, it } from 'vitest';
import { authorizerEvent, isBinary, methodArn, proxyEvent, type IncomingRequest } from '../../../infra/local/gateway/events.js';

function request(overrides: Partial<IncomingRequest> = {}): IncomingRequest {
  return {
    method: 'POST',
    path: '/products/42',
    query: '',
    rawHeaders: ['Content-Type', 'application/json', 'X-Custom', 'one', 'x-custom', 'two'],
    body: Buffer.from('{"a":1}'),
    sourceIp: '10.0.0.7',
    requestId: 'req-1',
    stage: 'local',
    host: '127.0.0.1:3000',
    ...overrides,
  };
}

describe('proxy event', () => {
  it('carries the resource template, path parameters and the request context', () => {
    const event = proxyEvent({ request: request(), resource: '/products/{id}', pathParameters: { id: '42' } });
    expect(event).toMatchObject({
      resource: '/products/{id}',
      path: '/products/42',
      httpMethod: 'POST',
      pathParameters: { id: '42' },
      stageVariables: null,
      body: '{"a":1}',
      isBase64Encoded: false,
      requestContext: {
        httpMethod: 'POST',
        requestId: 'req-1',
        resourcePath: '/products/{id}',
        stage: 'local',
        path: '/local/products/42',
        identity: { sourceIp: '10.0.0.7' },
      },
    });
    expect(event.requestContext.authorizer).toBeUndefined();
  });

  it('keeps header case, the last value in headers and every value in multiValueHeaders', () => {
    const event = proxyEvent({ request: request(), resource: '/products/{id}', pathParameters: { id: '42' } });
    expect(event.headers['X-Custom']).toBe('two');
    expect(event.multiValueHeaders['X-Custom']).toEqual(['one', 'two']);
    expect(event.headers['Content-Type']).toBe('application/json');
    expect(event.headers['X-Forwarded-For']).toBe('10.0.0.7');
  });

  it('parses single and multi-value query strings, and gives null when there are none', () => {
    const withQuery = proxyEvent({ request: request({ query: 'tag=a&tag=b&q=oat%20milk' }), resource: '/p', pathParameters: {} });
    expect(withQuery.queryStringParameters).toEqual({ tag: 'b', q: 'oat milk' });
    expect(withQuery.multiValueQueryStringParameters).toEqual({ tag: ['a', 'b'], q: ['oat milk'] });
    const without = proxyEvent({ request: request(), resource: '/p', pathParameters: {} });
    expect(without.queryStringParameters).toBeNull();
    expect(without.multiValueQueryStringParameters).toBeNull();
    expect(without.pathParameters).toBeNull();
  });

  it('base64-encodes binary media types byte for byte', () => {
    const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff]);
    const event = proxyEvent({
      request: request({ rawHeaders: ['content-type', 'image/png'], body: bytes }),
      resource: '/p',
      pathParameters: {},
    });
    expect(event.isBase64Encoded).toBe(true);
    expect(Buffer.from(event.body!, 'base64')).toEqual(bytes);
  });

  it('gives a null body, not base64, when there is none', () => {
    const event = proxyEvent({ request: request({ method: 'GET', body: Buffer.alloc(0) }), resource: '/p', pathParameters: {} });
    expect(event.body).toBeNull();
    expect(event.isBase64Encoded).toBe(false);
  });

  it('puts the authorizer context and API key where API Gateway does', () => {
    const event = proxyEvent({
      request: request(),
      resource: '/p',
      pathParameters: {},
      authorizer: { subject: 's', principalId: 's' },
      apiKey: 'ssk_x',
    });
    expect(event.requestContext.authorizer).toEqual({ subject: 's', principalId: 's' });
    expect(event.requestContext.identity.apiKey).toBe('ssk_x');
  });
});

describe('binary media types', () => {
  it('follows the CDK app: multipart and images are binary, JSON and CSV are text', () => {
    expect(isBinary('multipart/form-data; boundary=x')).toBe(true);
    expect(isBinary('image/webp')).toBe(true);
    expect(isBinary('application/json')).toBe(false);
    expect(isBinary('text/csv')).toBe(false);
    expect(isBinary(undefined)).toBe(false);
  });
});

describe('authorizer event', () => {
  it('is a REQUEST event with the method ARN of the call', () => {
    const event = authorizerEvent(proxyEvent({ request: request(), resource: '/products/{id}', pathParameters: { id: '42' } }));
    expect(event).toMatchObject({ type: 'REQUEST', httpMethod: 'POST', resource: '/products/{id}', path: '/products/42' });
    expect(event.methodArn).toBe(methodArn('local', 'POST', '/products/42'));
    expect(event.methodArn).toMatch(/^arn:aws:execute-api:[a-z0-9-]+:\d{12}:local\/local\/POST\/products\/42$/);
    expect(event.headers?.['Content-Type']).toBe('application/json');
  });
});
