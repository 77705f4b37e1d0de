import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { listPriceHistory } from '../../../shared/catalog/price-history.js';
import { createProduct, reinstateProduct, retireProduct, updateProduct } from '../../../shared/catalog/products.js';
import { getProductRecord } from '../../../shared/catalog/repository.js';
import { dynamo } from '../../../shared/db/client.js';
import { keys } from '../../../shared/db/keys.js';
import { bundleComponents } from '../../../shared/db/migrations/0006-bundle-components.js';
import { engines } from '../../support/engines.js';
import { appError, categoryTree, itemAt, productInput, staff, testDeps, uniqueSku } from './fixtures.js';

const deps = testDeps();

/** A category, two component products and an active bundle of both. */
async function bundled() {
  const { fruit } = await categoryTree(deps);
  const [c1, c2] = [uniqueSku('COMP'), uniqueSku('COMP')];
  const first = await createProduct(productInput(fruit.id, [c1]), staff, deps);
  const second = await createProduct(productInput(fruit.id, [c2]), staff, deps);
  const bundle = await createProduct(
    productInput(fruit.id, [uniqueSku('BUNDLE')], { bundle: { components: [{ sku: c1, quantity: 1 }, { sku: c2, quantity: 2 }] } }),
    staff,
    deps,
  );
  return { fruit, c1, c2, first, second, bundle };
}

