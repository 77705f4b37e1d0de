import { config } from '../config/config.js';
import type { Category, ImageRef, Product, Variant } from './model.js';
import { unitPrice, type UnitPrice } from './units.js';

/**
 * What the API returns for catalog entities: the stored shapes plus what is derived from them
 * (unit prices, image URLs, a category's depth), computed on the way out so that they never go stale.
 */

export type VariantView = Variant & { unitPrice: UnitPrice };

export type ImageView = Omit<ImageRef, 'thumbnails'> & {
  url: string;
  thumbnails: Record<string, ImageRef['thumbnails'][string] & { url: string }>;
};

export type ProductView = Omit<Product, 'variants' | 'images'> & { variants: VariantView[]; images: ImageView[] };

/** Joins the media base URL and an object key with exactly one slash between them. */
export function mediaUrl(baseUrl: string, key: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/${key.replace(/^\/+/, '')}`;
}

/** An image as the API shows it: with the public URL of its original and of each thumbnail. */
export function toImageView(image: ImageRef, mediaBaseUrl: string): ImageView {
  return {
    ...image,
    url: mediaUrl(mediaBaseUrl, image.key),
    thumbnails: Object.fromEntries(Object.entries(image.thumbnails).map(([name, t]) => [name, { ...t, url: mediaUrl(mediaBaseUrl, t.key) }])),
  };
}

/**
 * The API view of a product: each variant with its comparison unit price, each image and
 * thumbnail with its public URL.
 * @param mediaBaseUrl where media keys are served from; read from the configuration only when the product has images
 */
export function toProductView(product: Product, mediaBaseUrl?: string): ProductView {
  const base = () => mediaBaseUrl ?? config.mediaBaseUrl;
  return {
    ...product,
    variants: product.variants.map((variant) => ({ ...variant, unitPrice: unitPrice(variant) })),
    images: product.images.map((image) => toImageView(image, base())),
  };
}

export type CategoryView = Category & { depth: number };
export type CategoryNode = CategoryView & { children: CategoryNode[] };

/** The API view of a category: its depth in the tree, 0 for a root. */
export function toCategoryView(category: Category): CategoryView {
  return { ...category, depth: category.path.split('/').length - 1 };
}

/**
 * Nests a flat list of categories into trees under their roots. Siblings keep the list's order,
 * so a list sorted with `compareCategoryPaths` gives siblings ordered by slug.
 */
export function toCategoryTree(categories: readonly CategoryView[]): CategoryNode[] {
  const nodes = new Map(categories.map((c) => [c.id, { ...c, children: [] as CategoryNode[] }]));
  const roots: CategoryNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.parentId ? nodes.get(node.parentId) : undefined;
    if (parent) parent.children.push(node);
    else roots.push(node);
  }
  return roots;
}

/**
 * Orders paths depth-first: a category, then its whole subtree, then its next sibling. Plain string
 * order (the index's) would put `fruit-juice` between `fruit` and `fruit/apples`, since `-` sorts before `/`.
 */
export function compareCategoryPaths(a: string, b: string): number {
  const left = a.split('/');
  const right = b.split('/');
  for (let i = 0; i < Math.min(left.length, right.length); i += 1) {
    if (left[i] !== right[i]) return left[i]! < right[i]! ? -1 : 1;
  }
  return left.length - right.length;
}
