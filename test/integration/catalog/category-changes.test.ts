import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { createCategory, listCategories } from '../../../shared/catalog/categories.js';
import { retireCategory, updateCategory } from '../../../shared/catalog/category-changes.js';
import { createProduct, retireProduct, updateProduct } from '../../../shared/catalog/products.js';
import { getCategory, getProductRecord } from '../../../shared/catalog/repository.js';
import { dynamo } from '../../../shared/db/client.js';
import { keys } from '../../../shared/db/keys.js';
import { engines } from '../../support/engines.js';
import { appError, categoryTree, itemAt, productInput, productItemsUnder, staff, testDeps, uniqueSku, uniqueSlug } from './fixtures.js';

const deps = testDeps();

describe('renaming and moving a category', () => {
  it('renames without touching the path, under the version it names, and audits it', async () => {
    const { fruit } = await categoryTree(deps);
    const renamed = await updateCategory(fruit.id, { version: 1, name: 'Fresh fruit' }, staff, deps);
    expect(renamed).toMatchObject({ name: 'Fresh fruit', path: fruit.path, version: 2 });
    const stale = await appError(updateCategory(fruit.id, { name: 'Again' }, { ...staff, ifMatch: '"1"' }, deps));
    expect(stale.code).toBe('version-mismatch');
    expect((await getCategory(deps, fruit.id))?.category.name).toBe('Fresh fruit');
    const { Items = [] } = await dynamo.send(
      new QueryCommand({ TableName: engines().tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.audit('category', fruit.id, '', '').pk }, ConsistentRead: true }),
    );
    expect(Items.map((i) => [i.action, i.actor, i.before, i.after])).toEqual([
      ['category-updated', staff.actor, { name: 'Fruit', slug: 'fruit', parentId: fruit.parentId, path: fruit.path }, { name: 'Fresh fruit', slug: 'fruit', parentId: fruit.parentId, path: fruit.path }],
    ]);
  });

  it('moves a subtree with its products to a new parent in one change', async () => {
    const { root, fruit, apples } = await categoryTree(deps);
    const other = await createCategory({ slug: uniqueSlug('pantry'), name: 'Pantry', attributes: [{ name: 'brand', type: 'string', required: true }] }, staff, deps);
    const inApples = await createProduct(productInput(apples.id, [uniqueSku('MV')]), staff, deps);

    const moved = await updateCategory(fruit.id, { version: 1, parentId: other.id, slug: 'dried-fruit' }, staff, deps);
    expect(moved).toMatchObject({ path: `${other.path}/dried-fruit`, parentId: other.id, depth: 1, version: 2 });
    const applesNow = (await getCategory(deps, apples.id))!;
    expect(applesNow.category.path).toBe(`${other.path}/dried-fruit/apples`);
    expect(applesNow.ancestorIds).toEqual([other.id, fruit.id]);
    expect(await itemAt(keys.categoryPath(`${root.path}/fruit`))).toBeUndefined();
    expect(await itemAt(keys.categoryPath(`${other.path}/dried-fruit/apples`))).toMatchObject({ categoryId: apples.id });
    expect(await getProductRecord(deps, inApples.id)).toMatchObject({ categoryPath: `${other.path}/dried-fruit/apples`, version: 2 });
    expect((await productItemsUnder(`${other.path}/dried-fruit/apples`)).map((p) => p.id)).toEqual([inApples.id]);
    expect(await productItemsUnder(`${root.path}/fruit`)).toEqual([]);
  });

  it('refuses a move under itself, under a descendant or under a missing parent, and changes nothing', async () => {
    const { fruit, apples } = await categoryTree(deps);
    const itself = await appError(updateCategory(fruit.id, { version: 1, parentId: fruit.id }, staff, deps));
    expect(itself.fields).toEqual([{ field: 'body.parentId', message: 'a category cannot move under itself' }]);
    const below = await appError(updateCategory(fruit.id, { version: 1, parentId: apples.id }, staff, deps));
    expect(below.fields?.[0]?.field).toBe('body.parentId');
    expect(below.fields?.[0]?.message).toMatch(/own descendant/);
    const missing = await appError(updateCategory(fruit.id, { version: 1, parentId: '01JZZZZZZZZZZZZZZZZZZZZZZZ' }, staff, deps));
    expect(missing.fields?.[0]?.field).toBe('body.parentId');
    expect((await getCategory(deps, fruit.id))?.category).toMatchObject({ version: 1, path: fruit.path });
  });

  it('refuses a slug a sibling already has with category-exists', async () => {
    const { fruit, juice } = await categoryTree(deps);
    const error = await appError(updateCategory(juice.id, { version: 1, slug: 'fruit' }, staff, deps));
    expect(error.code).toBe('category-exists');
    expect((await getCategory(deps, juice.id))?.category.path).toBe(juice.path);
    expect((await getCategory(deps, fruit.id))?.category.path).toBe(fruit.path);
  });
});

