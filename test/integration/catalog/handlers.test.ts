import type { APIGatewayProxyEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { handler as createCategoryHandler } from '../../../functions/catalog/create-category.js';
import { handler as createProductHandler } from '../../../functions/catalog/create-product.js';
import { handler as getProductHandler } from '../../../functions/catalog/get-product.js';
import { handler as listCategoriesHandler } from '../../../functions/catalog/list-categories.js';
import { handler as listProductsHandler } from '../../../functions/catalog/list-products.js';
import { handler as updateProductHandler } from '../../../functions/catalog/update-product.js';
import type { Principal } from '../../../shared/auth/principal.js';
import { createProduct } from '../../../shared/catalog/products.js';
import { keys } from '../../../shared/db/keys.js';
import { apiEvent, lambdaContext, type EventInput } from '../../support/lambda.js';
import { testDeps, categoryTree, itemAt, productInput, staff, uniqueSku } from './fixtures.js';

/**
 * The catalog handlers behind the full HTTP stack, against DynamoDB Local. The writes' happy paths
 * are covered through the use-cases (and end to end in test/e2e); here every endpoint meets bad input.
 */

const manager: Principal = { subject: 'manager-1', kind: 'user', roles: ['head-office'], scopes: ['catalog:write', 'catalog:import'], stores: ['*'] };
const shopper: Principal = { subject: 'shopper-1', kind: 'user', roles: ['shopper'], scopes: ['cart:write'], stores: [] };

type Handler = (event: APIGatewayProxyEvent, context: ReturnType<typeof lambdaContext>) => Promise<{ statusCode: number; headers?: Record<string, unknown>; body: string }>;

async function call(handler: unknown, input: EventInput) {
  const response = await (handler as Handler)(apiEvent(input), lambdaContext());
  return { status: response.statusCode, headers: response.headers ?? {}, json: response.body ? JSON.parse(response.body) : undefined };
}

const json = { 'Content-Type': 'application/json' };
const fieldsOf = (problem: { errors?: { field: string }[] }) => (problem.errors ?? []).map((e) => e.field).sort();
const messageOf = (problem: { errors?: { field: string; message: string }[] }, field: string) =>
  problem.errors?.find((e) => e.field === field)?.message;

interface WriteRoute {
  name: string;
  handler: unknown;
  method: string;
  resource: string;
  pathParameters?: Record<string, string>;
  valid: () => Promise<unknown>;
}

const missingId = '01JZZZZZZZZZZZZZZZZZZZZZZZ';
const writeRoutes: WriteRoute[] = [
  {
    name: 'POST /categories',
    handler: createCategoryHandler,
    method: 'POST',
    resource: '/categories',
    valid: async () => ({ slug: 'never-created', name: 'Never created' }),
  },
  {
    name: 'POST /products',
    handler: createProductHandler,
    method: 'POST',
    resource: '/products',
    valid: async () => productInput(missingId, [uniqueSku('H')]),
  },
  {
    name: 'PATCH /products/{id}',
    handler: updateProductHandler,
    method: 'PATCH',
    resource: '/products/{id}',
    pathParameters: { id: missingId },
    valid: async () => ({ version: 1, name: 'Renamed' }),
  },
];

describe.each(writeRoutes)('$name with bad requests', (route) => {
  const send = async (body: string | null, extra: Partial<EventInput> = {}) =>
    call(route.handler, {
      method: route.method,
      resource: route.resource,
      ...(route.pathParameters ? { pathParameters: route.pathParameters } : {}),
      headers: json,
      body,
      principal: manager,
      ...extra,
    });

  it('answers 401 without credentials', async () => {
    const res = await send(JSON.stringify(await route.valid()), { principal: undefined });
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toBe('application/problem+json');
  });

  it('answers 403 naming catalog:write when the caller lacks it', async () => {
    const res = await send(JSON.stringify(await route.valid()), { principal: shopper });
    expect(res.status).toBe(403);
    expect(res.json.requiredScope).toBe('catalog:write');
  });

  it('answers 415 for a body that is not JSON by content type', async () => {
    const res = await send(JSON.stringify(await route.valid()), { headers: { 'Content-Type': 'text/plain' } });
    expect(res.status).toBe(415);
  });

  it('answers 400 malformed-json for a body that does not parse', async () => {
    const res = await send('{"name": "Beans",');
    expect(res.status).toBe(400);
    expect(res.json.type).toBe('https://smartshelf.dev/problems/malformed-json');
  });

  it('answers 400 listing each unknown field', async () => {
    const res = await send(JSON.stringify({ ...((await route.valid()) as object), colour: 'red', isFeatured: true }));
    expect(res.status).toBe(400);
    expect(res.json.errors).toContainEqual({ field: 'body', message: 'unknown fields: colour, isFeatured' });
  });

  it('answers 400 naming every field of the wrong type', async () => {
    const res = await send(JSON.stringify({ ...((await route.valid()) as object), name: 42, slug: ['x'] }));
    expect(res.status).toBe(400);
    expect(fieldsOf(res.json)).toEqual(expect.arrayContaining(['body.name', 'body.slug']));
  });
});

describe('GET /categories', () => {
  it('lists categories, nested with ?tree=true', async () => {
    const deps = testDeps();
    const { root, fruit } = await categoryTree(deps);
    const res = await call(listCategoriesHandler, { method: 'GET', resource: '/categories', query: { tree: 'true' } });
    expect(res.status).toBe(200);
    const node = res.json.items.find((c: { id: string }) => c.id === root.id);
    expect(node.children.map((c: { id: string }) => c.id)).toContain(fruit.id);
  });

  it('refuses unknown and ill-typed query parameters with 400', async () => {
    const res = await call(listCategoriesHandler, { method: 'GET', resource: '/categories', query: { tree: 'yes', depth: '2' } });
    expect(res.status).toBe(400);
    expect(fieldsOf(res.json)).toEqual(['query', 'query.tree']);
    expect(messageOf(res.json, 'query')).toBe('unknown field: depth');
  });
});

describe('GET /products', () => {
  it('lists products in a category as a page with a next cursor', async () => {
    const deps = testDeps();
    const { fruit } = await categoryTree(deps);
    await createProduct(productInput(fruit.id, [uniqueSku('P')]), staff, deps);
    await createProduct(productInput(fruit.id, [uniqueSku('P')]), staff, deps);
    const res = await call(listProductsHandler, { method: 'GET', resource: '/products', query: { category: fruit.id, limit: '1' } });
    expect(res.status).toBe(200);
    expect(res.json.items).toHaveLength(1);
    expect(res.json.items[0].variants[0].unitPrice).toEqual({ amount: 300, currency: 'GBP', per: 'kg' });
    const next = await call(listProductsHandler, {
      method: 'GET',
      resource: '/products',
      query: { category: fruit.id, limit: '1', cursor: res.json.nextCursor },
    });
    expect(next.json.items[0].id).not.toBe(res.json.items[0].id);
  });

  it('refuses ill-typed, out-of-range and unknown parameters with 400 naming each', async () => {
    const res = await call(listProductsHandler, {
      method: 'GET',
      resource: '/products',
      query: { limit: '500', status: 'deleted', category: 'fruit', sort: 'price', 'attr.Bad-Name': 'x' },
    });
    expect(res.status).toBe(400);
    expect(fieldsOf(res.json)).toEqual(['query', 'query.attr.Bad-Name', 'query.category', 'query.limit', 'query.status']);
    expect(messageOf(res.json, 'query')).toBe('unknown field: sort');
  });

  it('refuses a tampered cursor with 400', async () => {
    const forged = Buffer.from(JSON.stringify({ pk: 'IMPORT#1', sk: 'IMPORT', gsi1pk: 'PRODUCTS', gsi1sk: 'x' })).toString('base64url');
    const res = await call(listProductsHandler, { method: 'GET', resource: '/products', query: { cursor: forged } });
    expect(res.status).toBe(400);
    expect(fieldsOf(res.json)).toEqual(['query.cursor']);
  });
});

describe('GET /products/{id}', () => {
  it('returns the product with its ETag', async () => {
    const deps = testDeps();
    const { fruit } = await categoryTree(deps);
    const product = await createProduct(productInput(fruit.id, [uniqueSku('G')]), staff, deps);
    const res = await call(getProductHandler, { method: 'GET', resource: '/products/{id}', pathParameters: { id: product.id } });
    expect(res.status).toBe(200);
    expect(res.headers.etag).toBe('"1"');
    expect(res.json.id).toBe(product.id);
  });

  it('answers 404 as a problem for a product that does not exist', async () => {
    const res = await call(getProductHandler, { method: 'GET', resource: '/products/{id}', pathParameters: { id: missingId } });
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toBe('application/problem+json');
  });

  it('answers 400 for an id that is not a ULID', async () => {
    const res = await call(getProductHandler, { method: 'GET', resource: '/products/{id}', pathParameters: { id: 'beans' } });
    expect(res.status).toBe(400);
    expect(fieldsOf(res.json)).toEqual(['path.id']);
  });
});

describe('POST /products validation through the handler', () => {
  it('names nested unknown and ill-typed fields of variants', async () => {
    const deps = testDeps();
    const { fruit } = await categoryTree(deps);
    const body = productInput(fruit.id, [uniqueSku('N')]);
    const variant = { ...(body.variants[0] as object), colour: 'red', price: { amount: 1.5, currency: 'gbp' } };
    const res = await call(createProductHandler, {
      method: 'POST',
      resource: '/products',
      headers: json,
      body: JSON.stringify({ ...body, variants: [variant] }),
      principal: manager,
    });
    expect(res.status).toBe(400);
    expect(fieldsOf(res.json)).toEqual(['body.variants.0', 'body.variants.0.price.amount', 'body.variants.0.price.currency']);
    expect(messageOf(res.json, 'body.variants.0')).toBe('unknown field: colour');
  });

  it('answers 409 sku-taken as a problem naming the SKU', async () => {
    const deps = testDeps();
    const { fruit } = await categoryTree(deps);
    const sku = uniqueSku('TAKEN');
    await createProduct(productInput(fruit.id, [sku]), staff, deps);
    const res = await call(createProductHandler, {
      method: 'POST',
      resource: '/products',
      headers: json,
      body: JSON.stringify(productInput(fruit.id, [sku])),
      principal: manager,
    });
    expect(res.status).toBe(409);
    expect(res.json.type).toBe('https://smartshelf.dev/problems/sku-taken');
    expect(res.json.skus).toEqual([sku]);
  });
});

describe('PATCH /products/{id} through the handler', () => {
  it('answers 409 for a stale If-Match and leaves the product unchanged', async () => {
    const deps = testDeps();
    const { fruit } = await categoryTree(deps);
    const product = await createProduct(productInput(fruit.id, [uniqueSku('V')]), staff, deps);
    const before = await itemAt(keys.product(product.id));
    const res = await call(updateProductHandler, {
      method: 'PATCH',
      resource: '/products/{id}',
      pathParameters: { id: product.id },
      headers: { 'Content-Type': 'application/merge-patch+json', 'If-Match': '"7"' },
      body: JSON.stringify({ name: 'Stale' }),
      principal: manager,
    });
    expect(res.status).toBe(409);
    expect(res.json.currentVersion).toBe(1);
    expect(await itemAt(keys.product(product.id))).toEqual(before);
  });

  it('answers 400 for an id that is not a ULID alongside body errors', async () => {
    const res = await call(updateProductHandler, {
      method: 'PATCH',
      resource: '/products/{id}',
      pathParameters: { id: 'nope' },
      headers: json,
      body: JSON.stringify({ version: 0 }),
      principal: manager,
    });
    expect(res.status).toBe(400);
    expect(fieldsOf(res.json)).toEqual(['body', 'body.version', 'path.id']);
  });
});
