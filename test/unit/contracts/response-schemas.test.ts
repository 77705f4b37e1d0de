import { describe, expect, it } from 'vitest';
import { ImportJob, toImportJobView } from '../../../shared/catalog/import/job.js';
import { Category, Product } from '../../../shared/catalog/model.js';
import { sampleCatalog } from '../../../shared/catalog/seed.js';
import { toCategoryTree, toCategoryView, toProductView } from '../../../shared/catalog/views.js';
import { ValidationError } from '../../../shared/errors.js';
import { toProblem } from '../../../shared/http/error-mapper.js';
import { describe as describeErrors, ResponseValidator, type ResponseToCheck } from '../../support/openapi.js';

const validator = new ResponseValidator();
const sample = sampleCatalog();
const at = '2026-03-01T09:30:00.000Z';
const ids = ['01HZY3M8Q6W4B2J5K7N9P1R3T5', '01HZY3M8Q6W4B2J5K7N9P1R3T6', '01HZY3M8Q6W4B2J5K7N9P1R3T7', '01HZY3M8Q6W4B2J5K7N9P1R3T8'];

function storedProduct(index: number, images: Product['images'] = []): Product {
  const { category, ...product } = sample.products[index]!;
  return Product.parse({
    ...product,
    slug: product.slug!,
    ageRestricted: product.ageRestricted ?? product.taxCategory === 'alcohol',
    id: ids[0],
    categoryId: ids[1],
    categoryPath: category,
    images,
    version: 2,
    createdAt: at,
    updatedAt: at,
  });
}

const image: Product['images'][number] = {
  id: ids[2]!,
  contentType: 'image/png',
  key: `products/${ids[0]}/images/${ids[2]}/original.png`,
  status: 'ready',
  width: 1200,
  height: 900,
  thumbnails: { small: { key: `products/${ids[0]}/images/${ids[2]}/200.webp`, width: 200, height: 150 } },
  uploadedAt: at,
};

const json = (body: unknown, status = 200, extra: Record<string, string> = {}): Omit<ResponseToCheck, 'method' | 'path'> => ({
  status,
  headers: new Headers({ 'content-type': 'application/json', ...extra }),
  body,
});

describe('the response schemas accept what the code returns', () => {
  it('every sample product, as GET /products/{id} shows it, with unit prices and image URLs', () => {
    const validate = validator.component('ProductView');
    for (let i = 0; i < sample.products.length; i += 1) {
      const view = toProductView(storedProduct(i, i === 0 ? [image] : []), 'https://media.smartshelf.test/');
      expect(validate(view), `${view.slug}: ${describeErrors(validate.errors)}`).toBe(true);
    }
    expect(toProductView(storedProduct(0, [image]), 'https://media.smartshelf.test/').images[0]?.thumbnails.small?.url).toBe(
      `https://media.smartshelf.test/${image.thumbnails.small!.key}`,
    );
  });

  it('a page of products with and without a next cursor', () => {
    const items = [toProductView(storedProduct(3)), toProductView(storedProduct(4))];
    const path = '/products?limit=2';
    expect(validator.violations({ method: 'GET', path, ...json({ items, nextCursor: 'eyJwayI6IlBST0RVQ1QjMDEifQ' }) })).toEqual([]);
    expect(validator.violations({ method: 'GET', path, ...json({ items, nextCursor: null }) })).toEqual([]);
  });

  it('the category list, flat and nested', () => {
    const categories = sample.categories.slice(0, 3).map((c, i) =>
      toCategoryView(
        Category.parse({
          id: ids[i],
          slug: c.path.split('/').at(-1),
          name: c.name,
          parentId: i === 0 ? null : ids[0],
          path: c.path,
          tags: c.tags,
          attributes: c.attributes,
          createdAt: at,
          updatedAt: at,
        }),
      ),
    );
    expect(validator.violations({ method: 'GET', path: '/categories', ...json({ items: categories }) })).toEqual([]);
    const tree = toCategoryTree(categories);
    expect(tree[0]?.children).toHaveLength(2);
    expect(validator.violations({ method: 'GET', path: '/categories?tree=true', ...json({ items: tree }) })).toEqual([]);
  });

  it('an import job, queued and completed with row errors', () => {
    const job = ImportJob.parse({
      id: ids[3],
      status: 'completed',
      format: 'csv',
      sourceKey: `imports/${ids[3]}/source.csv`,
      sizeBytes: 2048,
      expectedRows: 3,
      createdBy: 'user-1',
      createdAt: at,
      updatedAt: at,
      startedAt: at,
      completedAt: at,
      total: 3,
      created: 1,
      updated: 1,
      unchanged: 0,
      failed: 1,
      errorsStored: 1,
      checkpointRow: 3,
      attempts: 1,
    });
    const view = toImportJobView(job, [{ row: 3, sku: 'IMP-X', field: 'price', message: 'must be whole pence' }]);
    expect(validator.violations({ method: 'GET', path: `/imports/${ids[3]}`, ...json(view) })).toEqual([]);
    const queued = toImportJobView({ ...job, status: 'queued', startedAt: undefined, completedAt: undefined, total: 0, created: 0, updated: 0, failed: 0, errorsStored: 0 }, []);
    expect(
      validator.violations({ method: 'POST', path: '/products/import', ...json(queued, 202, { location: `/imports/${ids[3]}` }) }),
    ).toEqual([]);
  });

  it('a validation problem from the HTTP error mapper', () => {
    const doc = toProblem(new ValidationError([{ field: 'body.name', message: 'Required' }]), 'req-1');
    const check = { method: 'POST', path: '/categories', status: 400, headers: new Headers({ 'content-type': 'application/problem+json' }), body: doc };
    expect(validator.violations(check)).toEqual([]);
  });
});

