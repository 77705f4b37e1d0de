import type { AsPlainObject } from 'minisearch';
import type { Money } from '../catalog/model.js';
import { DIET_FLAGS, PRICE_BANDS, priceBandIndex, type DietFlag, type PriceBand, type SearchDocument } from './document.js';
import { UnknownCategoryError } from './errors.js';
import { smallestK } from './select.js';
import { loadTextIndex, matchText, newTextIndex, textDocument, type TextIndex } from './text.js';

/**
 * The in-memory product search index: MiniSearch for the text, and one typed-array column per
 * facet, indexed by a dense document number, for filtering, counting and sorting. A query runs
 * the text search (or takes every document when there is no text), then makes one pass over the
 * candidates that tests every filter and counts every facet at once.
 *
 * Changes are applied one document at a time (`upsert`, `remove`, `setStock`): MiniSearch replaces
 * the document's text, the columns are overwritten in place, and a removed product leaves a
 * tombstone (its number is not reused) until the index is next built from scratch. Each change
 * carries a version, and an older one never overwrites a newer one, so replaying the change feed
 * over a snapshot (or the same change twice) cannot move the index backwards.
 *
 * Whether a product is on offer is not in its document: it follows the running promotions, which
 * start and end without any change to the product. The index holds the promoted SKUs and
 * categories (`setOffers`), gives each upserted product its bit from them, and recomputes the whole
 * column, one pass over typed arrays, whenever they are replaced.
 */

/** Document numbers share a sort key with the sorted value, in the low 22 bits (four million products). */
const DOC_BITS = 22;
const DOC_SPAN = 2 ** DOC_BITS;
/** Largest value a sort key's high part may take so that the key stays an exact double. */
const MAX_SORT_VALUE = 2 ** 30;

const INITIAL_CAPACITY = 1024;

/**
 * A text query's matches are kept until the text index next changes, since paging and facet
 * clicks repeat the same words; the cache holds at most this many document numbers (2 MB).
 */
const TEXT_CACHE_MAX_DOCS = 500_000;

export interface IndexOptions {
  /** Document numbers the text cache may hold; 0 turns it off (the bench measures both). */
  textCacheDocs?: number;
}

export type SortOrder = 'relevance' | 'price-asc' | 'price-desc' | 'unit-price-asc';

export interface IndexQuery {
  q?: string;
  /** A category id; its descendants' products match too. */
  category?: string;
  /** Any of these brands. */
  brand?: readonly string[];
  /** All of these flags. */
  diet?: readonly DietFlag[];
  priceBand?: PriceBand;
  onOffer?: boolean;
  /** Whose stock `inStock` and each item's `inStock` refer to. */
  store?: string;
  inStock?: boolean;
  sort: SortOrder;
  offset: number;
  limit: number;
}

/** What the index keeps of a product besides its text: enough to show it in a list. */
export interface ProductSummary {
  productId: string;
  version: number;
  name: string;
  brand?: string;
  price: Money;
  unitPrice: SearchDocument['unitPrice'];
  thumbnailKey?: string;
  skus: string[];
  categoryId: string;
  diet: DietFlag[];
  onOffer: boolean;
  ageRestricted: boolean;
}

export interface Hit {
  summary: ProductSummary;
  /** Present when the query names a store. */
  inStock?: boolean;
}

export interface FacetValue<T> {
  value: T;
  count: number;
}

export interface Facets {
  category: { id: string; name: string; count: number }[];
  brand: FacetValue<string>[];
  diet: FacetValue<DietFlag>[];
  priceBand: FacetValue<PriceBand>[];
  onOffer: FacetValue<boolean>[];
  /** Null unless the query names a store. */
  inStock: FacetValue<boolean>[] | null;
}

export interface IndexResult {
  total: number;
  hits: Hit[];
  facets: Facets;
}

export interface CategoryRef {
  id: string;
  name: string;
  parentId: string | null;
}

/** What puts products on offer: any of these SKUs, or a category here or above the product's own. */
export interface OfferTargets {
  skus: readonly string[];
  categoryIds: readonly string[];
}

const NO_OFFERS: OfferTargets = { skus: [], categoryIds: [] };

/** Brands listed in the brand facet: the most frequent, plus any the query selected. */
const MAX_BRAND_FACET_VALUES = 50;

