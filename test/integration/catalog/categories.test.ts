import { ulid } from 'ulid';
import { describe, expect, it } from 'vitest';
import { categoryCreatedV1 } from '../../../events/catalog/category-created.v1.js';
import { createCategory, listCategories } from '../../../shared/catalog/categories.js';
import type { CategoryNode } from '../../../shared/catalog/views.js';
import { keys } from '../../../shared/db/keys.js';
import { appError, testDeps, categoryTree, itemAt, outboxEventOf, staff, uniqueSlug } from './fixtures.js';

describe('categories', () => {
  it('creates a tree with materialized paths and lists it flat, each category before its subtree, with parentId and depth', async () => {
    const deps = testDeps();
    const { root, fruit, apples, juice } = await categoryTree(deps);
    expect(fruit.path).toBe(`${root.slug}/fruit`);
    expect(apples.path).toBe(`${root.slug}/fruit/apples`);

    const { items } = await listCategories({ tree: false }, deps);
    const mine = items.filter((c) => c.path.startsWith(`${root.slug}/`) || c.id === root.id);
    expect(mine.map((c) => [c.path, c.parentId, c.depth])).toEqual([
      [root.slug, null, 0],
      [fruit.path, root.id, 1],
      [apples.path, fruit.id, 2],
      [juice.path, root.id, 1],
    ]);
    const events = await Promise.all([root, fruit, apples, juice].map((c) => outboxEventOf(categoryCreatedV1, c.id)));
    expect(events.map((e) => e?.detailType)).toEqual(Array(4).fill('category.created'));
    expect(events[1]).toMatchObject({
      source: 'smartshelf.catalog',
      correlationId: staff.correlationId,
      data: { categoryId: fruit.id, parentId: root.id, path: fruit.path, actor: staff.actor },
    });
  });

  it('nests the same categories under their parents with ?tree=true', async () => {
    const deps = testDeps();
    const { root, fruit, apples, juice } = await categoryTree(deps);
    const { items } = await listCategories({ tree: true }, deps);
    const node = (items as CategoryNode[]).find((c) => c.id === root.id)!;
    expect(node.children.map((c) => c.id)).toEqual([fruit.id, juice.id]);
    expect(node.children[0]?.children.map((c) => c.id)).toEqual([apples.id]);
  });

  it('refuses a second category at the same path with 409 category-exists and keeps the first', async () => {
    const deps = testDeps();
    const slug = uniqueSlug('bakery');
    const first = await createCategory({ slug, name: 'Bakery' }, staff, deps);
    const secondId = ulid();
    const error = await appError(createCategory({ slug, name: 'Bakery again' }, staff, { ...deps, newId: () => secondId }));
    expect(error.kind).toBe('conflict');
    expect(error.code).toBe('category-exists');
    expect(error.extensions).toEqual({ path: slug });
    expect((await itemAt(keys.categoryPath(slug)))?.categoryId).toBe(first.id);
    // The event rode in the refused transaction, so it was never written.
    expect(await outboxEventOf(categoryCreatedV1, secondId)).toBeUndefined();
    expect(await outboxEventOf(categoryCreatedV1, first.id)).toBeDefined();
  });

  it('lets exactly one of two concurrent creates claim a path', async () => {
    const deps = testDeps();
    const slug = uniqueSlug('dairy');
    const results = await Promise.allSettled([
      createCategory({ slug, name: 'Dairy A' }, staff, deps),
      createCategory({ slug, name: 'Dairy B' }, staff, deps),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason.code).toBe('category-exists');
  });

  it('refuses a parent that does not exist, writing nothing', async () => {
    const deps = testDeps();
    const slug = uniqueSlug('orphan');
    const error = await appError(createCategory({ slug, name: 'Orphan', parentId: '01JZZZZZZZZZZZZZZZZZZZZZZZ' }, staff, deps));
    expect(error.kind).toBe('invalid');
    expect(error.fields).toEqual([{ field: 'body.parentId', message: 'no category has the id 01JZZZZZZZZZZZZZZZZZZZZZZZ' }]);
    expect(await itemAt(keys.categoryPath(`${slug}`))).toBeUndefined();
  });

  it('refuses redefining an attribute that an ancestor defines', async () => {
    const deps = testDeps();
    const { fruit } = await categoryTree(deps);
    const slug = uniqueSlug('berries');
    const error = await appError(
      createCategory({ slug, name: 'Berries', parentId: fruit.id, attributes: [{ name: 'brand', type: 'string' }] }, staff, deps),
    );
    expect(error.fields).toEqual([{ field: 'body.attributes.0.name', message: 'brand is already defined by an ancestor category' }]);
    expect(await itemAt(keys.categoryPath(`${fruit.path}/${slug}`))).toBeUndefined();
  });

  it('refuses input that does not match the schema without touching the table', async () => {
    const deps = testDeps();
    const error = await appError(createCategory({ slug: 'Not A Slug', name: '' } as never, staff, deps));
    expect(error.fields?.map((f) => f.field).sort()).toEqual(['body.name', 'body.slug']);
    expect(await itemAt(keys.categoryPath('Not A Slug'))).toBeUndefined();
  });
});