describe('retiring a product', () => {
  it('is refused with product-in-bundle while an active bundle lists it, and changes nothing', async () => {
    const { c1, first, bundle } = await bundled();
    expect(await itemAt(keys.sku(c1))).toMatchObject({ productStatus: 'active', bundledBy: new Set([bundle.id]) });

    const error = await appError(retireProduct(first.id, staff, deps));
    expect(error.code).toBe('product-in-bundle');
    expect(error.extensions).toEqual({ skus: [c1], bundles: [bundle.id] });
    expect(await getProductRecord(deps, first.id)).toMatchObject({ status: 'active', version: 1 });
    expect(await itemAt(keys.sku(c1))).toMatchObject({ productStatus: 'active' });
  });

  it('is accepted once the bundle drops the component, and again answers the same', async () => {
    const { fruit, c1, c2, first, bundle } = await bundled();
    const third = uniqueSku('COMP');
    await createProduct(productInput(fruit.id, [third]), staff, deps);
    await updateProduct(bundle.id, { version: 1, bundle: { components: [{ sku: c2, quantity: 2 }, { sku: third, quantity: 1 }] } }, staff, deps);
    expect((await itemAt(keys.sku(c1)))?.bundledBy).toBeUndefined();

    const retired = await retireProduct(first.id, staff, deps);
    expect(retired).toMatchObject({ status: 'archived', version: 2 });
    expect(await itemAt(keys.sku(c1))).toMatchObject({ productStatus: 'archived' });
    expect(await retireProduct(first.id, staff, deps)).toMatchObject({ status: 'archived', version: 2 });
  });

  it('is accepted once the bundle itself is retired, which leaves its components', async () => {
    const { c1, c2, first, bundle } = await bundled();
    await retireProduct(bundle.id, staff, deps);
    expect((await itemAt(keys.sku(c1)))?.bundledBy).toBeUndefined();
    expect((await itemAt(keys.sku(c2)))?.bundledBy).toBeUndefined();
    expect(await retireProduct(first.id, staff, deps)).toMatchObject({ status: 'archived' });

    // The bundle cannot come back while a component is retired; once the component does, it can.
    const refused = await appError(reinstateProduct(bundle.id, staff, deps));
    expect(refused.fields?.[0]?.field).toBe('body.bundle.components.0.sku');
    expect(await reinstateProduct(first.id, staff, deps)).toMatchObject({ status: 'active' });
    expect(await reinstateProduct(bundle.id, staff, deps)).toMatchObject({ status: 'active' });
    expect(await itemAt(keys.sku(c1))).toMatchObject({ productStatus: 'active', bundledBy: new Set([bundle.id]) });
  });

  it('refuses a bundle made of a retired product, and a PATCH removing a SKU a bundle lists', async () => {
    const { fruit, c1 } = await bundled();
    const [kept, listed] = [uniqueSku('TWO'), uniqueSku('TWO')];
    const two = await createProduct(productInput(fruit.id, [kept, listed]), staff, deps);
    await createProduct(productInput(fruit.id, [uniqueSku('B1')], { bundle: { components: [{ sku: listed, quantity: 1 }, { sku: c1, quantity: 1 }] } }), staff, deps);
    const variants = two.variants.map(({ unitPrice: _u, ...v }) => v);
    const removing = await appError(updateProduct(two.id, { version: 1, variants: variants.filter((v) => v.sku !== listed) }, staff, deps));
    expect(removing.code).toBe('product-in-bundle');
    expect(await itemAt(keys.sku(listed))).toMatchObject({ productId: two.id });
    expect(await getProductRecord(deps, two.id)).toMatchObject({ version: 1 });

    const lone = uniqueSku('LONE');
    const loner = await createProduct(productInput(fruit.id, [lone]), staff, deps);
    await retireProduct(loner.id, staff, deps);
    const error = await appError(
      createProduct(productInput(fruit.id, [uniqueSku('B2')], { bundle: { components: [{ sku: c1, quantity: 1 }, { sku: lone, quantity: 1 }] } }), staff, deps),
    );
    expect(error.fields).toEqual([{ field: 'body.bundle.components.1.sku', message: `no product on sale has the SKU ${lone} (none claims it, or its product is retired)` }]);
  });

  it('lets exactly one of a bundle creation and its component’s retirement win when they race', async () => {
    const { fruit } = await categoryTree(deps);
    const outcomes: string[] = [];
    for (let round = 0; round < 6; round += 1) {
      const [c1, c2, own] = [uniqueSku('R'), uniqueSku('R'), uniqueSku('RB')];
      const component = await createProduct(productInput(fruit.id, [c1]), staff, deps);
      await createProduct(productInput(fruit.id, [c2]), staff, deps);
      const [made, retired] = await Promise.allSettled([
        createProduct(productInput(fruit.id, [own], { bundle: { components: [{ sku: c1, quantity: 1 }, { sku: c2, quantity: 1 }] } }), staff, deps),
        retireProduct(component.id, staff, deps),
      ]);
      expect([made.status, retired.status].filter((s) => s === 'fulfilled')).toHaveLength(1);
      const claim = await itemAt(keys.sku(c1));
      if (made.status === 'fulfilled') {
        outcomes.push('bundle');
        expect(claim).toMatchObject({ productStatus: 'active', bundledBy: new Set([made.value.id]) });
        expect(await getProductRecord(deps, component.id)).toMatchObject({ status: 'active' });
      } else {
        outcomes.push('retire');
        expect(claim?.bundledBy).toBeUndefined();
        expect(await itemAt(keys.sku(own))).toBeUndefined();
      }
    }
    expect(outcomes).toHaveLength(6);
  });
});

describe('migration 0006-bundle-components', () => {
  it('gives claims written before it their product’s status and the active bundles listing them', async () => {
    const tableName = engines().tableName;
    const put = (item: Record<string, unknown>) => dynamo.send(new PutCommand({ TableName: tableName, Item: item }));
    const [a, b, gone] = [uniqueSku('MIG'), uniqueSku('MIG'), uniqueSku('MIG')];
    const ids = { a: `01MIGA${uniqueSku('X').slice(2, 12)}`, b: `01MIGB${uniqueSku('X').slice(2, 12)}`, bundle: `01MIGC${uniqueSku('X').slice(2, 12)}`, old: `01MIGD${uniqueSku('X').slice(2, 12)}` };
    const product = (id: string, status: string, extra: Record<string, unknown> = {}) =>
      put({ ...keys.product(id), entityType: 'Product', schemaVersion: 1, id, status, ...extra });
    await product(ids.a, 'active');
    await product(ids.b, 'archived');
    await product(ids.bundle, 'active', { bundle: { components: [{ sku: a, quantity: 1 }, { sku: b, quantity: 1 }] } });
    await product(ids.old, 'archived', { bundle: { components: [{ sku: a, quantity: 1 }, { sku: gone, quantity: 1 }] } });
    for (const [sku, productId] of [
      [a, ids.a],
      [b, ids.b],
    ] as const) {
      await put({ ...keys.sku(sku), entityType: 'SkuClaim', schemaVersion: 1, sku, productId });
    }

    await bundleComponents.run({ db: dynamo, tableName, log: () => undefined });
    expect(await itemAt(keys.sku(a))).toMatchObject({ schemaVersion: 2, productStatus: 'active', bundledBy: new Set([ids.bundle]) });
    expect(await itemAt(keys.sku(b))).toMatchObject({ schemaVersion: 2, productStatus: 'archived', bundledBy: new Set([ids.bundle]) });
  });
});

