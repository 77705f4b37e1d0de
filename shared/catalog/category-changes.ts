import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { attributedTo, auditItem } from '../audit/audit-entry.js';
import { INDEXES, keys } from '../db/keys.js';
import { TransactionCancelled, transactWrite, type TransactItem } from '../db/transact.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { versionRequired } from '../http/if-match.js';
import { effectiveDefinitions, validateDefinitions } from './attributes.js';
import { MAX_CATEGORY_DEPTH } from './categories.js';
import { moveProblem, rebaseAncestors, rebasePath } from './category-tree.js';
import { catalogDeps, type Actor, type CatalogDeps } from './deps.js';
import { productUpdateEvents } from './events.js';
import { Id, type Category, type Product } from './model.js';
import { categoryPathClaimItem, getCategory, getCategoryChain, joinCategory, productFromItem, queryAllCategories, unchangedMembers, type StoredCategory } from './repository.js';
import { parseInput, UpdateCategoryRequest, type UpdateCategoryInput } from './requests.js';
import { toCategoryView, type CategoryView } from './views.js';

/** DynamoDB's limit on the items of one transaction, which bounds the subtree one move may carry. */
const MAX_TRANSACTION_ITEMS = 100;

/** The gsi1 partition of the products listing (category path, then id). */
const PRODUCTS = keys.productListing('', '').gsi1pk;

function versionConflict(id: string, expected: number, current: number): ConflictError {
  return new ConflictError('version-mismatch', `Category ${id} is at version ${current}, not ${expected}; read it again and reapply the change.`, {
    extensions: { expectedVersion: expected, currentVersion: current },
  });
}

function retiredConflict(id: string): ConflictError {
  return new ConflictError('category-retired', `Category ${id} is retired; a retired category is kept as it was.`, { extensions: { categoryId: id } });
}

/** Every product listed at `path` or below it, whatever its status: one Query of the listing's path range, page by page. */
async function productsUnder(deps: CatalogDeps, path: string): Promise<Product[]> {
  const found: Product[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await deps.db.send(
      new QueryCommand({
        TableName: deps.tableName,
        IndexName: INDEXES.gsi1.name,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :path)',
        // The key prefix also matches siblings that merely start alike (`fruit` and `fruit-juice`).
        FilterExpression: '#path = :path OR begins_with(#path, :below)',
        ExpressionAttributeNames: { '#pk': INDEXES.gsi1.partition, '#sk': INDEXES.gsi1.sort, '#path': 'categoryPath' },
        ExpressionAttributeValues: { ':pk': PRODUCTS, ':path': path, ':below': `${path}/` },
        ExclusiveStartKey: start,
      }),
    );
    found.push(...(page.Items ?? []).map(productFromItem));
    start = page.LastEvaluatedKey;
  } while (start);
  return found;
}

/**
 * Renames a category and/or moves it (a new `slug` or `parentId`), under optimistic concurrency (`version` or
 * `If-Match`). A rename of the name alone touches the category only. A new slug or parent changes the materialized path
 * of the category and its whole subtree, which categories, path claims and products all carry (the products listing
 * and search key on it); one transaction rewrites them all, so nobody ever sees half a move, and a subtree too large
 * for one transaction is refused rather than moved in parts that could be seen, or fail, half-way. Products moved get
 * their next version and `product.updated`. The change is audited (`category-updated`).
 * @throws NotFoundError (404) when there is no such category
 * @throws ValidationError (400) for bad input: a move under itself or a descendant, a missing or retired parent, too deep, clashing attributes
 * @throws ConflictError (409) `version-mismatch`, `category-retired`, `category-exists` (the new path is taken), `category-too-large-to-move`
 */
