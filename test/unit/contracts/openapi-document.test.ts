import SwaggerParser from '@apidevtools/swagger-parser';
import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../../../integration-files/openapi/build-openapi.js';
import { DEFAULT_MAX_BODY_BYTES, routes } from '../../../wiring/index.js';
import { sampleCatalog } from '../../../shared/catalog/seed.js';
import { CreateProductRequest, UpdateProductRequest } from '../../../shared/catalog/requests.js';
import { describe as describeErrors, findOperation, openApiDocument, ResponseValidator } from '../../support/openapi.js';

const doc = openApiDocument;
const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
  Object.entries(item).map(([method, operation]) => ({ key: `${method.toUpperCase()} ${path}`, path, method, operation })),
);
const routeOf = (key: string) => routes.find((r) => `${r.method} ${r.path}` === key)!;

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3.1', async () => {
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeDefined();
    expect(doc.openapi).toMatch(/^3\.1\./);
  });

  it('is what the code generates (regenerate with `npx tsx integration-files/openapi/write-openapi.ts`)', () => {
    expect(doc).toEqual(buildOpenApiDocument());
  });

  it('describes exactly the routes of the wiring, and no /local route', () => {
    expect(operations.map((o) => o.key).sort()).toEqual(routes.map((r) => `${r.method} ${r.path}`).sort());
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/local'))).toEqual([]);
  });

  it('secures each operation with the scope its route demands, by bearer token or API key', () => {
    for (const { key, operation } of operations) {
      const route = routeOf(key);
      if (route.auth.kind === 'public') {
        expect(operation.security, key).toBeUndefined();
        // Stripe's, billing's and the courier's webhooks carry their own credential, a signature, and the console's session
        // routes read the session cookie themselves (a sign-in's identity provider may refuse it), so a wrong one is a 401 without any scheme.
        const ownCredential = ['POST /webhooks/payments', 'POST /webhooks/billing', 'POST /webhooks/orders', 'POST /auth/session', 'GET /auth/session', 'POST /auth/session/refresh', 'DELETE /auth/session'];
        if (!ownCredential.includes(key)) expect(Object.keys(operation.responses), key).not.toContain('401');
      } else {
        expect(operation.security, key).toEqual([{ bearerAuth: [route.auth.scope] }, { apiKey: [route.auth.scope] }, { sessionCookie: [route.auth.scope] }]);
        expect(Object.keys(operation.responses), key).toEqual(expect.arrayContaining(['401', '403']));
      }
    }
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['apiKey', 'bearerAuth', 'sessionCookie']);
    expect(doc.components.securitySchemes.sessionCookie).toMatchObject({ type: 'apiKey', in: 'cookie', name: '__Host-smartshelf-session' });
    expect(doc.components.securitySchemes.apiKey).toMatchObject({ type: 'apiKey', in: 'header', name: 'x-api-key' });
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  });

  it('answers every error with an RFC 9457 problem', () => {
    for (const { key, operation } of operations) {
      const errors = Object.entries(operation.responses).filter(([status]) => /^[45]/.test(status));
      expect(errors.map(([status]) => status), key).toEqual(expect.arrayContaining(['429', '5XX']));
      expect(errors.length, key).toBeGreaterThan(0);
      for (const [status, response] of errors) {
        const name = (response as { $ref: string }).$ref.split('/').at(-1)!;
        expect(doc.components.responses[name]?.content, `${key} ${status}`).toEqual({
          'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } },
        });
      }
    }
    const problem = doc.components.schemas.Problem!;
    expect(problem.required).toEqual(['type', 'title', 'status', 'detail', 'instance']);
    expect(problem.properties).toMatchObject({
      errors: { type: 'array', items: { $ref: '#/components/schemas/FieldError' } },
    });
  });

  it('states the body limit of every operation that takes a body, and that it answers 413 and 415', () => {
    for (const { key, operation } of operations.filter((o) => o.operation.requestBody)) {
      expect(operation['x-smartshelf-max-body-bytes'], key).toBe(routeOf(key).maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
      expect(Object.keys(operation.responses), key).toEqual(expect.arrayContaining(['400', '413', '415']));
    }
  });

  it('names the media types each body may be sent as', () => {
    const bodies = Object.fromEntries(operations.filter((o) => o.operation.requestBody).map((o) => [o.key, Object.keys(o.operation.requestBody!.content).sort()]));
    expect(bodies).toEqual({
      'POST /categories': ['application/json'],
      'POST /auth/session': ['application/json'],
      'POST /products': ['application/json'],
      'PATCH /products/{id}': ['application/json', 'application/merge-patch+json'],
      'PATCH /categories/{id}': ['application/json'],
      'POST /products/import': ['application/json', 'application/x-ndjson', 'text/csv'],
      'POST /imports': ['application/json'],
      'POST /products/{id}/images': ['multipart/form-data'],
      'POST /promotions': ['application/json'],
      'PATCH /promotions/{id}': ['application/json', 'application/merge-patch+json'],
      'PUT /tax-rates': ['application/json'],
      'POST /carts': ['application/json'],
      'POST /carts/{id}/lines': ['application/json'],
      'PATCH /carts/{id}/lines/{lineId}': ['application/json'],
      'POST /carts/{id}/coupons': ['application/json'],
      'PUT /carts/{id}/loyalty': ['application/json'],
      'PUT /carts/{id}/fulfillment': ['application/json'],
      'POST /inventory/adjustments': ['application/json'],
      'POST /webhooks/payments': ['application/json'],
      'POST /customers/{shopperId}/exports': ['application/json'],
      'POST /customers/{shopperId}/erasure': ['application/json'],
      'POST /checkout': ['application/json'],
      'POST /orders': ['application/json'],
      'POST /orders/{id}/pick': ['application/json'],
      'POST /orders/{id}/substitutions/{lineId}': ['application/json'],
      'POST /orders/{id}/cancel': ['application/json'],
      'POST /orders/{id}/pack': ['application/json'],
      'POST /orders/{id}/shipments': ['application/json'],
      'POST /orders/{id}/shipments/{shipmentId}/events': ['application/json'],
      'POST /orders/{id}/collection': ['application/json'],
      'POST /orders/{id}/collection/handover': ['application/json'],
      'POST /orders/{id}/refunds': ['application/json'],
      'POST /orders/{id}/returns': ['application/json'],
      'POST /orders/{id}/returns/{returnId}/receive': ['application/json'],
      'POST /orders/{id}/returns/{returnId}/inspect': ['application/json'],
      'POST /webhooks/billing': ['application/json'],
      'POST /subscriptions': ['application/json'],
      'PATCH /me': ['application/json', 'application/merge-patch+json'],
      'POST /webhooks/orders': ['application/json'],
      'POST /me/lists': ['application/json'],
      'PATCH /me/lists/{id}': ['application/json'],
      'POST /carts/{id}/reorder': ['application/json'],
      'POST /me/addresses': ['application/json'],
      'PATCH /me/addresses/{id}': ['application/json', 'application/merge-patch+json'],
      'POST /api-keys': ['application/json'],
      'POST /api-keys/{id}/rotate': ['application/json'],
      'PUT /staff/{subject}/roles': ['application/json'],
      'POST /webhook-endpoints': ['application/json'],
      'PATCH /webhook-endpoints/{id}': ['application/json', 'application/merge-patch+json'],
      'POST /webhook-endpoints/{id}/rotate-secret': ['application/json'],
      'POST /webhook-endpoints/{id}/replay': ['application/json'],
    });
  });

  it('promises a Location for accepted work and created products, and an ETag wherever a product is returned', () => {
    const headersOf = (key: string, status: number) => {
      const response = operations.find((o) => o.key === key)!.operation.responses[status] as { headers?: Record<string, unknown> };
      return Object.keys(response.headers ?? {}).sort();
    };
    expect(headersOf('POST /products', 201)).toEqual(['ETag', 'Location']);
    expect(headersOf('GET /products/{id}', 200)).toEqual(['ETag']);
    expect(headersOf('PATCH /products/{id}', 200)).toEqual(['ETag']);
    expect(headersOf('POST /products/import', 202)).toEqual(['Location']);
    expect(headersOf('POST /imports', 201)).toEqual(['Location']);
    expect(headersOf('POST /imports/{id}/start', 202)).toEqual(['Location']);
    expect(headersOf('POST /products/{id}/images', 202)).toEqual(['Location']);
    expect(headersOf('POST /me/lists', 201)).toEqual(['Location']);
  });
});