/** Filter bits: a candidate that fails exactly one filter still counts in that filter's own facet. */
const F_CATEGORY = 1;
const F_BRAND = 2;
const F_DIET = 4;
const F_BAND = 8;
const F_OFFER = 16;
const F_STOCK = 32;

interface StoreStock {
  /** By SKU number: 1 when available > 0. */
  inStock: Uint8Array;
  /** By SKU number: the stock item's version of the last level applied (stock versions are counters below 2^32). */
  versions: Uint32Array;
  /** By document: how many of its SKUs are in stock. */
  docInStock: Uint8Array;
}

/** The serialized index: MiniSearch's own JSON plus the columns' source values. */
export interface IndexSnapshot {
  format: 1;
  text: AsPlainObject;
  /** By document number; null for a tombstone. */
  docs: (ProductSummary | null)[];
  popularity: number[];
  categories: CategoryRef[];
  skus: string[];
  /** Each store's in-stock flags and versions by SKU number, base64 of the typed arrays. */
  stores: { storeId: string; inStock: string; versions: string }[];
  /** Versions at which products were archived, so that an older change cannot bring them back. */
  removed: [string, number][];
  /** Absent from snapshots written before promotions drove the on-offer facet. */
  offers?: OfferTargets;
}

const bits = (flags: readonly DietFlag[]) => flags.reduce((mask, flag) => mask | (1 << DIET_FLAGS.indexOf(flag)), 0);

export class SearchIndex {
  private text: TextIndex;
  private capacity = 0;
  /** Document numbers handed out so far, tombstones included. */
  private size = 0;

  private live = new Uint8Array(0);
  private versions = new Float64Array(0);
  private category = new Int32Array(0);
  private brand = new Int32Array(0);
  private diet = new Uint8Array(0);
  private price = new Int32Array(0);
  private unitPrice = new Int32Array(0);
  private band = new Uint8Array(0);
  private offer = new Uint8Array(0);
  private popularity = new Int32Array(0);
  private summaries: (ProductSummary | null)[] = [];

  private readonly docOf = new Map<string, number>();
  private readonly removedAt = new Map<string, number>();

  /** Brand code 0 is "no brand". */
  private readonly brands: string[] = [''];
  private readonly brandCode = new Map<string, number>();

  private readonly categories: { id: string; name: string; parent: number }[] = [];
  private readonly categoryCode = new Map<string, number>();

  private skuCapacity = 0;
  private readonly skuNumber = new Map<string, number>();
  private readonly skus: string[] = [];
  /** By SKU number: the document that sells it, -1 for none. */
  private skuDoc = new Int32Array(0);

  private readonly stores = new Map<string, StoreStock>();

  private offerSkus = new Set<string>();
  private offerCategories = new Set<string>();

  private readonly textCache = new Map<string, Int32Array>();
  private textCacheDocs = 0;

  private readonly textCacheLimit: number;

  constructor(text: TextIndex = newTextIndex(), options: IndexOptions = {}) {
    this.text = text;
    this.textCacheLimit = options.textCacheDocs ?? TEXT_CACHE_MAX_DOCS;
    this.growDocs(INITIAL_CAPACITY);
    this.growSkus(INITIAL_CAPACITY);
  }

  /** Live products. */
  get documentCount(): number {
    return this.docOf.size;
  }

  /**
   * Adds or replaces a product. Ignored when the index already holds this version or a newer one
   * (or saw the product archived at a newer version).
   * @returns whether the index changed
   */
  upsert(document: SearchDocument): boolean {
    const existing = this.docOf.get(document.productId);
    const known = existing === undefined ? (this.removedAt.get(document.productId) ?? 0) : this.versions[existing]!;
    if (document.version <= known) return false;
    this.removedAt.delete(document.productId);
    let doc = existing;
    if (doc === undefined) {
      doc = this.size++;
      if (doc >= DOC_SPAN) throw new RangeError(`the search index holds at most ${DOC_SPAN} products`);
      if (doc >= this.capacity) this.growDocs(this.capacity * 2);
      this.docOf.set(document.productId, doc);
      this.text.add(textDocument(doc, document));
    } else {
      this.text.replace(textDocument(doc, document));
      this.releaseSkus(doc);
    }
    this.invalidateText();

    let parent = -1;
    for (const c of document.categories) parent = this.ensureCategory({ id: c.id, name: c.name, parentId: c.parentId }, parent);
    const onOffer = document.skus.some((sku) => this.offerSkus.has(sku)) || this.categoryOnOffer(parent);
    const summary: ProductSummary = {
      productId: document.productId,
      version: document.version,
      name: document.name,
      ...(document.brand ? { brand: document.brand } : {}),
      price: document.price,
      unitPrice: document.unitPrice,
      ...(document.thumbnailKey ? { thumbnailKey: document.thumbnailKey } : {}),
      skus: document.skus,
      categoryId: document.categories.at(-1)!.id,
      diet: document.diet,
      onOffer,
      ageRestricted: document.ageRestricted,
    };
    this.setColumns(doc, summary);
    this.claimSkus(doc);
    return true;
  }

