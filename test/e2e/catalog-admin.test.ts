import { beforeAll, describe, expect, inject, it } from 'vitest';
import { ApiClient } from '../support/api-client.js';
import { fieldsOf, problem } from '../support/e2e.js';

/**
 * The catalog routes the staff console needs, against the running local platform (docs/catalog.md): categories renamed,
 * moved and retired, products retired rather than deleted (refused while a bundle uses them), and a product's price
 * history from the audit. Catalog staff (head office) may; a store manager and a shopper get 403; bad input is a 400
 * that names the field and changes nothing.
 */

const api = new ApiClient(inject('baseUrl'));
const run = Date.now().toString(36);
let sequence = 0;
const unique = (prefix: string) => `${prefix}-${run}-${(sequence += 1)}`;
const sku = (prefix: string) => unique(prefix).toUpperCase();

interface Category {
  id: string;
  name: string;
  path: string;
  parentId: string | null;
  status: string;
  version: number;
}
interface Product {
  id: string;
  status: string;
  version: number;
  variants: { sku: string; name: string; soldBy: string; price: { amount: number; currency: string } }[];
}

let staff: ApiClient;
let manager: ApiClient;
let shopper: ApiClient;

beforeAll(async () => {
  staff = api.as({ token: await api.mintToken(`catalog-${run}`, ['head-office']) });
  manager = api.as({ token: await api.mintToken(`manager-${run}`, ['store-manager'], ['london-bridge']) });
  shopper = api.as({ token: await api.mintToken(`shopper-${run}`, ['shopper']) });
});

async function category(name: string, parentId: string | null = null): Promise<Category> {
  const made = await staff.post<Category>('/categories', { slug: unique('cat'), name, parentId }, { headers: { 'idempotency-key': unique('key') } });
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  return made.body;
}

async function product(categoryId: string, extra: Record<string, unknown> = {}): Promise<Product> {
  const variant = { sku: sku('CA'), name: 'one', soldBy: 'each', price: { amount: 250, currency: 'GBP' } };
  const made = await staff.post<Product>('/products', { name: unique('Console product'), categoryId, taxCategory: 'food', variants: [variant], ...extra }, { headers: { 'idempotency-key': unique('key') } });
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  return made.body;
}

const staffCategories = async () => (await staff.get<{ items: Category[] }>('/admin/categories?status=all')).body.items;
const publicCategories = async () => (await api.get<{ items: Category[] }>('/categories')).body.items;

describe('categories', () => {
  it('a rename and a move are visible in GET /categories, with the subtree’s paths', async () => {
    const root = await category('Console root');
    const other = await category('Console other');
    const child = await category('Console child', root.id);
    const grandchild = await category('Console grandchild', child.id);

    const renamed = await staff.patch<Category>(`/categories/${child.id}`, { name: 'Renamed child' }, { headers: { 'if-match': '"1"' } });
    expect(renamed.status, JSON.stringify(renamed.body)).toBe(200);
    expect(renamed.headers.get('etag')).toBe('"2"');
    const moved = await staff.patch<Category>(`/categories/${child.id}`, { version: 2, parentId: other.id });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);

    const listed = await publicCategories();
    expect(listed.find((c) => c.id === child.id)).toMatchObject({ name: 'Renamed child', parentId: other.id, path: `${other.path}/${child.path.split('/').at(-1)}`, version: 3 });
    expect(listed.find((c) => c.id === grandchild.id)?.path).toBe(`${other.path}/${child.path.split('/').at(-1)}/${grandchild.path.split('/').at(-1)}`);
  });

  it('refuses bad input with a 400 naming the field, and changes nothing', async () => {
    const root = await category('Console bad input');
    const child = await category('Console bad child', root.id);
    expect(fieldsOf(await problem(staff.patch(`/categories/${root.id}`, { version: 1, parentId: child.id }), 400))).toEqual(['body.parentId']);
    expect(fieldsOf(await problem(staff.patch(`/categories/${root.id}`, { version: 1, name: '' }), 400))).toEqual(['body.name']);
    expect(fieldsOf(await problem(staff.patch(`/categories/${root.id}`, { name: 'No version' }), 400))).toEqual(['body.version']);
    expect(JSON.stringify((await problem(staff.patch(`/categories/${root.id}`, { version: 1, colour: 'red' }), 400)).errors)).toContain('colour');
    expect(fieldsOf(await problem(staff.post('/categories/not-a-ulid/retire'), 400))).toEqual(['path.id']);
    expect((await staffCategories()).find((c) => c.id === root.id)).toMatchObject({ version: 1, parentId: null, name: 'Console bad input', status: 'active' });
  });

  it('retires a category once it is empty; shoppers no longer see it, staff do', async () => {
    const root = await category('Console retired');
    const inUse = await product(root.id);
    await problem(staff.post(`/categories/${root.id}/retire`), 409, 'category-in-use');
    expect((await staff.post(`/products/${inUse.id}/retire`)).status).toBe(200);
    const retired = await staff.post<Category>(`/categories/${root.id}/retire`);
    expect(retired.status, JSON.stringify(retired.body)).toBe(200);
    expect(retired.body).toMatchObject({ status: 'retired', version: 2 });
    expect((await publicCategories()).some((c) => c.id === root.id)).toBe(false);
    expect((await staff.get<{ items: Category[] }>('/admin/categories?status=retired')).body.items.map((c) => c.id)).toContain(root.id);
    expect(fieldsOf(await problem(staff.get('/admin/categories?status=gone'), 400))).toEqual(['query.status']);
  });
});