export async function updateCategory(
  id: string,
  input: UpdateCategoryInput,
  who: Actor & { ifMatch?: string },
  deps: CatalogDeps = catalogDeps(),
): Promise<CategoryView> {
  const { version: bodyVersion, ...patch } = parseInput(UpdateCategoryRequest, input);
  const expected = versionRequired(bodyVersion, who.ifMatch, 'category');
  const stored = await getCategory(deps, id, true);
  if (!stored) throw new NotFoundError('Category', id);
  const current = stored.category;
  if (current.version !== expected) throw versionConflict(id, expected, current.version);
  if (current.status === 'retired') throw retiredConflict(id);

  const parentId = patch.parentId === undefined ? current.parentId : patch.parentId;
  const slug = patch.slug ?? current.slug;
  const name = patch.name ?? current.name;
  const now = deps.now().toISOString();
  const moved = parentId !== current.parentId || slug !== current.slug;
  if (!moved && name === current.name) return toCategoryView(current);

  const next: Category = { ...current, name, slug, parentId, version: current.version + 1, updatedAt: now };
  const items: TransactItem[] = [];
  const categoryUpdate = {
    names: { '#name': 'name', '#version': 'version', '#updatedAt': 'updatedAt' } as Record<string, string>,
    values: { ':name': name, ':next': next.version, ':updatedAt': now, ':expected': current.version } as Record<string, unknown>,
    sets: ['#name = :name', '#version = :next', '#updatedAt = :updatedAt'],
  };
  if (moved) {
    const plan = await planMove(deps, stored, { parentId, slug }, who, now);
    next.path = plan.path;
    items.push(...plan.items);
    Object.assign(categoryUpdate.names, { '#slug': 'slug', '#parentId': 'parentId', '#path': 'path', '#gsk': INDEXES.gsi1.sort, '#ancestors': 'ancestorIds' });
    Object.assign(categoryUpdate.values, { ':slug': slug, ':parentId': parentId, ':path': plan.path, ':ancestors': plan.ancestorIds });
    categoryUpdate.sets.push('#slug = :slug', '#parentId = :parentId', '#path = :path', '#gsk = :path', '#ancestors = :ancestors');
  }
  const audit = auditItem({
    ...attributedTo(who),
    entity: 'category',
    entityId: id,
    action: 'category-updated',
    at: now,
    before: { name: current.name, slug: current.slug, parentId: current.parentId, path: current.path },
    after: { name: next.name, slug: next.slug, parentId: next.parentId, path: next.path },
  });
  // A move also needs nobody to have joined the category since its products were read (see the subtree's updates).
  const members = moved ? unchangedMembers(stored.memberWrites) : { condition: '', values: {} };
  items.unshift({
    Update: {
      TableName: deps.tableName,
      Key: keys.category(id),
      UpdateExpression: `SET ${categoryUpdate.sets.join(', ')}`,
      ConditionExpression: `attribute_exists(pk) AND #version = :expected AND (attribute_not_exists(#status) OR #status = :active)${moved ? ` AND ${members.condition}` : ''}`,
      ExpressionAttributeNames: { ...categoryUpdate.names, '#status': 'status' },
      ExpressionAttributeValues: { ...categoryUpdate.values, ':active': 'active', ...members.values },
    },
  });
  items.push({ Put: { TableName: deps.tableName, Item: audit } });
  if (items.length > MAX_TRANSACTION_ITEMS) {
    throw new ConflictError(
      'category-too-large-to-move',
      `Moving category ${id} rewrites ${items.length} items (its subtree's categories and products); at most ${MAX_TRANSACTION_ITEMS} fit in one change. Move its subcategories one at a time first.`,
      { extensions: { items: items.length, limit: MAX_TRANSACTION_ITEMS } },
    );
  }
  try {
    await transactWrite(deps, items);
  } catch (error) {
    if (!(error instanceof TransactionCancelled)) throw error;
    const failed = error.failedConditions();
    if (failed.includes(0)) {
      const latest = await getCategory(deps, id, true);
      if (!latest) throw new NotFoundError('Category', id);
      if (latest.category.status === 'retired') throw retiredConflict(id);
      if (latest.category.version !== expected) throw versionConflict(id, expected, latest.category.version);
    }
    const claim = items.findIndex((item) => item.Put?.Item?.entityType === 'CategoryPath');
    if (claim >= 0 && failed.includes(claim)) {
      throw new ConflictError('category-exists', `A category with the path ${next.path} already exists.`, { extensions: { path: next.path } });
    }
    // Anything else (a product or descendant changed, the new parent moved or retired) changed under the move: say so.
    throw new ConflictError('category-changed', `Category ${id}'s subtree or its new parent changed while it moved; read them again and retry.`);
  }
  return toCategoryView(next);
}