  /**
   * Takes a product out of search (archived). Ignored when the index holds a newer version.
   * @returns whether the index changed
   */
  remove(productId: string, version: number): boolean {
    const doc = this.docOf.get(productId);
    const known = doc === undefined ? (this.removedAt.get(productId) ?? 0) : this.versions[doc]!;
    if (version < known || (doc === undefined && version === known)) return false;
    this.removedAt.set(productId, version);
    if (doc === undefined) return true;
    this.releaseSkus(doc);
    this.text.discard(doc);
    this.invalidateText();
    this.docOf.delete(productId);
    this.live[doc] = 0;
    this.summaries[doc] = null;
    return true;
  }

  /**
   * Records a SKU's stock at a store. Only whether anything is available matters to search; a
   * level older than the one applied (by the stock item's version) is ignored.
   * @returns whether the index changed
   */
  setStock(sku: string, storeId: string, available: number, version: number): boolean {
    const store = this.ensureStore(storeId);
    const n = this.ensureSku(sku);
    if (version < store.versions[n]!) return false;
    store.versions[n] = version;
    const now = available > 0 ? 1 : 0;
    if (store.inStock[n] === now) return false;
    store.inStock[n] = now;
    const doc = this.skuDoc[n]!;
    if (doc >= 0) store.docInStock[doc] = store.docInStock[doc]! + (now ? 1 : -1);
    return true;
  }

  /**
   * Replaces what puts products on offer and recomputes every live product's on-offer bit (and
   * its summary, where the bit flips).
   * @returns how many products changed
   */
  setOffers(targets: OfferTargets): number {
    this.offerSkus = new Set(targets.skus);
    this.offerCategories = new Set(targets.categoryIds);
    const next = new Uint8Array(this.size);
    const categoryOffered = this.categories.map((_, code) => (this.categoryOnOffer(code) ? 1 : 0));
    const { live, category, offer, summaries } = this;
    for (let doc = 0; doc < this.size; doc++) next[doc] = categoryOffered[category[doc]!]!;
    for (const sku of this.offerSkus) {
      const n = this.skuNumber.get(sku);
      const doc = n === undefined ? -1 : this.skuDoc[n]!;
      if (doc >= 0) next[doc] = 1;
    }
    let changed = 0;
    for (let doc = 0; doc < this.size; doc++) {
      if (!live[doc] || next[doc] === offer[doc]) continue;
      offer[doc] = next[doc]!;
      // A new summary rather than a changed one: hits already handed out keep what they said.
      summaries[doc] = { ...summaries[doc]!, onOffer: next[doc] === 1 };
      changed++;
    }
    return changed;
  }

  /** Sets how many completed orders included a product: the order of "popular" and of a search with no text. */
  setPopularity(productId: string, orders: number): void {
    const doc = this.docOf.get(productId);
    if (doc !== undefined) this.popularity[doc] = Math.min(orders, MAX_SORT_VALUE - 1);
  }

  /** Registers a category (or renames one), so that filters on it are accepted before any of its products arrive. */
  addCategory(category: CategoryRef): void {
    const parent = category.parentId === null ? -1 : this.ensureCategory({ id: category.parentId, name: '', parentId: null }, -1, false);
    this.ensureCategory(category, parent);
  }

  hasCategory(categoryId: string): boolean {
    return this.categoryCode.has(categoryId);
  }

  /** The parent of a known category; null for a root or a category the index does not know. */
  parentOf(categoryId: string): string | null {
    const code = this.categoryCode.get(categoryId);
    const parent = code === undefined ? -1 : this.categories[code]!.parent;
    return parent < 0 ? null : this.categories[parent]!.id;
  }

  /** A live product's summary; undefined when it is not searchable. */
  summary(productId: string): ProductSummary | undefined {
    const doc = this.docOf.get(productId);
    return doc === undefined ? undefined : this.summaries[doc]!;
  }

