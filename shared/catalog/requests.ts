import { z } from 'zod';
import { ValidationError } from '../errors.js';
import { fieldErrors } from '../http/validate.js';
import { AttributeDefinition, AttributeValue, BundleComponent, Id, Slug, TaxCategory, Variant } from './model.js';

/**
 * Request shapes of the catalog's HTTP slice. They are strict (an unknown field is a 400 naming
 * it) and the use-cases parse their input with them again, so that callers without HTTP (the
 * seed script, imports) get the same checks and the same defaults.
 */

const Tags = z.array(z.string().trim().min(1).max(40)).max(30);
const Bundle = z.strictObject({ components: z.array(BundleComponent).min(2).max(20) });

export const CreateCategoryRequest = z.strictObject({
  slug: Slug,
  name: z.string().trim().min(1).max(80),
  /** Absent or null for a root category. */
  parentId: Id.nullable().default(null),
  tags: Tags.default([]),
  attributes: z.array(AttributeDefinition).max(40).default([]),
});
export type CreateCategoryInput = z.input<typeof CreateCategoryRequest>;

export const ListCategoriesQuery = z.strictObject({
  /** `true` nests the categories under their parents instead of a flat list. */
  tree: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
});

/** The staff listing of categories: the shoppers' listing plus which statuses to show. */
export const ListAdminCategoriesQuery = ListCategoriesQuery.extend({
  status: z.enum(['active', 'retired', 'all']).default('all'),
});

/**
 * A category's rename and/or move: a new `name`, a new `slug` (its path segment) or a new `parentId` (`null` makes it a
 * root). The expected `version` comes here or in `If-Match`.
 */
export const UpdateCategoryRequest = z
  .strictObject({
    version: z.number().int().positive().optional(),
    name: z.string().trim().min(1).max(80).optional(),
    slug: Slug.optional(),
    parentId: Id.nullable().optional(),
  })
  .refine((patch) => Object.keys(patch).some((name) => name !== 'version'), { message: 'must change at least one of name, slug and parentId' });
export type UpdateCategoryInput = z.input<typeof UpdateCategoryRequest>;

export const CategoryIdParams = z.strictObject({ id: Id });

export const CreateProductRequest = z.strictObject({
  /** Derived from the name when absent. */
  slug: Slug.optional(),
  name: z.string().trim().min(1).max(160),
  brand: z.string().trim().min(1).max(80).optional(),
  description: z.string().max(4000).default(''),
  categoryId: Id,
  tags: Tags.default([]),
  attributes: z.record(z.string(), AttributeValue).default({}),
  taxCategory: TaxCategory,
  /** Defaults to true for alcohol and false otherwise. */
  ageRestricted: z.boolean().optional(),
  variants: z.array(Variant).min(1).max(50),
  bundle: Bundle.optional(),
  status: z.enum(['active', 'archived']).default('active'),
});
export type CreateProductInput = z.input<typeof CreateProductRequest>;

/**
 * A JSON merge patch of a product's editable fields: absent leaves a field alone, `null` removes
 * an optional one (or a single attribute), and `variants` replaces the whole list. The expected
 * `version` comes here or in `If-Match`.
 */
export const UpdateProductRequest = z
  .strictObject({
    version: z.number().int().positive().optional(),
    slug: Slug.optional(),
    name: z.string().trim().min(1).max(160).optional(),
    brand: z.string().trim().min(1).max(80).nullable().optional(),
    description: z.string().max(4000).nullable().optional(),
    categoryId: Id.optional(),
    tags: Tags.optional(),
    attributes: z.record(z.string(), AttributeValue.nullable()).optional(),
    taxCategory: TaxCategory.optional(),
    ageRestricted: z.boolean().optional(),
    variants: z.array(Variant).min(1).max(50).optional(),
    bundle: Bundle.nullable().optional(),
    status: z.enum(['active', 'archived']).optional(),
  })
  .refine((patch) => Object.keys(patch).some((name) => name !== 'version'), { message: 'must change at least one field' });
export type UpdateProductInput = z.input<typeof UpdateProductRequest>;

export const ProductIdParams = z.strictObject({ id: Id });

/** Filters and paging of the products listing, once `attr.<name>` parameters are gathered into `attr`. */
export const ProductFilters = z.strictObject({
  /** A category id; the listing includes its descendants' products. */
  category: Id.optional(),
  tag: z.string().min(1).max(40).optional(),
  status: z.enum(['active', 'archived']).default('active'),
  limit: z.coerce.number().int().min(1).max(100).default(24),
  cursor: z.string().optional(),
  attr: z
    .record(z.string().regex(/^[a-z][a-zA-Z0-9]*$/, 'attribute names are camelCase'), z.string().min(1).max(200))
    .refine((attrs) => Object.keys(attrs).length <= 10, 'at most 10 attribute filters')
    .default({}),
});
export type ProductFiltersInput = z.input<typeof ProductFilters>;

const ATTRIBUTE_PARAM = /^attr\.(.*)$/;

/**
 * The products listing's query string. `attr.<name>=<value>` parameters are gathered into `attr`
 * before the strict check, so any other unknown parameter is still a 400 naming it.
 */
export const ListProductsQuery = z.preprocess((raw) => {
  if (typeof raw !== 'object' || raw === null) return raw;
  const rest: Record<string, unknown> = {};
  const attr: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(raw)) {
    const match = ATTRIBUTE_PARAM.exec(name);
    if (match) attr[match[1]!] = value;
    else rest[name] = value;
  }
  return Object.keys(attr).length > 0 ? { ...rest, attr } : rest;
}, ProductFilters);

/**
 * Parses use-case input with a request schema, failing the way the HTTP layer does.
 * @throws ValidationError listing every failing field under `where`
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, where = 'body'): z.infer<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new ValidationError(fieldErrors(where, result.error));
  return result.data;
}
