import { z } from 'zod';

/**
 * The catalog's shapes. Request schemas are strict (unknown fields are a 400); stored items are
 * parsed with the same schemas so that a drifted item fails loudly rather than leaking out.
 * Money is integer minor units plus an ISO 4217 currency; contents are integer grams, millilitres or units.
 */

export const Currency = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as GBP');
export const Money = z.strictObject({
  amount: z.number().int('must be whole minor units (pence, cents)').nonnegative().max(100_000_000),
  currency: Currency,
});
export type Money = z.infer<typeof Money>;

export const Sku = z
  .string()
  .regex(/^[A-Z0-9][A-Z0-9_-]{1,63}$/, 'must be 2–64 characters of A–Z, 0–9, - and _, starting with a letter or digit');
export const Slug = z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be lower-case words joined by hyphens').max(80);
export const Id = z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'must be a ULID');

export const TAX_CATEGORIES = ['food', 'non-food', 'alcohol'] as const;
export const TaxCategory = z.enum(TAX_CATEGORIES);

/** How a variant is sold, and so what its price is per. */
export const SoldBy = z.enum(['each', 'pack', 'weight', 'volume']);
export type SoldBy = z.infer<typeof SoldBy>;

/** Net content of one sellable unit, for unit-price comparison: 400 g, 1000 ml, 6 units. */
export const NetContent = z.strictObject({
  quantity: z.number().int().positive().max(1_000_000),
  unit: z.enum(['g', 'ml', 'unit']),
});
export type NetContent = z.infer<typeof NetContent>;

export const Variant = z
  .strictObject({
    sku: Sku,
    name: z.string().min(1).max(120),
    soldBy: SoldBy,
    /** each/pack: the price of one item or pack; weight: per kg; volume: per litre. */
    price: Money,
    /** each/pack only: what one item or pack contains. */
    netContent: NetContent.optional(),
    /** pack only: how many items are in the pack. */
    packSize: z.number().int().min(2).max(1000).optional(),
    /** weight only: a typical item's weight, for estimating "3 bananas" as grams. */
    averageWeightGrams: z.number().int().positive().max(100_000).optional(),
    barcode: z.string().regex(/^\d{8,14}$/, 'must be a GTIN of 8 to 14 digits').optional(),
  })
  .superRefine((v, ctx) => {
    if (v.soldBy === 'pack' && v.packSize === undefined) {
      ctx.addIssue({ code: 'custom', path: ['packSize'], message: 'is required when soldBy is pack' });
    }
    if (v.soldBy !== 'pack' && v.packSize !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['packSize'], message: 'applies only when soldBy is pack' });
    }
    if ((v.soldBy === 'weight' || v.soldBy === 'volume') && v.netContent !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['netContent'], message: 'does not apply to items priced per kg or per litre' });
    }
    if (v.soldBy !== 'weight' && v.averageWeightGrams !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['averageWeightGrams'], message: 'applies only when soldBy is weight' });
    }
  });
export type Variant = z.infer<typeof Variant>;

export const AttributeValue = z.union([z.string().max(200), z.number(), z.boolean(), z.array(z.string().max(80)).max(30)]);
export type AttributeValue = z.infer<typeof AttributeValue>;

/** A typed attribute that a category defines for its products (and its descendants' products). */
export const AttributeDefinition = z.strictObject({
  name: z.string().regex(/^[a-z][a-zA-Z0-9]*$/, 'must be camelCase'),
  type: z.enum(['string', 'number', 'boolean', 'enum', 'multi-enum']),
  values: z.array(z.string().min(1).max(80)).min(1).max(100).optional(),
  required: z.boolean().default(false),
});
export type AttributeDefinition = z.infer<typeof AttributeDefinition>;

export const BundleComponent = z.strictObject({ sku: Sku, quantity: z.number().int().positive().max(100) });

export const ImageRef = z.strictObject({
  id: Id,
  contentType: z.enum(['image/jpeg', 'image/png', 'image/webp']),
  key: z.string(),
  status: z.enum(['processing', 'ready', 'failed']),
  width: z.number().int().optional(),
  height: z.number().int().optional(),
  thumbnails: z.record(z.string(), z.strictObject({ key: z.string(), width: z.number().int(), height: z.number().int() })).default({}),
  uploadedAt: z.iso.datetime(),
});
export type ImageRef = z.infer<typeof ImageRef>;

export const Category = z.strictObject({
  id: Id,
  slug: Slug,
  name: z.string().min(1).max(80),
  parentId: Id.nullable(),
  /** Materialized path of slugs from the root, `fresh-produce/fruit`. */
  path: z.string(),
  tags: z.array(z.string().min(1).max(40)).max(30),
  attributes: z.array(AttributeDefinition).max(40),
  /** Retired categories stay for history (orders, reports, the audit) but take no new products or children. */
  status: z.enum(['active', 'retired']).default('active'),
  /** Bumped by each rename, move and retirement; renames and moves name it (`version` or `If-Match`). Items from before issue 14 have none: 1. */
  version: z.number().int().positive().default(1),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type Category = z.infer<typeof Category>;

export const Product = z.strictObject({
  id: Id,
  slug: Slug,
  name: z.string().min(1).max(160),
  brand: z.string().min(1).max(80).optional(),
  description: z.string().max(4000).default(''),
  categoryId: Id,
  categoryPath: z.string(),
  tags: z.array(z.string().min(1).max(40)).max(30),
  attributes: z.record(z.string(), AttributeValue),
  taxCategory: TaxCategory,
  /** Set when a shopper must prove their age (alcohol, some medicines, knives). */
  ageRestricted: z.boolean(),
  variants: z.array(Variant).min(1).max(50),
  /** Present on bundles: their stock is derived from these components. */
  bundle: z.strictObject({ components: z.array(BundleComponent).min(2).max(20) }).optional(),
  images: z.array(ImageRef).max(20),
  status: z.enum(['active', 'archived']),
  version: z.number().int().positive(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type Product = z.infer<typeof Product>;