  /** Whether a live product has stock at the store, or at any store when none is given. */
  available(productId: string, storeId?: string): boolean {
    const doc = this.docOf.get(productId);
    if (doc === undefined) return false;
    if (storeId !== undefined) return (this.stores.get(storeId)?.docInStock[doc] ?? 0) > 0;
    for (const store of this.stores.values()) if (store.docInStock[doc]! > 0) return true;
    return false;
  }

  /**
   * The most popular live products in a category and its descendants, most popular first, that
   * `accept` lets through.
   * @throws UnknownCategoryError when the index does not know the category
   */
  popularIn(categoryId: string, limit: number, accept: (summary: ProductSummary) => boolean): ProductSummary[] {
    const inCategory = this.subtree(categoryId);
    const keys = new Float64Array(this.size);
    let count = 0;
    for (let doc = 0; doc < this.size; doc++) {
      if (this.live[doc] && inCategory[this.category[doc]!] && accept(this.summaries[doc]!)) {
        keys[count++] = (MAX_SORT_VALUE - 1 - this.popularity[doc]!) * DOC_SPAN + doc;
      }
    }
    return Array.from(smallestK(keys, count, limit), (key) => this.summaries[key % DOC_SPAN]!);
  }

  /**
   * Runs a query: text (if any), filters, facets with counts, sort and one page.
   *
   * Facet counts follow the usual shop conventions. Category, brand, price band, on-offer and
   * in-stock are counted with their own filter left out, so that choosing one shows what the
   * alternatives hold (brands are or-ed: picking a second brand adds its count). Dietary flags are
   * and-ed (vegan and gluten-free), so they are counted over the results themselves: each count is
   * what adding that flag would leave.
   * @throws UnknownCategoryError when the category filter names a category the index does not know
   */
  query(query: IndexQuery): IndexResult {
    const inCategory = query.category === undefined ? undefined : this.subtree(query.category);
    const brandWanted = query.brand?.length ? this.brandSelection(query.brand) : undefined;
    const dietMask = query.diet?.length ? bits(query.diet) : 0;
    const bandWanted = query.priceBand === undefined ? -1 : PRICE_BANDS.findIndex((b) => b.id === query.priceBand);
    const offerWanted = query.onOffer === undefined ? -1 : query.onOffer ? 1 : 0;
    const stock = query.store === undefined ? undefined : (this.stores.get(query.store)?.docInStock ?? new Uint8Array(this.capacity));
    const stockWanted = query.inStock === undefined ? -1 : query.inStock ? 1 : 0;

    const text = query.q?.trim() ? this.matchText(query.q) : undefined;
    const candidates = text ? text.length : this.size;

    const categoryCounts = new Int32Array(this.categories.length);
    const brandCounts = new Int32Array(this.brands.length);
    const dietCounts = new Int32Array(DIET_FLAGS.length);
    const bandCounts = new Int32Array(PRICE_BANDS.length);
    const offerCounts = new Int32Array(2);
    const stockCounts = new Int32Array(2);
    const hits = new Int32Array(candidates);
    let total = 0;

    const { live, category, brand, diet, band, offer, categories } = this;
    for (let i = 0; i < candidates; i++) {
      const doc = text ? text[i]! : i;
      if (!live[doc]) continue;
      const inStock = stock && stock[doc]! > 0 ? 1 : 0;
      let failed = 0;
      if (inCategory && !inCategory[category[doc]!]) failed |= F_CATEGORY;
      if (brandWanted && !brandWanted[brand[doc]!]) failed |= F_BRAND;
      if ((diet[doc]! & dietMask) !== dietMask) failed |= F_DIET;
      if (bandWanted >= 0 && band[doc] !== bandWanted) failed |= F_BAND;
      if (offerWanted >= 0 && offer[doc] !== offerWanted) failed |= F_OFFER;
      if (stockWanted >= 0 && inStock !== stockWanted) failed |= F_STOCK;
      if (failed === 0) {
        hits[total++] = doc;
        for (let flag = 0; flag < DIET_FLAGS.length; flag++) if (diet[doc]! & (1 << flag)) dietCounts[flag]!++;
      } else if ((failed & (failed - 1)) !== 0 || failed === F_DIET) {
        continue;
      }
      if (failed === 0 || failed === F_CATEGORY) {
        for (let c = category[doc]!; c >= 0; c = categories[c]!.parent) categoryCounts[c]!++;
      }
      if (failed === 0 || failed === F_BRAND) brandCounts[brand[doc]!]!++;
      if (failed === 0 || failed === F_BAND) bandCounts[band[doc]!]!++;
      if (failed === 0 || failed === F_OFFER) offerCounts[offer[doc]!]!++;
      if (failed === 0 || failed === F_STOCK) stockCounts[inStock]!++;
    }

    const page = this.page(hits, total, query, text !== undefined);
    return {
      total,
      hits: Array.from(page, (doc) => ({
        summary: this.summaries[doc]!,
        ...(stock ? { inStock: stock[doc]! > 0 } : {}),
      })),
      facets: {
        category: this.categoryFacet(categoryCounts),
        brand: this.brandFacet(brandCounts, query.brand ?? []),
        diet: DIET_FLAGS.map((value, i) => ({ value, count: dietCounts[i]! })),
        priceBand: PRICE_BANDS.map((b, i) => ({ value: b.id, count: bandCounts[i]! })),
        onOffer: [
          { value: true, count: offerCounts[1]! },
          { value: false, count: offerCounts[0]! },
        ],
        inStock: stock
          ? [
              { value: true, count: stockCounts[1]! },
              { value: false, count: stockCounts[0]! },
            ]
          : null,
      },
    };
  }

