import { ulid } from 'ulid';
import { describe, expect, it } from 'vitest';
import { productCreatedV1 } from '../../../events/catalog/product-created.v1.js';
import { productPriceChangedV1 } from '../../../events/catalog/product-price-changed.v1.js';
import { productUpdatedV1 } from '../../../events/catalog/product-updated.v1.js';
import { getProduct, listProducts } from '../../../shared/catalog/product-queries.js';
import { createProduct, updateProduct } from '../../../shared/catalog/products.js';
import { encodeCursor, productListingKey } from '../../../shared/catalog/cursor.js';
import { keys } from '../../../shared/db/keys.js';
import { appError, auditItemsOf, testDeps, categoryTree, itemAt, outboxEventOf, productInput, productItemsUnder, staff, uniqueSku } from './fixtures.js';

describe('creating and reading products', () => {
  it('creates a product, claims its SKUs and reads it back with unit prices', async () => {
    const deps = testDeps();
    const { fruit } = await categoryTree(deps);
    const [a, b] = [uniqueSku('APL'), uniqueSku('APL')];
    const created = await createProduct(productInput(fruit.id, [a, b], { attributes: { brand: 'Acme', origin: 'GB' } }), staff, deps);

    expect(created).toMatchObject({ categoryPath: fruit.path, version: 1, status: 'active', slug: 'test-product', images: [] });
    expect(created.variants.map((v) => v.unitPrice)).toEqual([
      { amount: 300, currency: 'GBP', per: 'kg' },
      { amount: 300, currency: 'GBP', per: 'kg' },
    ]);
    expect(await getProduct(created.id, deps)).toEqual(created);
    expect((await itemAt(keys.sku(a)))?.productId).toBe(created.id);
    expect((await itemAt(keys.sku(b)))?.productId).toBe(created.id);
    const stored = await itemAt(keys.product(created.id));
    expect(stored).toMatchObject({ entityType: 'Product', schemaVersion: 1, gsi1pk: 'PRODUCTS', gsi1sk: `${fruit.path}#${created.id}` });
    expect(await outboxEventOf(productCreatedV1, created.id)).toMatchObject({
      detailType: 'product.created',
      correlationId: staff.correlationId,
      data: { productId: created.id, skus: [a, b], categoryPath: fruit.path, version: 1, actor: staff.actor },
    });
  });

  it('answers 404 for a product that does not exist', async () => {
    const deps = testDeps();
    const error = await appError(getProduct('01JZZZZZZZZZZZZZZZZZZZZZZZ', deps));
    expect(error.kind).toBe('not-found');
  });

  it('checks attributes against the category and its ancestors, writing nothing on failure', async () => {
    const deps = testDeps();
    const { apples } = await categoryTree(deps);
    const sku = uniqueSku('BAD');
    const error = await appError(createProduct(productInput(apples.id, [sku], { attributes: { origin: 'FR', colour: 'red' } }), staff, deps));
    expect(error.kind).toBe('invalid');
    expect(error.fields?.map((f) => f.field).sort()).toEqual(['body.attributes.brand', 'body.attributes.colour', 'body.attributes.origin']);
    expect(await itemAt(keys.sku(sku))).toBeUndefined();
    expect(await productItemsUnder(apples.path)).toEqual([]);
  });

  it('refuses an unknown category', async () => {
    const deps = testDeps();
    const error = await appError(createProduct(productInput('01JZZZZZZZZZZZZZZZZZZZZZZZ', [uniqueSku('X')]), staff, deps));
    expect(error.fields?.[0]?.field).toBe('body.categoryId');
  });

  it('refuses SKUs another product owns with 409 sku-taken naming each, and writes nothing', async () => {
    const deps = testDeps();
    const { fruit, apples } = await categoryTree(deps);
    const [taken1, taken2, fresh] = [uniqueSku('T'), uniqueSku('T'), uniqueSku('F')];
    const owner = await createProduct(productInput(fruit.id, [taken1, taken2]), staff, deps);

    const refusedId = ulid();
    const error = await appError(createProduct(productInput(apples.id, [fresh, taken2, taken1]), staff, { ...deps, newId: () => refusedId }));
    expect(error.kind).toBe('conflict');
    expect(error.code).toBe('sku-taken');
    expect((error.extensions?.skus as string[]).sort()).toEqual([taken1, taken2].sort());
    expect(error.message).toContain(taken1);
    expect(await itemAt(keys.sku(fresh))).toBeUndefined();
    expect(await productItemsUnder(apples.path)).toEqual([]);
    expect((await itemAt(keys.sku(taken1)))?.productId).toBe(owner.id);
    expect(await outboxEventOf(productCreatedV1, refusedId)).toBeUndefined();
  });

  it('lets exactly one of two concurrent creates with the same SKU win', async () => {
    const deps = testDeps();
    const { fruit } = await categoryTree(deps);
    const shared = uniqueSku('RACE');
    const results = await Promise.allSettled([
      createProduct(productInput(fruit.id, [shared, uniqueSku('A')]), staff, deps),
      createProduct(productInput(fruit.id, [uniqueSku('B'), shared]), staff, deps),
    ]);
    const winners = results.filter((r) => r.status === 'fulfilled');
    expect(winners).toHaveLength(1);
    const loser = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(loser.reason.code).toBe('sku-taken');
    expect(loser.reason.extensions.skus).toEqual([shared]);
    expect(await productItemsUnder(fruit.path)).toHaveLength(1);
  });

  it('refuses a SKU repeated within one product', async () => {
    const deps = testDeps();
    const { fruit } = await categoryTree(deps);
    const sku = uniqueSku('DUP');
    const error = await appError(createProduct(productInput(fruit.id, [sku, sku]), staff, deps));
    expect(error.fields).toEqual([{ field: 'body.variants.1.sku', message: `${sku} appears in more than one variant` }]);
  });

  it('creates a bundle only when every component SKU exists', async () => {
    const deps = testDeps();
    const { fruit } = await categoryTree(deps);
    const [c1, c2, missing, own] = [uniqueSku('C'), uniqueSku('C'), uniqueSku('NONE'), uniqueSku('BUNDLE')];
    await createProduct(productInput(fruit.id, [c1, c2]), staff, deps);

    const error = await appError(
      createProduct(
        productInput(fruit.id, [own], { bundle: { components: [{ sku: c1, quantity: 2 }, { sku: missing, quantity: 1 }] } }),
        staff,
        deps,
      ),
    );
    expect(error.fields).toEqual([{ field: 'body.bundle.components.1.sku', message: `no product on sale has the SKU ${missing} (none claims it, or its product is retired)` }]);
    expect(await itemAt(keys.sku(own))).toBeUndefined();

    const bundle = await createProduct(
      productInput(fruit.id, [own], { bundle: { components: [{ sku: c1, quantity: 2 }, { sku: c2, quantity: 1 }] } }),
      staff,
      deps,
    );
    expect(bundle.bundle?.components).toHaveLength(2);
  });
});

