import sharp from 'sharp';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { COLUMNS } from '../../shared/catalog/import/columns.js';
import { sampleCatalog } from '../../shared/catalog/seed.js';
import type { CategoryNode, CategoryView, ImageView, ProductView } from '../../shared/catalog/views.js';
import { ApiClient } from '../support/api-client.js';
import { openApiDocument } from '../support/openapi.js';
import { eventually, problem } from '../support/e2e.js';

/**
 * The catalog end to end, over HTTP against the local platform, through the contract-checking
 * client: every response here, good or bad, is also checked against the OpenAPI document.
 */

interface ProductPage {
  items: ProductView[];
  nextCursor: string | null;
}
interface ImportJob {
  id: string;
  status: 'queued' | 'running' | 'completed' | 'failed';
  counts: { total: number; created: number; updated: number; unchanged: number; failed: number };
  errors: { row: number; sku?: string; field: string; message: string }[];
}

const sample = sampleCatalog();
const run = Date.now().toString(36).toUpperCase();
const api = new ApiClient(inject('baseUrl'));
let admin: ApiClient;
let shopper: ApiClient;
let categoryIds: Map<string, string>;

async function allPages(query: string): Promise<{ pages: ProductPage[]; items: ProductView[] }> {
  const pages: ProductPage[] = [];
  let cursor: string | null = null;
  do {
    const suffix: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const { body } = await api.get<ProductPage>(`/products?${query}${suffix}`);
    pages.push(body);
    cursor = body.nextCursor;
  } while (cursor);
  return { pages, items: pages.flatMap((p) => p.items) };
}

async function productBySku(sku: string, categoryPath: string): Promise<ProductView | undefined> {
  const { items } = await allPages(`category=${categoryIds.get(categoryPath)}&limit=100`);
  return items.find((p) => p.variants.some((v) => v.sku === sku));
}

const csv = (rows: Record<string, string | number>[], columns: readonly string[] = COLUMNS) =>
  [columns.join(','), ...rows.map((row) => columns.map((c) => String(row[c] ?? '')).join(','))].join('\n') + '\n';

async function png(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 30, g: 140, b: 80 } } })
    .png()
    .toBuffer();
}

function upload(content: Buffer, type: string, name: string, field = 'file'): FormData {
  const form = new FormData();
  form.append(field, new Blob([new Uint8Array(content)], { type }), name);
  return form;
}

beforeAll(async () => {
  admin = api.as({ token: await api.mintToken(`e2e-admin-${run}`, ['admin']) });
  shopper = api.as({ token: await api.mintToken(`e2e-shopper-${run}`, ['shopper']) });
  const { body } = await api.get<{ items: CategoryView[] }>('/categories');
  categoryIds = new Map(body.items.map((c) => [c.path, c.id]));
});