interface MovePlan {
  path: string;
  ancestorIds: string[];
  items: TransactItem[];
}

/**
 * The writes of a move besides the category's own update: its path claim moved, each descendant's path, ancestors and
 * path claim, each product's path (with its next version and `product.updated`), and the new parent joined (which
 * fails if it retires or moves meanwhile). Refuses moves that break the tree.
 */
async function planMove(
  deps: CatalogDeps,
  stored: StoredCategory,
  to: { parentId: string | null; slug: string },
  who: Actor,
  now: string,
): Promise<MovePlan> {
  const { category } = stored;
  const all = await queryAllCategories(deps);
  const nodes = new Map(all.map((c) => [c.category.id, c.category]));
  const problem = moveProblem(nodes, category.id, to.parentId);
  if (problem) {
    throw new ValidationError([
      { field: 'body.parentId', message: problem === 'itself' ? 'a category cannot move under itself' : `${to.parentId} is below this category; it cannot move under its own descendant` },
    ]);
  }
  const parentChain = to.parentId === null ? [] : await getCategoryChain(deps, to.parentId);
  if (!parentChain) throw new ValidationError([{ field: 'body.parentId', message: `no category has the id ${to.parentId}` }]);
  const parent = parentChain.at(-1);
  if (parent?.status === 'retired') throw new ValidationError([{ field: 'body.parentId', message: `category ${parent.id} is retired` }]);

  const subtree = all.filter((c) => c.ancestorIds.includes(category.id));
  const path = parent ? `${parent.path}/${to.slug}` : to.slug;
  const newChainIds = parentChain.map((c) => c.id);
  const depthBelow = Math.max(0, ...subtree.map((c) => c.ancestorIds.length - stored.ancestorIds.length));
  if (parentChain.length + depthBelow > MAX_CATEGORY_DEPTH) {
    throw new ValidationError([{ field: 'body.parentId', message: `the subtree would reach more than ${MAX_CATEGORY_DEPTH} levels below a root` }]);
  }
  const clashes = validateDefinitions(category.attributes, effectiveDefinitions(parentChain));
  if (clashes.length > 0) throw new ValidationError(clashes);

  const items: TransactItem[] = [];
  const moveClaim = (from: string, to: string, id: string) => {
    items.push(
      { Delete: { TableName: deps.tableName, Key: keys.categoryPath(from), ConditionExpression: 'categoryId = :id', ExpressionAttributeValues: { ':id': id } } },
      { Put: { TableName: deps.tableName, Item: categoryPathClaimItem(to, id), ConditionExpression: 'attribute_not_exists(pk)' } },
    );
  };
  moveClaim(category.path, path, category.id);
  for (const { category: below, ancestorIds, memberWrites } of subtree) {
    const belowPath = rebasePath(below.path, category.path, path);
    moveClaim(below.path, belowPath, below.id);
    items.push({
      Update: {
        TableName: deps.tableName,
        Key: keys.category(below.id),
        UpdateExpression: 'SET #path = :path, #gsk = :path, ancestorIds = :ancestors',
        // Nothing joined it since the products were read: a product created there meanwhile would stay at the old path.
        ConditionExpression: `#path = :old AND ${unchangedMembers(memberWrites).condition}`,
        ExpressionAttributeNames: { '#path': 'path', '#gsk': INDEXES.gsi1.sort },
        ExpressionAttributeValues: {
          ':path': belowPath,
          ':old': below.path,
          ':ancestors': rebaseAncestors(ancestorIds, category.id, newChainIds),
          ...unchangedMembers(memberWrites).values,
        },
      },
    });
  }
  for (const product of await productsUnder(deps, category.path)) {
    const next: Product = { ...product, categoryPath: rebasePath(product.categoryPath, category.path, path), version: product.version + 1, updatedAt: now };
    items.push({
      Update: {
        TableName: deps.tableName,
        Key: keys.product(product.id),
        UpdateExpression: 'SET categoryPath = :path, #gsk = :gsk, #version = :next, updatedAt = :now',
        ConditionExpression: '#version = :expected',
        ExpressionAttributeNames: { '#gsk': INDEXES.gsi1.sort, '#version': 'version' },
        ExpressionAttributeValues: {
          ':path': next.categoryPath,
          ':gsk': keys.productListing(next.categoryPath, product.id).gsi1sk,
          ':next': next.version,
          ':expected': product.version,
          ':now': now,
        },
      },
    });
    items.push(...productUpdateEvents(deps, next, { changedFields: ['categoryPath'], addedSkus: [], removedSkus: [], prices: [] }, who));
  }
  if (parent) items.push(joinCategory(deps, parent.id, parent.path));
  return { path, ancestorIds: newChainIds, items };
}