describe('listing products', () => {
  async function catalog() {
    const deps = testDeps();
    const tree = await categoryTree(deps);
    const make = (categoryId: string, extra: Parameters<typeof productInput>[2] = {}) =>
      createProduct(productInput(categoryId, [uniqueSku('L')], extra), staff, deps);
    const inFruit = await make(tree.fruit.id, { tags: ['seasonal'], attributes: { brand: 'Acme', dietary: ['vegan'] } });
    const inApples = await make(tree.apples.id, { attributes: { brand: 'Acme', dietary: ['vegan', 'gluten-free'] } });
    const inApples2 = await make(tree.apples.id, { tags: ['seasonal'] });
    const inJuice = await make(tree.juice.id, { tags: ['seasonal'], attributes: { brand: 'Acme', dietary: ['vegan'] } });
    const archived = await make(tree.apples.id, { status: 'archived' });
    return { deps, ...tree, inFruit, inApples, inApples2, inJuice, archived };
  }

  it('includes descendants of a category but not siblings whose path merely starts alike', async () => {
    const c = await catalog();
    const page = await listProducts({ category: c.fruit.id }, c.deps);
    const ids = page.items.map((p) => p.id);
    expect(new Set(ids)).toEqual(new Set([c.inFruit.id, c.inApples.id, c.inApples2.id]));
    expect(page.nextCursor).toBeNull();
    expect(page.items.map((p) => p.categoryPath)).toEqual([...page.items.map((p) => p.categoryPath)].sort());
  });

  it('filters by tag, by attribute value and by status', async () => {
    const c = await catalog();
    const byTag = await listProducts({ category: c.root.id, tag: 'seasonal' }, c.deps);
    expect(new Set(byTag.items.map((p) => p.id))).toEqual(new Set([c.inFruit.id, c.inApples2.id, c.inJuice.id]));

    const vegan = await listProducts({ category: c.root.id, attr: { dietary: 'vegan' } }, c.deps);
    expect(new Set(vegan.items.map((p) => p.id))).toEqual(new Set([c.inFruit.id, c.inApples.id, c.inJuice.id]));
    const both = await listProducts({ category: c.root.id, attr: { dietary: 'gluten-free', brand: 'ACME' } }, c.deps);
    expect(both.items.map((p) => p.id)).toEqual([c.inApples.id]);

    const archived = await listProducts({ category: c.root.id, status: 'archived' }, c.deps);
    expect(archived.items.map((p) => p.id)).toEqual([c.archived.id]);
  });

  it('pages through the listing with a cursor, in a stable order, without gaps or repeats', async () => {
    const c = await catalog();
    const all = await listProducts({ category: c.root.id, limit: 100 }, c.deps);
    expect(all.items).toHaveLength(4);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await listProducts({ category: c.root.id, limit: 3, ...(cursor ? { cursor } : {}) }, c.deps);
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((p) => p.id));
      cursor = page.nextCursor ?? undefined;
      pages += 1;
    } while (cursor && pages < 10);
    expect(seen).toEqual(all.items.map((p) => p.id));
  });

  it('fills a page even when the filter discards most of what DynamoDB reads', async () => {
    const c = await catalog();
    const page = await listProducts({ category: c.root.id, tag: 'seasonal', limit: 2 }, c.deps);
    expect(page.items).toHaveLength(2);
    const rest = await listProducts({ category: c.root.id, tag: 'seasonal', limit: 2, cursor: page.nextCursor! }, c.deps);
    expect(rest.items).toHaveLength(1);
    expect([...page.items, ...rest.items].map((p) => p.id)).toEqual(
      (await listProducts({ category: c.root.id, tag: 'seasonal' }, c.deps)).items.map((p) => p.id),
    );
  });

  it('refuses a tampered cursor, and a cursor from outside the category, with 400', async () => {
    const c = await catalog();
    const tampered = await appError(listProducts({ category: c.fruit.id, cursor: 'eyJwayI6IlgifQ' }, c.deps));
    expect(tampered.fields?.[0]?.field).toBe('query.cursor');
    const elsewhere = encodeCursor(productListingKey({ id: c.inJuice.id, categoryPath: c.juice.path }));
    const outside = await appError(listProducts({ category: c.fruit.id, cursor: elsewhere }, c.deps));
    expect(outside.fields).toEqual([{ field: 'query.cursor', message: 'belongs to a different listing' }]);
  });

  it('refuses an unknown category filter with 400', async () => {
    const deps = testDeps();
    const error = await appError(listProducts({ category: '01JZZZZZZZZZZZZZZZZZZZZZZZ' }, deps));
    expect(error.fields?.[0]?.field).toBe('query.category');
  });
});