describe('the seeded catalog', () => {
  it('lists every sample category with its parent and depth, flat and as a tree', async () => {
    const { body } = await api.get<{ items: CategoryView[] }>('/categories');
    const byPath = new Map(body.items.map((c) => [c.path, c]));
    for (const category of sample.categories) {
      const listed = byPath.get(category.path);
      expect(listed, category.path).toBeDefined();
      const parent = category.path.split('/').slice(0, -1).join('/');
      expect(listed!.parentId).toBe(parent ? byPath.get(parent)!.id : null);
      expect(listed!.depth).toBe(category.path.split('/').length - 1);
    }
    const tree = (await api.get<{ items: CategoryNode[] }>('/categories?tree=true')).body.items;
    const drinks = tree.find((c) => c.path === 'drinks')!;
    expect(drinks.children.map((c) => c.path)).toEqual(expect.arrayContaining(['drinks/soft-drinks', 'drinks/beer-wine']));
    expect(drinks.children.find((c) => c.path === 'drinks/beer-wine')!.children.map((c) => c.slug)).toEqual(['beer-cider', 'spirits', 'wine']);
  });

  it('lists a category with its descendants’ products, page by page, each product once', async () => {
    const { pages, items } = await allPages(`category=${categoryIds.get('drinks')}&limit=7`);
    expect(pages.length).toBeGreaterThan(3);
    for (const page of pages) expect(page.items.length).toBeLessThanOrEqual(7);
    expect(pages.at(-1)!.nextCursor).toBeNull();
    expect(new Set(items.map((p) => p.id)).size).toBe(items.length);
    expect(items.every((p) => p.categoryPath === 'drinks' || p.categoryPath.startsWith('drinks/'))).toBe(true);
    const expected = sample.products.filter((p) => p.category.startsWith('drinks/')).map((p) => p.slug);
    expect(items.map((p) => p.slug)).toEqual(expect.arrayContaining(expected));
    expect(items.map((p) => p.categoryPath)).toEqual([...items.map((p) => p.categoryPath)].sort());
  });

  it('filters by attribute and tag', async () => {
    const { items } = await allPages(`category=${categoryIds.get('drinks/beer-wine')}&attr.style=red&limit=50`);
    expect(items.map((p) => p.slug).sort()).toEqual(
      sample.products.filter((p) => p.attributes.style === 'red').map((p) => p.slug).sort(),
    );
    expect(items.every((p) => p.ageRestricted && p.taxCategory === 'alcohol')).toBe(true);
    const refills = (await allPages('tag=refill&limit=100')).items;
    expect(refills.map((p) => p.slug).sort()).toEqual(['refill-washing-up-liquid', 'refill-wholewheat-fusilli']);
    expect(refills.map((p) => p.variants[0]!.unitPrice.per).sort()).toEqual(['kg', 'l']);
  });

  it('shows one product with unit prices and its ETag', async () => {
    const cola = (await productBySku('DR-COCA-COLA-ORIGINAL-TASTE-8PK', 'drinks/soft-drinks'))!;
    const { body, headers } = await api.get<ProductView>(`/products/${cola.id}`);
    expect(headers.get('etag')).toBe(`"${body.version}"`);
    expect(body.variants.find((v) => v.sku === 'DR-COCA-COLA-ORIGINAL-TASTE-8PK')).toMatchObject({
      soldBy: 'pack',
      packSize: 8,
      price: { amount: 550, currency: 'GBP' },
      unitPrice: { amount: 208, currency: 'GBP', per: 'l' },
    });
    const bananas = (await productBySku('FP-BANANAS-KG', 'fresh-produce/fruit'))!;
    expect(bananas.variants[0]).toMatchObject({ soldBy: 'weight', averageWeightGrams: 180, unitPrice: { amount: 94, per: 'kg' } });
  });
});