describe('the request schemas in the document', () => {
  const validator = new ResponseValidator();
  const products = sampleCatalog().products;
  const createBody = ({ category: _category, ...product }: (typeof products)[number]) => ({ ...product, categoryId: '01HZY3M8Q6W4B2J5K7N9P1R3T5' });

  it('accept every sample product as a create request, as the handler’s zod schema does', () => {
    const validate = validator.component('CreateProductRequest');
    for (const product of products) {
      const body = createBody(product);
      expect(validate(body), `${product.slug}: ${describeErrors(validate.errors)}`).toBe(true);
      expect(CreateProductRequest.safeParse(body).success, product.slug).toBe(true);
    }
  });

  it('refuse what the zod schemas refuse: unknown fields, a pack without its size, fractional pence', () => {
    const validate = validator.component('CreateProductRequest');
    const base = createBody(products.find((p) => p.variants.some((v) => v.soldBy === 'pack'))!);
    const packIndex = base.variants.findIndex((v) => v.soldBy === 'pack');
    const { packSize: _packSize, ...packWithoutSize } = base.variants[packIndex]!;
    const broken = [
      { ...base, colour: 'red' },
      { ...base, variants: base.variants.map((v, i) => (i === packIndex ? packWithoutSize : v)) },
      { ...base, variants: [{ ...base.variants[0]!, price: { amount: 1.5, currency: 'GBP' } }] },
      { ...base, taxCategory: 'groceries' },
    ];
    for (const body of broken) {
      expect(validate(body)).toBe(false);
      expect(CreateProductRequest.safeParse(body).success).toBe(false);
    }
  });

  it('take a merge patch with nulls for removals, as the update handler does', () => {
    const validate = validator.component('UpdateProductRequest');
    const patch = { version: 3, brand: null, attributes: { organic: null, origin: 'Spain' }, variants: products[0]!.variants };
    expect(validate(patch), describeErrors(validate.errors)).toBe(true);
    expect(UpdateProductRequest.safeParse(patch).success).toBe(true);
    expect(validate({ version: 3, price: 100 })).toBe(false);
  });
});

describe('findOperation', () => {
  it('routes a path to its template, preferring literal segments over parameters', () => {
    expect(findOperation('POST', '/products/import')?.template).toBe('/products/import');
    expect(findOperation('GET', '/products/01HZY3M8Q6W4B2J5K7N9P1R3T5?x=1')).toMatchObject({
      template: '/products/{id}',
      pathParameters: { id: '01HZY3M8Q6W4B2J5K7N9P1R3T5' },
    });
    expect(findOperation('POST', '/products/01HZY3M8Q6W4B2J5K7N9P1R3T5/images')?.template).toBe('/products/{id}/images');
  });

  it('finds nothing for a method or path the document does not have', () => {
    expect(findOperation('DELETE', '/products/01HZY3M8Q6W4B2J5K7N9P1R3T5')).toBeUndefined();
    expect(findOperation('GET', '/local/tokens')).toBeUndefined();
    expect(findOperation('GET', '/products/a/b/c')).toBeUndefined();
  });
});