/**
 * Retires a category: it stays (orders, reports and the audit name it) but takes no new products or children, and
 * shoppers no longer see it. Refused while it has an active child category or an active product. Those are read, and
 * the retirement is then conditioned on the category's `memberWrites` not having moved since: every product or child
 * that joins it through the API counts one (`joinCategory`), so one that joins in between fails the retirement, and one
 * that comes after fails itself. Imports write products without touching the category (it would serialize a whole
 * import on that one item), so an import racing a retirement can still land a product in it; the import refuses
 * categories already retired. Retiring a retired category answers it as it is.
 * @throws NotFoundError (404) when there is no such category
 * @throws ConflictError (409) `category-in-use` naming the active children and products, `category-changed` when one joined meanwhile
 */
export async function retireCategory(id: string, who: Actor, deps: CatalogDeps = catalogDeps()): Promise<CategoryView> {
  const categoryId = parseInput(Id, id, 'path.id');
  const stored = await getCategory(deps, categoryId, true);
  if (!stored) throw new NotFoundError('Category', categoryId);
  const { category } = stored;
  const unchanged = unchangedMembers(stored.memberWrites);
  if (category.status === 'retired') return toCategoryView(category);

  const children = (await queryAllCategories(deps)).filter((c) => c.category.parentId === categoryId && c.category.status === 'active').map((c) => c.category.id);
  const products = (await productsUnder(deps, category.path)).filter((p) => p.categoryId === categoryId && p.status === 'active').map((p) => p.id);
  if (children.length > 0 || products.length > 0) {
    throw new ConflictError(
      'category-in-use',
      `Category ${categoryId} still has ${children.length} active subcategor${children.length === 1 ? 'y' : 'ies'} and ${products.length} active product${products.length === 1 ? '' : 's'}; retire or move them first.`,
      { extensions: { categories: children.slice(0, 50), products: products.slice(0, 50) } },
    );
  }
  const now = deps.now().toISOString();
  const next: Category = { ...category, status: 'retired', version: category.version + 1, updatedAt: now };
  try {
    await transactWrite(deps, [
      {
        Update: {
          TableName: deps.tableName,
          Key: keys.category(categoryId),
          UpdateExpression: 'SET #status = :retired, #version = :next, updatedAt = :now',
          ConditionExpression: `(attribute_not_exists(#status) OR #status = :active) AND ${unchanged.condition}`,
          ExpressionAttributeNames: { '#status': 'status', '#version': 'version' },
          ExpressionAttributeValues: { ':retired': 'retired', ':active': 'active', ':next': next.version, ':now': now, ...unchanged.values },
        },
      },
      {
        Put: {
          TableName: deps.tableName,
          Item: auditItem({ ...attributedTo(who), entity: 'category', entityId: categoryId, action: 'category-retired', at: now, before: { status: 'active' }, after: { status: 'retired' } }),
        },
      },
    ]);
  } catch (error) {
    if (!(error instanceof TransactionCancelled)) throw error;
    const latest = await getCategory(deps, categoryId);
    if (latest?.category.status === 'retired') return toCategoryView(latest.category);
    throw new ConflictError('category-changed', `A product or subcategory joined category ${categoryId} while it was being retired; look again and retry.`);
  }
  return toCategoryView(next);
}

/** The strong entity tag of a category version, `"3"`, for `If-Match` on its rename or move. */
export function categoryEtag(category: Pick<Category, 'version'>): string {
  return `"${category.version}"`;
}
