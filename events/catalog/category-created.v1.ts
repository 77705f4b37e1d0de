import { z } from 'zod';
import { defineEvent } from '../contract.js';

/** A category was added to the catalog tree. */
export const categoryCreatedV1 = defineEvent({
  source: 'smartshelf.catalog',
  detailType: 'category.created',
  version: 1,
  schema: z.strictObject({
    categoryId: z.string(),
    slug: z.string(),
    name: z.string(),
    parentId: z.string().nullable(),
    /** Materialized path of slugs from the root, `fresh-produce/fruit`. */
    path: z.string(),
    actor: z.string(),
  }),
});