describe('products', () => {
  it('a retire is refused while a bundle uses the product, and accepted once the bundle drops it', async () => {
    const root = await category('Console bundles');
    const [first, second, third] = [await product(root.id), await product(root.id), await product(root.id)];
    const component = (p: Product) => ({ sku: p.variants[0]!.sku, quantity: 1 });
    const bundle = await product(root.id, { bundle: { components: [component(first), component(second)] } });

    const refused = await problem(staff.post(`/products/${first.id}/retire`), 409, 'product-in-bundle');
    expect(refused).toMatchObject({ skus: [first.variants[0]!.sku], bundles: [bundle.id] });
    expect((await api.get<Product>(`/products/${first.id}`)).body).toMatchObject({ status: 'active', version: 1 });

    const edited = await staff.patch(`/products/${bundle.id}`, { version: 1, bundle: { components: [component(second), component(third)] } });
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    const retired = await staff.post<Product>(`/products/${first.id}/retire`);
    expect(retired.status, JSON.stringify(retired.body)).toBe(200);
    expect(retired.body).toMatchObject({ status: 'archived', version: 2 });
    const listed = await api.get<{ items: { id: string }[] }>(`/products?category=${root.id}`);
    expect(listed.body.items.map((p) => p.id)).not.toContain(first.id);

    const back = await staff.post<Product>(`/products/${first.id}/reinstate`);
    expect(back.body).toMatchObject({ status: 'active', version: 3 });
  });

  it('lists the price history after two price changes, newest first, with exact figures', async () => {
    const root = await category('Console prices');
    const made = await product(root.id);
    const { unitPrice: _unitPrice, ...variant } = made.variants[0] as Product['variants'][number] & { unitPrice?: unknown };
    const change = (version: number, amount: number) =>
      staff.patch(`/products/${made.id}`, { version, variants: [{ ...variant, price: { amount, currency: 'GBP' } }] }, { headers: { 'x-correlation-id': `prices-${run}-${version}` } });
    expect((await change(1, 275)).status).toBe(200);
    expect((await change(2, 199)).status).toBe(200);

    const history = await staff.get<{ items: Record<string, unknown>[]; nextCursor: string | null }>(`/products/${made.id}/prices`);
    expect(history.status, JSON.stringify(history.body)).toBe(200);
    expect(history.body.nextCursor).toBeNull();
    expect(history.body.items.map(({ id: _id, at: _at, ...rest }) => rest)).toEqual([
      { actor: `catalog-${run}`, actorKind: 'person', correlationId: `prices-${run}-2`, changes: [{ sku: variant.sku, from: { amount: 275, currency: 'GBP' }, to: { amount: 199, currency: 'GBP' } }] },
      { actor: `catalog-${run}`, actorKind: 'person', correlationId: `prices-${run}-1`, changes: [{ sku: variant.sku, from: { amount: 250, currency: 'GBP' }, to: { amount: 275, currency: 'GBP' } }] },
    ]);
    const first = await staff.get<{ items: { id: string }[]; nextCursor: string | null }>(`/products/${made.id}/prices?limit=1`);
    expect(first.body.items).toHaveLength(1);
    const next = await staff.get<{ items: { id: string }[] }>(`/products/${made.id}/prices?limit=1&cursor=${first.body.nextCursor}`);
    expect(next.body.items.map((e) => e.id)).toEqual([history.body.items[1]!.id]);
    expect(fieldsOf(await problem(staff.get(`/products/${made.id}/prices?limit=0`), 400))).toEqual(['query.limit']);
  });
});

describe('who may', () => {
  it('refuses a store manager and a shopper with 403 on every route, and changes nothing', async () => {
    const root = await category('Console forbidden');
    const made = await product(root.id);
    for (const client of [manager, shopper]) {
      await problem(client.get('/admin/categories'), 403, 'insufficient-scope');
      await problem(client.patch(`/categories/${root.id}`, { version: 1, name: 'Nope' }), 403, 'insufficient-scope');
      await problem(client.post(`/categories/${root.id}/retire`), 403, 'insufficient-scope');
      await problem(client.post(`/products/${made.id}/retire`), 403, 'insufficient-scope');
      await problem(client.post(`/products/${made.id}/reinstate`), 403, 'insufficient-scope');
      await problem(client.get(`/products/${made.id}/prices`), 403, 'insufficient-scope');
    }
    expect((await staffCategories()).find((c) => c.id === root.id)).toMatchObject({ status: 'active', version: 1, name: 'Console forbidden' });
    expect((await api.get<Product>(`/products/${made.id}`)).body).toMatchObject({ status: 'active', version: 1 });
  });
});