describe('price history', () => {
  it('lists a product’s price changes newest first, a page at a time, with who, when and both prices', async () => {
    const { fruit } = await categoryTree(deps);
    const [s1, s2] = [uniqueSku('P'), uniqueSku('P')];
    const product = await createProduct(productInput(fruit.id, [s1, s2]), staff, deps);
    const variants = product.variants.map(({ unitPrice: _u, ...v }) => v);
    await updateProduct(product.id, { version: 1, variants: [{ ...variants[0]!, price: { amount: 150, currency: 'GBP' } }, variants[1]!] }, staff, deps);
    await updateProduct(product.id, { version: 2, name: 'Renamed only' }, staff, deps);
    await updateProduct(
      product.id,
      { version: 3, variants: [{ ...variants[0]!, price: { amount: 99, currency: 'GBP' } }, { ...variants[1]!, price: { amount: 250, currency: 'GBP' } }] },
      { ...staff, actor: 'user-staff-2' },
      deps,
    );

    const all = await listPriceHistory(product.id, {}, deps);
    expect(all.nextCursor).toBeNull();
    expect(all.items.map(({ id: _id, at: _at, ...rest }) => rest)).toEqual([
      {
        actor: 'user-staff-2',
        actorKind: 'person',
        correlationId: 'it-correlation',
        // In SKU order, whatever order the change named them in (a stored map keeps none).
        changes: [
          { sku: s1, from: { amount: 150, currency: 'GBP' }, to: { amount: 99, currency: 'GBP' } },
          { sku: s2, from: { amount: 240, currency: 'GBP' }, to: { amount: 250, currency: 'GBP' } },
        ].sort((a, b) => (a.sku < b.sku ? -1 : 1)),
      },
      { actor: 'user-staff-1', actorKind: 'person', correlationId: 'it-correlation', changes: [{ sku: s1, from: { amount: 120, currency: 'GBP' }, to: { amount: 150, currency: 'GBP' } }] },
    ]);

    const first = await listPriceHistory(product.id, { limit: 1 }, deps);
    expect(first.items.map((e) => e.id)).toEqual([all.items[0]!.id]);
    const second = await listPriceHistory(product.id, { limit: '1', cursor: first.nextCursor! }, deps);
    expect(second.items.map((e) => e.id)).toEqual([all.items[1]!.id]);
    expect(second.nextCursor).toBeNull();
  });

  it('is a 404 for a product that does not exist and a 400 for a cursor of another product', async () => {
    const { fruit } = await categoryTree(deps);
    expect((await appError(listPriceHistory('01JZZZZZZZZZZZZZZZZZZZZZZZ', {}, deps))).kind).toBe('not-found');
    const product = await createProduct(productInput(fruit.id, [uniqueSku('P')]), staff, deps);
    const foreign = Buffer.from(JSON.stringify({ pk: 'AUDIT#product#01JZZZZZZZZZZZZZZZZZZZZZZZ', sk: 'AT#x' })).toString('base64url');
    const error = await appError(listPriceHistory(product.id, { cursor: foreign }, deps));
    expect(error.fields).toEqual([{ field: 'query.cursor', message: 'is not a cursor returned by this API' }]);
  });
});
