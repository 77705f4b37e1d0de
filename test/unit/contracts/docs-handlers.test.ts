import type { APIGatewayProxyResult } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { handler as getDocs } from '../../../functions/docs/get-docs.js';
import { handler as getOpenApi } from '../../../functions/docs/get-openapi.js';
import { apiEvent, lambdaContext } from '../../support/lambda.js';
import { mediaTypeOf, openApiDocument, ResponseValidator } from '../../support/openapi.js';

const validator = new ResponseValidator();

async function call(fn: typeof getDocs, resource: string): Promise<{ result: APIGatewayProxyResult; headers: Headers; body: unknown }> {
  const result = (await fn(apiEvent({ method: 'GET', resource }), lambdaContext())) as APIGatewayProxyResult;
  const headers = new Headers(result.headers as Record<string, string>);
  const body = mediaTypeOf(headers.get('content-type')) === 'application/json' ? (JSON.parse(result.body) as unknown) : result.body;
  expect(validator.violations({ method: 'GET', path: resource, status: result.statusCode, headers, body })).toEqual([]);
  return { result, headers, body };
}

describe('GET /openapi.json', () => {
  it('serves the checked-in document as JSON, cacheable', async () => {
    const { result, headers, body } = await call(getOpenApi, '/openapi.json');
    expect(result.statusCode).toBe(200);
    expect(body).toEqual(openApiDocument);
    expect(headers.get('cache-control')).toBe('public, max-age=300');
  });
});

describe('GET /docs', () => {
  it('renders every operation and every schema of the document into one HTML page', async () => {
    const { result, headers, body } = await call(getDocs, '/docs');
    expect(result.statusCode).toBe(200);
    expect(headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = body as string;
    expect(html).toMatch(/^<!doctype html>/);
    for (const [path, item] of Object.entries(openApiDocument.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        expect(html).toContain(`id="op-${operation.operationId}"`);
        expect(html).toContain(`<span class="method ${method}">${method.toUpperCase()}</span> <code>${path}</code>`);
      }
    }
    for (const name of Object.keys(openApiDocument.components.schemas)) expect(html).toContain(`id="schema-${name}"`);
    expect(html).toContain('Needs scope <code>catalog:import</code> via bearerAuth or apiKey');
    expect(html).toContain('<a href="openapi.json">openapi.json</a>');
  });

  it('is self-contained: no script and nothing loaded from elsewhere, with a policy that says so', async () => {
    const { headers, body } = await call(getDocs, '/docs');
    const html = body as string;
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<(link|img|iframe)\b/i);
    expect(html).not.toMatch(/(src|href)="https?:/i);
    expect(headers.get('content-security-policy')).toBe("default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; frame-ancestors 'none'");
    expect(headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('may not be framed by another site', async () => {
    const { headers } = await call(getDocs, '/docs');
    expect(headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(headers.get('x-frame-options')).toBe('DENY');
  });

  it('escapes the document’s text instead of interpreting it', async () => {
    const html = (await call(getDocs, '/docs')).body as string;
    expect(html).toContain('<code>attr.&lt;name&gt;=&lt;value&gt;</code>');
    expect(html).not.toContain('attr.<name>');
  });
});
