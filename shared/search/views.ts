import { z } from 'zod';
import { Id, Money } from '../catalog/model.js';
import { mediaUrl } from '../catalog/views.js';
import { DietFlag, PriceBand, UnitPrice } from './document.js';
import type { Facets, Hit, ProductSummary } from './index.js';

/**
 * What search and recommendations return. The zod schemas are the response contract: the OpenAPI
 * document renders them, and the types below are inferred from them, so the two cannot drift.
 */

export const ProductSummaryView = z.strictObject({
  id: Id,
  name: z.string(),
  brand: z.string().optional(),
  categoryId: Id,
  /** The lowest variant price. */
  price: Money,
  /** The unit price of that variant. */
  unitPrice: UnitPrice,
  diet: z.array(DietFlag),
  onOffer: z.boolean(),
  ageRestricted: z.boolean(),
  thumbnailUrl: z.url().nullable(),
  /** Whether the store named in the request has it in stock; absent when no store was named. */
  inStock: z.boolean().optional(),
});
export type ProductSummaryView = z.infer<typeof ProductSummaryView>;

const FacetCount = <T extends z.ZodType>(value: T) => z.strictObject({ value, count: z.number().int().nonnegative() });

export const SearchFacets = z.strictObject({
  category: z.array(z.strictObject({ id: Id, name: z.string(), count: z.number().int().nonnegative() })),
  brand: z.array(FacetCount(z.string())),
  diet: z.array(FacetCount(DietFlag)),
  priceBand: z.array(FacetCount(PriceBand)),
  onOffer: z.array(FacetCount(z.boolean())),
  /** Null unless the request names a store. */
  inStock: z.array(FacetCount(z.boolean())).nullable(),
});

export const SearchPage = z.strictObject({
  items: z.array(ProductSummaryView),
  facets: SearchFacets,
  /** How many products match in all. */
  total: z.number().int().nonnegative(),
  /** Pass back as `cursor` for the next page; null on the last one. */
  nextCursor: z.string().nullable(),
});
export type SearchPage = z.infer<typeof SearchPage>;

/** The view of an index summary; `mediaBaseUrl` is asked for only when the product has a thumbnail. */
export function toSummaryView(summary: ProductSummary, mediaBaseUrl: () => string, inStock?: boolean): ProductSummaryView {
  return {
    id: summary.productId,
    name: summary.name,
    ...(summary.brand ? { brand: summary.brand } : {}),
    categoryId: summary.categoryId,
    price: summary.price,
    unitPrice: summary.unitPrice,
    diet: summary.diet,
    onOffer: summary.onOffer,
    ageRestricted: summary.ageRestricted,
    thumbnailUrl: summary.thumbnailKey ? mediaUrl(mediaBaseUrl(), summary.thumbnailKey) : null,
    ...(inStock === undefined ? {} : { inStock }),
  };
}

export function toSearchPage(result: { total: number; hits: Hit[]; facets: Facets }, nextCursor: string | null, mediaBaseUrl: () => string): SearchPage {
  return {
    items: result.hits.map((hit) => toSummaryView(hit.summary, mediaBaseUrl, hit.inStock)),
    facets: result.facets,
    total: result.total,
    nextCursor,
  };
}