describe('an admin', () => {
  const slug = `e2e-${run.toLowerCase()}`;
  const sku = `E2E-${run}-JAM-340G`;
  let category: CategoryView;
  let product: ProductView;

  it('creates a category under an existing one', async () => {
    const response = await admin.post<CategoryView>('/categories', {
      slug,
      name: 'Jams & Spreads',
      parentId: categoryIds.get('pantry'),
      tags: ['breakfast'],
      attributes: [{ name: 'fruitContent', type: 'number' }],
    });
    expect(response.status).toBe(201);
    category = response.body;
    expect(category).toMatchObject({ path: `pantry/${slug}`, parentId: categoryIds.get('pantry'), depth: 1 });
    categoryIds.set(category.path, category.id);
    const listed = (await api.get<{ items: CategoryView[] }>('/categories')).body.items;
    expect(listed.find((c) => c.id === category.id)).toEqual(category);
  });

  it('creates a product in it, readable at its Location', async () => {
    const response = await admin.post<ProductView>('/products', {
      name: 'Bonne Maman Strawberry Conserve',
      brand: 'Bonne Maman',
      description: 'Made with 50% fruit.',
      categoryId: category.id,
      attributes: { vegan: true, vegetarian: true, fruitContent: 50, storage: 'ambient' },
      taxCategory: 'food',
      variants: [{ sku, name: '370g', soldBy: 'each', price: { amount: 265, currency: 'GBP' }, netContent: { quantity: 370, unit: 'g' } }],
    });
    expect(response.status).toBe(201);
    product = response.body;
    expect(product).toMatchObject({ slug: 'bonne-maman-strawberry-conserve', categoryPath: category.path, version: 1, ageRestricted: false });
    expect(product.variants[0]!.unitPrice).toEqual({ amount: 716, currency: 'GBP', per: 'kg' });
    const location = response.headers.get('location')!;
    expect(location).toBe(`/products/${product.id}`);
    expect((await api.get<ProductView>(location)).body).toEqual(product);
  });

  it('changes the price with If-Match, and a stale If-Match changes nothing', async () => {
    const { unitPrice: _derived, ...variant } = product.variants[0]!;
    const patch = { variants: [{ ...variant, price: { amount: 299, currency: 'GBP' } }] };
    const changed = await admin.patch<ProductView>(`/products/${product.id}`, patch, { headers: { 'if-match': '"1"' } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).toBe('"2"');
    expect(changed.body.variants[0]).toMatchObject({ price: { amount: 299 }, unitPrice: { amount: 808, per: 'kg' } });

    const stale = await problem(admin.patch(`/products/${product.id}`, { name: 'Renamed' }, { headers: { 'if-match': '"1"' } }), 409);
    expect(stale).toMatchObject({ currentVersion: 2, expectedVersion: 1 });
    const reread = (await api.get<ProductView>(`/products/${product.id}`)).body;
    expect(reread).toMatchObject({ name: 'Bonne Maman Strawberry Conserve', version: 2 });
    product = reread;
  });

  it('imports a small CSV: good rows become products, a bad row is reported by number', async () => {
    const row = (n: number, price: string | number) => ({
      product_slug: `e2e-marmalade-${run.toLowerCase()}-${n}`,
      product_name: `Thick Cut Marmalade ${n}`,
      category_path: category.path,
      attributes: 'vegan=true|fruitContent=35',
      tax_category: 'food',
      sku: `E2E-${run}-MARM-${n}`,
      variant_name: '454g',
      sold_by: 'each',
      price,
      currency: 'GBP',
      net_quantity: 454,
      net_unit: 'g',
    });
    const accepted = await admin.post<ImportJob>('/products/import', csv([row(1, 189), row(2, '1.89'), row(3, 210)]), { contentType: 'text/csv' });
    expect(accepted.status).toBe(202);
    expect(accepted.body).toMatchObject({ status: 'queued', format: 'csv' });
    const location = accepted.headers.get('location')!;
    expect(location).toBe(`/imports/${accepted.body.id}`);

    const done = await eventually('the import to finish', async () => {
      const { body } = await admin.get<ImportJob>(location);
      return body.status === 'completed' || body.status === 'failed' ? body : undefined;
    });
    expect(done.status).toBe('completed');
    expect(done.counts).toEqual({ total: 3, created: 2, updated: 0, unchanged: 0, failed: 1 });
    expect(done.errors).toEqual([expect.objectContaining({ row: 3, sku: `E2E-${run}-MARM-2`, field: 'price' })]);
    expect(await productBySku(`E2E-${run}-MARM-1`, category.path)).toMatchObject({ variants: [{ price: { amount: 189 } }] });
    expect(await productBySku(`E2E-${run}-MARM-2`, category.path)).toBeUndefined();
  });

  it('can also act through an integration API key instead of a bearer token', async () => {
    const integration = api.as({ apiKey: inject('adminApiKey') });
    const response = await integration.post<CategoryView>('/categories', { slug: `${slug}-by-key`, name: 'Made by key', parentId: category.id });
    expect(response.status).toBe(201);
    expect(response.body.path).toBe(`${category.path}/${slug}-by-key`);
    await problem(api.as({ apiKey: 'ssk_not-a-real-key' }).post('/categories', { slug: `${slug}-bad-key`, name: 'Nope' }), 401);
  });

  it('uploads a PNG whose thumbnails appear on the product and are served as images', async () => {
    const original = await png(1200, 900);
    const response = await admin.post<ImageView>(`/products/${product.id}/images`, upload(original, 'image/png', 'jam.png'));
    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({ contentType: 'image/png', status: 'processing' });

    const image = await eventually('thumbnails', async () => {
      const { body } = await api.get<ProductView>(`/products/${product.id}`);
      const found = body.images.find((i) => i.id === response.body.id);
      return found && found.status === 'ready' && Object.keys(found.thumbnails).length > 0 ? found : undefined;
    });
    const [thumbnail] = Object.values(image.thumbnails);
    const served = await fetch(thumbnail!.url);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toMatch(/^image\//);
    const metadata = await sharp(Buffer.from(await served.arrayBuffer())).metadata();
    expect([metadata.width, metadata.height]).toEqual([thumbnail!.width, thumbnail!.height]);
    expect(metadata.width).toBeLessThan(1200);
    expect((await fetch(image.url)).status).toBe(200);
  });
});

describe('bad input gets a clear 4xx and changes nothing', () => {
  const ghost = '01HZY3M8Q6W4B2J5K7N9P1R3T5';
  let target: ProductView;

  beforeAll(async () => {
    target = (await productBySku('PN-HEINZ-BAKED-BEANZ-415G', 'pantry/tins'))!;
  });

  const unchanged = async () => {
    const { body } = await api.get<ProductView>(`/products/${target.id}`);
    expect(body).toEqual(target);
  };

  it('listing and reading: bad parameters are 400 naming the field, an unknown product is 404', async () => {
    expect((await problem(api.get('/categories?tree=maybe'), 400)).errors).toEqual([expect.objectContaining({ field: 'query.tree' })]);
    expect((await problem(api.get('/products?limit=0'), 400)).errors).toEqual([expect.objectContaining({ field: 'query.limit' })]);
    expect((await problem(api.get('/products?colour=red'), 400)).errors![0]!.message).toContain('colour');
    expect((await problem(api.get('/products?cursor=not-a-cursor'), 400)).errors).toEqual([expect.objectContaining({ field: 'query.cursor' })]);
    expect((await problem(api.get(`/products?category=${ghost}`), 400)).errors).toEqual([expect.objectContaining({ field: 'query.category' })]);
    expect((await problem(api.get('/products/not-a-ulid'), 400)).errors).toEqual([expect.objectContaining({ field: 'path.id' })]);
    expect((await problem(api.get(`/products/${ghost}`), 404)).detail).toContain(ghost);
    expect(await problem(admin.get(`/imports/${ghost}`), 404)).toMatchObject({ status: 404 });
  });

  it('creating a category: 401 without credentials, 403 without the scope, 400 for wrong types and unknown fields', async () => {
    const before = (await api.get<{ items: CategoryView[] }>('/categories')).body.items;
    const good = { slug: `e2e-nope-${run.toLowerCase()}`, name: 'Nope' };
    await problem(api.post('/categories', good), 401);
    expect(await problem(shopper.post('/categories', good), 403)).toMatchObject({ requiredScope: 'catalog:write' });
    const typed = await problem(admin.post('/categories', { slug: 'Not A Slug', name: 7, parentId: 'x' }), 400);
    expect(typed.errors!.map((e) => e.field).sort()).toEqual(['body.name', 'body.parentId', 'body.slug']);
    expect((await problem(admin.post('/categories', { ...good, colour: 'red' }), 400)).errors![0]!.message).toBe('unknown field: colour');
    await problem(admin.post('/categories', { ...good, parentId: ghost }), 400);
    expect((await api.get<{ items: CategoryView[] }>('/categories')).body.items).toEqual(before);
  });

  it('creating a product: 400 for wrong types, 409 for a taken SKU, 413 when oversized, 415 for the wrong media type', async () => {
    const body = {
      name: 'Nope Beans',
      categoryId: categoryIds.get('pantry/tins'),
      taxCategory: 'food',
      variants: [{ sku: `E2E-${run}-NOPE`, name: '415g', soldBy: 'pack', price: { amount: '1.20', currency: 'GBP' } }],
    };
    expect((await problem(admin.post('/products', body), 400)).errors).toEqual([expect.objectContaining({ field: 'body.variants.0.price.amount' })]);
    const unsized = { ...body, variants: [{ ...body.variants[0]!, price: { amount: 120, currency: 'GBP' } }] };
    expect((await problem(admin.post('/products', unsized), 400)).errors).toEqual([
      { field: 'body.variants.0.packSize', message: 'is required when soldBy is pack' },
    ]);
    const taken = { ...body, variants: [{ ...body.variants[0]!, soldBy: 'each', price: { amount: 120, currency: 'GBP' }, sku: 'PN-HEINZ-BAKED-BEANZ-415G' }] };
    expect(await problem(admin.post('/products', taken), 409)).toMatchObject({ skus: ['PN-HEINZ-BAKED-BEANZ-415G'] });
    await problem(admin.post('/products', { ...body, description: 'x'.repeat(300 * 1024) }), 413);
    await problem(admin.post('/products', JSON.stringify(body), { contentType: 'text/plain' }), 415);
    await problem(admin.post('/products', '{"name": ', { contentType: 'application/json' }), 400);
    expect(await productBySku(`E2E-${run}-NOPE`, 'pantry/tins')).toBeUndefined();
    await unchanged();
  });

  it('changing a product: 401, 403, 400 for wrong types and unknown fields, 404 for an unknown product', async () => {
    const patch = { version: target.version, name: 'Renamed Beanz' };
    await problem(api.patch(`/products/${target.id}`, patch), 401);
    await problem(shopper.patch(`/products/${target.id}`, patch), 403);
    expect((await problem(admin.patch(`/products/${target.id}`, { version: target.version, name: 42 }), 400)).errors).toEqual([
      expect.objectContaining({ field: 'body.name' }),
    ]);
    expect((await problem(admin.patch(`/products/${target.id}`, { version: target.version, price: 99 }), 400)).errors![0]!.message).toBe('unknown field: price');
    await problem(admin.patch(`/products/${target.id}`, { name: 'No version' }), 400);
    await problem(admin.patch(`/products/${ghost}`, patch), 404);
    await unchanged();
  });

  it('importing: 401, 403, 400 for a file that cannot be read, 415 for another format, 413 when oversized', async () => {
    const good = csv([{ product_slug: 'nope', product_name: 'Nope', category_path: 'pantry/tins', tax_category: 'food', sku: `E2E-${run}-IMP-NOPE`, variant_name: 'x', sold_by: 'each', price: 100, currency: 'GBP' }]);
    await problem(api.post('/products/import', good, { contentType: 'text/csv' }), 401);
    await problem(shopper.post('/products/import', good, { contentType: 'text/csv' }), 403);
    const badHeader = await problem(admin.post('/products/import', 'name,cost\nBeans,1.20\n', { contentType: 'text/csv' }), 400);
    expect(badHeader.detail).toMatch(/column/i);
    await problem(admin.post('/products/import', '', { contentType: 'text/csv' }), 400);
    await problem(admin.post('/products/import', '{"not": "an array"}', { contentType: 'application/json' }), 400);
    await problem(admin.post('/products/import', '<products/>', { contentType: 'application/xml' }), 415);
    await problem(admin.post('/products/import', good + 'x'.repeat(6 * 1024 * 1024), { contentType: 'text/csv' }), 413);
    expect(await productBySku(`E2E-${run}-IMP-NOPE`, 'pantry/tins')).toBeUndefined();
  });

  it('uploading an image: 401, 403, 404, 400 without a file part, 415 for a file that is not an image', async () => {
    const image = await png(64, 64);
    await problem(api.post(`/products/${target.id}/images`, upload(image, 'image/png', 'a.png')), 401);
    await problem(shopper.post(`/products/${target.id}/images`, upload(image, 'image/png', 'a.png')), 403);
    await problem(admin.post(`/products/${ghost}/images`, upload(image, 'image/png', 'a.png')), 404);
    await problem(admin.post(`/products/${target.id}/images`, upload(image, 'image/png', 'a.png', 'picture')), 400);
    const text = Buffer.from('this is not a picture of beans\n');
    expect(await problem(admin.post(`/products/${target.id}/images`, upload(text, 'image/png', 'beans.png')), 415)).toMatchObject({
      acceptedTypes: ['image/jpeg', 'image/png', 'image/webp'],
    });
    await problem(admin.post(`/products/${target.id}/images`, JSON.stringify({ file: 'x' }), { contentType: 'application/json' }), 415);
    await unchanged();
  });
});

describe('the API documentation', () => {
  it('serves the OpenAPI document and a readable page of it', async () => {
    expect((await api.get('/openapi.json')).body).toEqual(openApiDocument);
    const page = await api.get<string>('/docs');
    expect(page.body).toContain('<h1>SmartShelf API');
  });
});