  /** The serializable form of the index; `SearchIndex.fromSnapshot` reads it back. */
  toSnapshot(): IndexSnapshot {
    return {
      format: 1,
      text: this.text.toJSON(),
      docs: this.summaries.slice(0, this.size),
      popularity: Array.from(this.popularity.subarray(0, this.size)),
      categories: this.categories.map((c) => ({ id: c.id, name: c.name, parentId: c.parent < 0 ? null : this.categories[c.parent]!.id })),
      skus: [...this.skus],
      stores: [...this.stores].map(([storeId, s]) => ({
        storeId,
        inStock: Buffer.from(s.inStock.buffer, s.inStock.byteOffset, this.skus.length).toString('base64'),
        versions: Buffer.from(s.versions.buffer, s.versions.byteOffset, this.skus.length * 4).toString('base64'),
      })),
      removed: [...this.removedAt],
      offers: { skus: [...this.offerSkus], categoryIds: [...this.offerCategories] },
    };
  }

  /** Rebuilds an index from `toSnapshot()`'s output without re-indexing any text. */
  static fromSnapshot(snapshot: IndexSnapshot, options: IndexOptions = {}): SearchIndex {
    if (snapshot.format !== 1) throw new Error(`search index snapshot format ${String(snapshot.format)} is not supported`);
    const index = new SearchIndex(loadTextIndex(snapshot.text), options);
    for (const c of snapshot.categories) index.addCategory(c);
    for (const sku of snapshot.skus) index.ensureSku(sku);
    index.growDocs(Math.max(INITIAL_CAPACITY, snapshot.docs.length));
    snapshot.docs.forEach((summary, doc) => {
      if (summary) {
        index.docOf.set(summary.productId, doc);
        index.setColumns(doc, summary);
        index.popularity[doc] = snapshot.popularity[doc] ?? 0;
      }
    });
    index.size = snapshot.docs.length;
    for (const [doc, summary] of snapshot.docs.entries()) if (summary) index.claimSkus(doc);
    for (const s of snapshot.stores) {
      const store = index.ensureStore(s.storeId);
      const flags = Buffer.from(s.inStock, 'base64');
      const versions = Buffer.from(s.versions, 'base64');
      for (let n = 0; n < flags.length; n++) {
        store.versions[n] = versions.readUInt32LE(n * 4);
        if (flags[n]) index.setStockFlag(store, n);
      }
    }
    for (const [productId, version] of snapshot.removed) index.removedAt.set(productId, version);
    index.setOffers(snapshot.offers ?? NO_OFFERS);
    return index;
  }

  private setColumns(doc: number, summary: ProductSummary): void {
    this.live[doc] = 1;
    this.versions[doc] = summary.version;
    this.category[doc] = this.categoryCode.get(summary.categoryId)!;
    this.brand[doc] = summary.brand === undefined ? 0 : this.ensureBrand(summary.brand);
    this.diet[doc] = bits(summary.diet);
    this.price[doc] = summary.price.amount;
    this.unitPrice[doc] = Math.min(summary.unitPrice.amount, MAX_SORT_VALUE - 1);
    this.band[doc] = priceBandIndex(summary.price.amount);
    this.offer[doc] = summary.onOffer ? 1 : 0;
    this.summaries[doc] = summary;
  }

