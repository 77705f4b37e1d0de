import { categoryCreatedV1 } from '../../events/catalog/category-created.v1.js';
import { ConflictError, ValidationError, type FieldError } from '../errors.js';
import { effectiveDefinitions, validateDefinitions } from './attributes.js';
import { catalogDeps, type Actor, type CatalogDeps } from './deps.js';
import { catalogEvent } from './events.js';
import type { Category } from './model.js';
import { categoryItem, categoryPathClaimItem, getCategoryChain, joinCategory, queryAllCategories } from './repository.js';
import { TransactionCancelled, transactWrite, type TransactItem } from '../db/transact.js';
import { CreateCategoryRequest, parseInput, type CreateCategoryInput } from './requests.js';
import { compareCategoryPaths, toCategoryTree, toCategoryView, type CategoryNode, type CategoryView } from './views.js';

/**
 * Deepest allowed category, counting the root as depth 0. Paths are sort keys, and DynamoDB caps
 * those at 1024 bytes: eight levels of 80-character slugs stay well inside it.
 */
export const MAX_CATEGORY_DEPTH = 7;

/**
 * Adds a category under an existing parent (or as a root). Its path is claimed in the same
 * transaction that writes it, so two categories can never share a path even when created at once;
 * `category.created` is written in that transaction too.
 * @throws ValidationError (400) for bad input, a missing parent or a clash with inherited attributes
 * @throws ConflictError (409, `category-exists`) when the path is taken
 */
export async function createCategory(input: CreateCategoryInput, who: Actor, deps: CatalogDeps = catalogDeps()): Promise<CategoryView> {
  const body = parseInput(CreateCategoryRequest, input);
  const ancestors = body.parentId ? await getCategoryChain(deps, body.parentId) : [];
  const errors: FieldError[] = [];
  if (!ancestors) {
    throw new ValidationError([{ field: 'body.parentId', message: `no category has the id ${body.parentId}` }]);
  }
  if (ancestors.at(-1)?.status === 'retired') {
    throw new ValidationError([{ field: 'body.parentId', message: `category ${body.parentId} is retired` }]);
  }
  if (ancestors.length > MAX_CATEGORY_DEPTH) {
    errors.push({ field: 'body.parentId', message: `a category may be at most ${MAX_CATEGORY_DEPTH} levels below a root` });
  }
  errors.push(...validateDefinitions(body.attributes, effectiveDefinitions(ancestors)));
  if (errors.length > 0) throw new ValidationError(errors);

  const parent = ancestors.at(-1);
  const now = deps.now().toISOString();
  const category: Category = {
    id: deps.newId(),
    slug: body.slug,
    name: body.name,
    parentId: parent?.id ?? null,
    path: parent ? `${parent.path}/${body.slug}` : body.slug,
    tags: [...new Set(body.tags)],
    attributes: body.attributes,
    status: 'active',
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
  const created = { categoryId: category.id, slug: category.slug, name: category.name, parentId: category.parentId, path: category.path, actor: who.actor };
  const items: TransactItem[] = [
    {
      Put: {
        TableName: deps.tableName,
        Item: categoryPathClaimItem(category.path, category.id),
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    {
      Put: {
        TableName: deps.tableName,
        Item: categoryItem({ category, ancestorIds: ancestors.map((a) => a.id) }),
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    catalogEvent(deps, categoryCreatedV1, created, who, category.id),
  ];
  if (parent) {
    items.push(joinCategory(deps, parent.id, parent.path));
  }
  try {
    await transactWrite(deps, items);
  } catch (error) {
    if (!(error instanceof TransactionCancelled)) throw error;
    const failed = error.failedConditions();
    if (failed.includes(0)) {
      throw new ConflictError('category-exists', `A category with the path ${category.path} already exists.`, {
        extensions: { path: category.path },
      });
    }
    if (failed.includes(3)) {
      throw new ValidationError([{ field: 'body.parentId', message: `category ${body.parentId} was retired, moved or removed meanwhile; read it again` }]);
    }
    throw error;
  }
  return toCategoryView(category);
}

/**
 * The categories in tree order (each followed by its subtree), flat with parentId, path and depth, or nested under
 * their parents. Shoppers see the active ones (the default); catalog staff may ask for the retired ones or all. A retired
 * category has no active descendants (retiring is refused while it has any), so the active ones always form whole trees.
 */
export async function listCategories(
  options: { tree: boolean; status?: 'active' | 'retired' | 'all' },
  deps: CatalogDeps = catalogDeps(),
): Promise<{ items: CategoryView[] | CategoryNode[] }> {
  const status = options.status ?? 'active';
  const views = (await queryAllCategories(deps))
    .filter(({ category }) => status === 'all' || category.status === status)
    .map(({ category }) => toCategoryView(category))
    .sort((a, b) => compareCategoryPaths(a.path, b.path));
  return { items: options.tree ? toCategoryTree(views) : views };
}