describe('updating products', () => {
  async function product() {
    const deps = testDeps();
    const tree = await categoryTree(deps);
    const skus = [uniqueSku('U'), uniqueSku('U')];
    const created = await createProduct(productInput(tree.fruit.id, skus), staff, deps);
    return { deps, ...tree, skus, created };
  }

  it('writes an audit entry with the prices before and after in the same change as a price update', async () => {
    const { deps, skus, created } = await product();
    const variants = created.variants.map(({ unitPrice: _u, ...v }, i) => (i === 0 ? { ...v, price: { amount: 150, currency: 'GBP' } } : v));
    const updated = await updateProduct(created.id, { version: 1, variants }, staff, deps);

    expect(updated.version).toBe(2);
    expect(updated.variants[0]?.unitPrice).toEqual({ amount: 375, currency: 'GBP', per: 'kg' });
    const audit = await auditItemsOf(created.id);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      entityType: 'AuditEntry',
      entity: 'product',
      entityId: created.id,
      action: 'price-changed',
      actor: staff.actor,
      at: updated.updatedAt,
      before: { [skus[0]!]: { amount: 120, currency: 'GBP' } },
      after: { [skus[0]!]: { amount: 150, currency: 'GBP' } },
      gsi1pk: `AUDIT#${updated.updatedAt.slice(0, 10)}`,
    });
    expect(await outboxEventOf(productUpdatedV1, `${created.id}:v2`)).toMatchObject({ data: { changedFields: ['variants'], version: 2 } });
    expect(await outboxEventOf(productPriceChangedV1, `${created.id}:v2`)).toMatchObject({
      detailType: 'product.price-changed',
      data: { productId: created.id, version: 2, changes: [{ sku: skus[0], before: { amount: 120 }, after: { amount: 150 } }] },
    });
  });

  it('writes no audit entry when no price changes', async () => {
    const { deps, created } = await product();
    const updated = await updateProduct(created.id, { version: 1, name: 'Renamed', attributes: { origin: 'ES' } }, staff, deps);
    expect(updated).toMatchObject({ name: 'Renamed', attributes: { brand: 'Acme', origin: 'ES' }, version: 2 });
    expect(await auditItemsOf(created.id)).toEqual([]);
    expect(await outboxEventOf(productUpdatedV1, `${created.id}:v2`)).toMatchObject({
      detailType: 'product.updated',
      data: { changedFields: ['name', 'attributes'], version: 2 },
    });
    expect(await outboxEventOf(productPriceChangedV1, `${created.id}:v2`)).toBeUndefined();
  });

  it('refuses a stale version with 409 and leaves the product as it was', async () => {
    const { deps, created } = await product();
    await updateProduct(created.id, { version: 1, name: 'First writer' }, staff, deps);
    const before = await itemAt(keys.product(created.id));
    const error = await appError(updateProduct(created.id, { version: 1, name: 'Second writer' }, staff, deps));
    expect(error.kind).toBe('conflict');
    expect(error.code).toBe('version-mismatch');
    expect(error.extensions).toEqual({ expectedVersion: 1, currentVersion: 2 });
    expect(await itemAt(keys.product(created.id))).toEqual(before);
  });

  it('lets exactly one of two concurrent updates from the same version win', async () => {
    const { deps, created } = await product();
    const results = await Promise.allSettled([
      updateProduct(created.id, { version: 1, name: 'A' }, staff, deps),
      updateProduct(created.id, { version: 1, name: 'B' }, staff, deps),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason.code).toBe('version-mismatch');
    const winner = await getProduct(created.id, deps);
    expect(winner.version).toBe(2);
    expect((await outboxEventOf(productUpdatedV1, `${created.id}:v2`))?.data).toMatchObject({ changedFields: ['name'], version: 2 });
  });

  it('takes the expected version from If-Match, and refuses one that contradicts the body', async () => {
    const { deps, created } = await product();
    const updated = await updateProduct(created.id, { name: 'Via header' }, { ...staff, ifMatch: '"1"' }, deps);
    expect(updated.version).toBe(2);
    const contradiction = await appError(updateProduct(created.id, { version: 2, name: 'x' }, { ...staff, ifMatch: '"1"' }, deps));
    expect(contradiction.fields?.[0]?.field).toBe('body.version');
    const missing = await appError(updateProduct(created.id, { name: 'x' }, staff, deps));
    expect(missing.fields).toEqual([{ field: 'body.version', message: 'is required unless an If-Match header carries the ETag' }]);
  });

  it('claims added SKUs and releases removed ones in the same change', async () => {
    const { deps, fruit, skus, created } = await product();
    const added = uniqueSku('NEW');
    const [, keep] = created.variants.map(({ unitPrice: _u, ...v }) => v);
    const updated = await updateProduct(created.id, { version: 1, variants: [keep!, { ...keep!, sku: added }] }, staff, deps);
    expect(updated.variants.map((v) => v.sku)).toEqual([skus[1], added]);
    expect((await itemAt(keys.sku(added)))?.productId).toBe(created.id);
    expect(await itemAt(keys.sku(skus[0]!))).toBeUndefined();
    expect((await outboxEventOf(productUpdatedV1, `${created.id}:v2`))?.data).toMatchObject({ addedSkus: [added], removedSkus: [skus[0]] });

    const reuse = await createProduct(productInput(fruit.id, [skus[0]!]), staff, deps);
    expect((await itemAt(keys.sku(skus[0]!)))?.productId).toBe(reuse.id);
  });

  it('refuses to add a SKU another product owns, changing nothing', async () => {
    const { deps, fruit, skus, created } = await product();
    const other = await createProduct(productInput(fruit.id, [uniqueSku('O')]), staff, deps);
    const before = await itemAt(keys.product(created.id));
    const [first] = created.variants.map(({ unitPrice: _u, ...v }) => v);
    const error = await appError(
      updateProduct(created.id, { version: 1, variants: [{ ...first!, price: { amount: 1, currency: 'GBP' } }, { ...first!, sku: other.variants[0]!.sku }] }, staff, deps),
    );
    expect(error.code).toBe('sku-taken');
    expect(error.extensions).toEqual({ skus: [other.variants[0]!.sku] });
    expect(await itemAt(keys.product(created.id))).toEqual(before);
    expect((await itemAt(keys.sku(skus[1]!)))?.productId).toBe(created.id);
    expect(await auditItemsOf(created.id)).toEqual([]);
  });

  it('refuses a patch that leaves the product invalid, changing nothing', async () => {
    const { deps, created } = await product();
    const before = await itemAt(keys.product(created.id));
    const error = await appError(updateProduct(created.id, { version: 1, attributes: { brand: null, origin: 'FR' } }, staff, deps));
    expect(error.fields?.map((f) => f.field).sort()).toEqual(['body.attributes.brand', 'body.attributes.origin']);
    expect(await itemAt(keys.product(created.id))).toEqual(before);
  });

  it('moves a product to another category, re-keying it in the listing', async () => {
    const { deps, apples, fruit, created } = await product();
    const moved = await updateProduct(created.id, { version: 1, categoryId: apples.id }, staff, deps);
    expect(moved.categoryPath).toBe(apples.path);
    expect((await itemAt(keys.product(created.id)))?.gsi1sk).toBe(`${apples.path}#${created.id}`);
    expect((await listProducts({ category: apples.id }, deps)).items.map((p) => p.id)).toEqual([created.id]);
    expect((await listProducts({ category: fruit.id }, deps)).items.map((p) => p.id)).toEqual([created.id]);
  });

  it('removes optional fields patched to null and keeps the version when nothing changes', async () => {
    const { deps, fruit, created } = await product();
    const branded = await updateProduct(created.id, { version: 1, brand: 'Acme Foods' }, staff, deps);
    expect(branded.brand).toBe('Acme Foods');
    const unbranded = await updateProduct(created.id, { version: 2, brand: null }, staff, deps);
    expect(unbranded).not.toHaveProperty('brand');
    expect(await itemAt(keys.product(created.id))).not.toHaveProperty('brand');
    const same = await updateProduct(created.id, { version: 3, categoryId: fruit.id }, staff, deps);
    expect(same.version).toBe(3);
  });

  it('refuses a bundle of a SKU that the same change removes from the product', async () => {
    const { deps, fruit, skus, created } = await product();
    const other = await createProduct(productInput(fruit.id, [uniqueSku('OTHER')]), staff, deps);
    const [, keep] = created.variants.map(({ unitPrice: _u, ...v }) => v);
    const error = await appError(
      updateProduct(
        created.id,
        { version: 1, variants: [keep!], bundle: { components: [{ sku: skus[0]!, quantity: 1 }, { sku: other.variants[0]!.sku, quantity: 1 }] } },
        staff,
        deps,
      ),
    );
    expect(error.fields).toEqual([{ field: 'body.bundle.components.0.sku', message: `${skus[0]} is removed from this product by the same change` }]);
    expect((await itemAt(keys.sku(skus[0]!)))?.productId).toBe(created.id);
  });

  it('answers 404 for a product that does not exist', async () => {
    const deps = testDeps();
    const error = await appError(updateProduct('01JZZZZZZZZZZZZZZZZZZZZZZZ', { version: 1, name: 'x' }, staff, deps));
    expect(error.kind).toBe('not-found');
  });
});