  /** Points the document's SKUs at it and counts which of them each store has in stock. */
  private claimSkus(doc: number): void {
    for (const sku of this.summaries[doc]!.skus) {
      const n = this.ensureSku(sku);
      this.skuDoc[n] = doc;
      for (const store of this.stores.values()) if (store.inStock[n]) store.docInStock[doc]!++;
    }
  }

  /** Undoes `claimSkus` before a document's SKUs change or it goes. */
  private releaseSkus(doc: number): void {
    for (const sku of this.summaries[doc]!.skus) {
      const n = this.skuNumber.get(sku)!;
      if (this.skuDoc[n] === doc) this.skuDoc[n] = -1;
    }
    for (const store of this.stores.values()) store.docInStock[doc] = 0;
  }

  /** Whether a promoted category is this one (by code) or above it; false for -1. */
  private categoryOnOffer(code: number): boolean {
    if (this.offerCategories.size === 0) return false;
    for (let c = code; c >= 0; c = this.categories[c]!.parent) if (this.offerCategories.has(this.categories[c]!.id)) return true;
    return false;
  }

  private setStockFlag(store: StoreStock, n: number): void {
    store.inStock[n] = 1;
    const doc = this.skuDoc[n]!;
    if (doc >= 0) store.docInStock[doc]!++;
  }

  private matchText(q: string): Int32Array {
    const key = q.trim().toLowerCase().replace(/\s+/g, ' ');
    const cached = this.textCache.get(key);
    if (cached) {
      // Most recently used last: a Map iterates in insertion order, so eviction takes the first.
      this.textCache.delete(key);
      this.textCache.set(key, cached);
      return cached;
    }
    const docs = matchText(this.text, key);
    if (docs.length > this.textCacheLimit) return docs;
    this.textCache.set(key, docs);
    this.textCacheDocs += docs.length;
    for (const [oldest, old] of this.textCache) {
      if (this.textCacheDocs <= this.textCacheLimit || oldest === key) break;
      this.textCache.delete(oldest);
      this.textCacheDocs -= old.length;
    }
    return docs;
  }

  private invalidateText(): void {
    this.textCache.clear();
    this.textCacheDocs = 0;
  }

  /** The documents `[offset, offset + limit)` of the hits in the query's order. */
  private page(hits: Int32Array, total: number, query: IndexQuery, byText: boolean): Int32Array {
    const end = Math.min(total, query.offset + query.limit);
    if (query.offset >= end) return new Int32Array(0);
    // Text matches arrive best first, so relevance needs no sorting of its own.
    if (query.sort === 'relevance' && byText) return hits.slice(query.offset, end);
    const value = this.sortValue(query.sort);
    const keys = new Float64Array(total);
    for (let i = 0; i < total; i++) keys[i] = value(hits[i]!) * DOC_SPAN + hits[i]!;
    return Int32Array.from(smallestK(keys, total, end).subarray(query.offset), (key) => key % DOC_SPAN);
  }

  /** What a sort orders by, ascending, ties broken by document number (so pages are stable). */
  private sortValue(sort: SortOrder): (doc: number) => number {
    switch (sort) {
      case 'relevance':
        return (doc) => MAX_SORT_VALUE - 1 - this.popularity[doc]!;
      case 'price-asc':
        return (doc) => this.price[doc]!;
      case 'price-desc':
        return (doc) => MAX_SORT_VALUE - 1 - Math.min(this.price[doc]!, MAX_SORT_VALUE - 1);
      case 'unit-price-asc':
        return (doc) => this.unitPrice[doc]!;
    }
  }

  /** By category code: 1 for the category and its descendants. */
  private subtree(categoryId: string): Uint8Array {
    const root = this.categoryCode.get(categoryId);
    if (root === undefined) throw new UnknownCategoryError(categoryId);
    const inside = new Uint8Array(this.categories.length);
    for (let code = 0; code < this.categories.length; code++) {
      for (let c = code; c >= 0; c = this.categories[c]!.parent) {
        if (c === root) {
          inside[code] = 1;
          break;
        }
      }
    }
    return inside;
  }