describe('the response validator', () => {
  const view = () => toProductView(storedProduct(0));
  const get = { method: 'GET', path: `/products/${ids[0]}` };
  const withEtag = (body: unknown, status = 200) => json(body, status, { etag: '"2"' });

  it('passes a response that keeps the contract', () => {
    expect(validator.violations({ ...get, ...withEtag(view()) })).toEqual([]);
  });

  it('reports a body that breaks its schema, naming the field', () => {
    const broken = { ...view(), variants: [{ ...view().variants[0]!, price: { amount: '0.94', currency: 'GBP' } }] };
    const [violation] = validator.violations({ ...get, ...withEtag(broken) });
    expect(violation).toContain('/variants/0/price/amount must be integer');
    expect(validator.violations({ ...get, ...withEtag({ ...view(), secret: 1 }) })[0]).toContain('(secret)');
  });

  it('reports an undeclared status, an undeclared content type and a missing required header', () => {
    expect(validator.violations({ ...get, ...withEtag(view(), 418) })[0]).toContain('status 418 is not declared');
    expect(validator.violations({ ...get, status: 200, headers: new Headers({ 'content-type': 'text/plain', etag: '"2"' }), body: 'hi' })[0]).toContain(
      'content-type text/plain is not declared',
    );
    expect(validator.violations({ ...get, ...json(view()) })).toEqual([`GET /products/{id} → 200: required header ETag is missing`]);
  });

  it('reports an error that is not problem+json, or whose status member disagrees', () => {
    expect(validator.violations({ ...get, ...json({ message: 'Not Found' }, 404) })[0]).toContain('content-type application/json is not declared');
    const problem = toProblem(new ValidationError([{ field: 'path.id', message: 'must be a ULID' }]), 'req-2');
    const mismatched = { ...get, status: 404, headers: new Headers({ 'content-type': 'application/problem+json' }), body: problem };
    expect(validator.violations(mismatched)).toEqual([`GET /products/{id} → 404: the problem's status member does not equal the HTTP status`]);
  });

  it('reports a request to an operation the document lacks', () => {
    expect(validator.violations({ method: 'DELETE', path: `/products/${ids[0]}`, ...json({}) })).toEqual([
      `the document has no operation DELETE /products/${ids[0]}`,
    ]);
  });
});