describe('retiring a category', () => {
  it('is refused while it has an active child or an active product, accepted once it has neither, and idempotent', async () => {
    const { fruit, apples } = await categoryTree(deps);
    const withChild = await appError(retireCategory(fruit.id, staff, deps));
    expect(withChild.code).toBe('category-in-use');
    expect(withChild.extensions).toMatchObject({ categories: [apples.id], products: [] });

    const product = await createProduct(productInput(apples.id, [uniqueSku('RT')]), staff, deps);
    expect((await appError(retireCategory(apples.id, staff, deps))).extensions).toMatchObject({ products: [product.id] });
    await retireProduct(product.id, staff, deps);
    expect(await retireCategory(apples.id, staff, deps)).toMatchObject({ status: 'retired', version: 2 });
    expect(await retireCategory(apples.id, staff, deps)).toMatchObject({ status: 'retired', version: 2 });
    expect(await retireCategory(fruit.id, staff, deps)).toMatchObject({ status: 'retired' });

    const listed = (await listCategories({ tree: false }, deps)).items.map((c) => c.id);
    expect(listed).not.toContain(apples.id);
    expect((await listCategories({ tree: false, status: 'retired' }, deps)).items.map((c) => c.id)).toEqual(expect.arrayContaining([apples.id, fruit.id]));
  });

  it('takes no new products, children or reinstated products once retired', async () => {
    const { apples } = await categoryTree(deps);
    const product = await createProduct(productInput(apples.id, [uniqueSku('RT')]), staff, deps);
    await retireProduct(product.id, staff, deps);
    await retireCategory(apples.id, staff, deps);
    expect((await appError(createProduct(productInput(apples.id, [uniqueSku('RT')]), staff, deps))).fields).toEqual([
      { field: 'body.categoryId', message: `category ${apples.id} is retired` },
    ]);
    expect((await appError(createCategory({ slug: 'late', name: 'Late', parentId: apples.id }, staff, deps))).fields?.[0]?.field).toBe('body.parentId');
    expect((await appError(updateProduct(product.id, { version: 2, status: 'active' }, staff, deps))).fields?.[0]?.field).toBe('body.categoryId');
  });

  it('lets exactly one of a product creation and the category’s retirement win when they race', async () => {
    const outcomes: string[] = [];
    for (let round = 0; round < 5; round += 1) {
      const { apples } = await categoryTree(deps);
      const [made, retired] = await Promise.allSettled([createProduct(productInput(apples.id, [uniqueSku('RC')]), staff, deps), retireCategory(apples.id, staff, deps)]);
      const stored = (await getCategory(deps, apples.id))!.category;
      const products = (await productItemsUnder(apples.path)).filter((p) => p.status === 'active');
      expect([made.status, retired.status].filter((s) => s === 'fulfilled')).toHaveLength(1);
      if (made.status === 'fulfilled') {
        outcomes.push('product');
        expect(stored.status).toBe('active');
        expect(products).toHaveLength(1);
      } else {
        outcomes.push('retire');
        expect(stored.status).toBe('retired');
        expect(products).toHaveLength(0);
      }
    }
    expect(outcomes).toHaveLength(5);
  });
});