  private brandSelection(brands: readonly string[]): Uint8Array {
    const wanted = new Uint8Array(this.brands.length);
    for (const b of brands) {
      const code = this.brandCode.get(b);
      if (code !== undefined) wanted[code] = 1;
    }
    return wanted;
  }

  private categoryFacet(counts: Int32Array): Facets['category'] {
    const out: Facets['category'] = [];
    counts.forEach((count, code) => {
      if (count > 0) out.push({ id: this.categories[code]!.id, name: this.categories[code]!.name, count });
    });
    return out.sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
  }

  private brandFacet(counts: Int32Array, selected: readonly string[]): FacetValue<string>[] {
    const all: FacetValue<string>[] = [];
    counts.forEach((count, code) => {
      if (code > 0 && count > 0) all.push({ value: this.brands[code]!, count });
    });
    all.sort((a, b) => b.count - a.count || a.value.localeCompare(b.value));
    const top = all.slice(0, MAX_BRAND_FACET_VALUES);
    // A chosen brand stays listed, with what it holds here (maybe nothing), so that it can be unchosen.
    const chosen = selected
      .filter((brand) => !top.some((f) => f.value === brand))
      .map((brand) => ({ value: brand, count: all.find((f) => f.value === brand)?.count ?? 0 }));
    return [...top, ...chosen];
  }

  private ensureCategory(category: CategoryRef, parent: number, rename = true): number {
    const code = this.categoryCode.get(category.id);
    if (code !== undefined) {
      const entry = this.categories[code]!;
      if (rename && category.name !== '') entry.name = category.name;
      if (entry.parent < 0 && parent >= 0) entry.parent = parent;
      return code;
    }
    this.categories.push({ id: category.id, name: category.name, parent });
    this.categoryCode.set(category.id, this.categories.length - 1);
    return this.categories.length - 1;
  }

  private ensureBrand(brand: string): number {
    let code = this.brandCode.get(brand);
    if (code === undefined) {
      code = this.brands.push(brand) - 1;
      this.brandCode.set(brand, code);
    }
    return code;
  }

  private ensureSku(sku: string): number {
    let n = this.skuNumber.get(sku);
    if (n === undefined) {
      n = this.skus.push(sku) - 1;
      this.skuNumber.set(sku, n);
      if (n >= this.skuCapacity) this.growSkus(this.skuCapacity * 2);
      this.skuDoc[n] = -1;
    }
    return n;
  }

  private ensureStore(storeId: string): StoreStock {
    let store = this.stores.get(storeId);
    if (!store) {
      store = { inStock: new Uint8Array(this.skuCapacity), versions: new Uint32Array(this.skuCapacity), docInStock: new Uint8Array(this.capacity) };
      this.stores.set(storeId, store);
    }
    return store;
  }

  private growDocs(capacity: number): void {
    if (capacity <= this.capacity) return;
    const grow = <A extends Uint8Array | Int32Array | Float64Array>(old: A, make: (n: number) => A): A => {
      const next = make(capacity);
      next.set(old);
      return next;
    };
    this.live = grow(this.live, (n) => new Uint8Array(n));
    this.versions = grow(this.versions, (n) => new Float64Array(n));
    this.category = grow(this.category, (n) => new Int32Array(n));
    this.brand = grow(this.brand, (n) => new Int32Array(n));
    this.diet = grow(this.diet, (n) => new Uint8Array(n));
    this.price = grow(this.price, (n) => new Int32Array(n));
    this.unitPrice = grow(this.unitPrice, (n) => new Int32Array(n));
    this.band = grow(this.band, (n) => new Uint8Array(n));
    this.offer = grow(this.offer, (n) => new Uint8Array(n));
    this.popularity = grow(this.popularity, (n) => new Int32Array(n));
    for (const store of this.stores.values()) store.docInStock = grow(store.docInStock, (n) => new Uint8Array(n));
    this.capacity = capacity;
  }

  private growSkus(capacity: number): void {
    const skuDoc = new Int32Array(capacity).fill(-1);
    skuDoc.set(this.skuDoc);
    this.skuDoc = skuDoc;
    for (const store of this.stores.values()) {
      const inStock = new Uint8Array(capacity);
      inStock.set(store.inStock);
      const versions = new Uint32Array(capacity);
      versions.set(store.versions);
      store.inStock = inStock;
      store.versions = versions;
    }
    this.skuCapacity = capacity;
  }
}
