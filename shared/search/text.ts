import MiniSearch, { type AsPlainObject, type Options, type SearchOptions } from 'minisearch';
import type { SearchDocument } from './document.js';

/**
 * The full-text half of the search index: MiniSearch over name, brand, SKUs, tags and description,
 * keyed by the index's dense document number. Facets and sorting live in typed-array columns
 * beside it (`index.ts`); MiniSearch only answers "which documents match this text, how well".
 */

/** What MiniSearch indexes for one document. */
export interface TextDocument {
  doc: number;
  name: string;
  brand: string;
  skus: string;
  tags: string;
  description: string;
}

export function textDocument(doc: number, document: SearchDocument): TextDocument {
  return {
    doc,
    name: document.name,
    brand: document.brand ?? '',
    skus: document.skus.join(' '),
    tags: document.tags.join(' '),
    description: document.description,
  };
}

/**
 * Folds a plural to its singular so that "bananas", "banana" and a typo of either meet: "berries"
 * → "berry", "tomatoes" → "tomato", "peaches" → "peach", "eggs" → "egg"; words ending in -ss, -us
 * or -is keep their s ("hummus", "glass"). Crude next to a real stemmer, but grocery names are
 * mostly nouns and it needs no dictionary. Applied to indexed and queried terms alike.
 */
export function singular(term: string): string {
  if (term.length <= 3) return term;
  if (term.endsWith('ies') && term.length > 4) return `${term.slice(0, -3)}y`;
  if (/(?:ss|sh|ch|x|z|[^aeiou]o)es$/.test(term)) return term.slice(0, -2);
  if (term.endsWith('s') && !/(?:ss|us|is)$/.test(term)) return term.slice(0, -1);
  return term;
}

/** Lower-case, accents folded ("Crème" matches "creme"), then singular. */
function normalizeTerm(term: string): string {
  return singular(
    term
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase(),
  );
}

/** Shortest term that is also matched as a prefix: below it a prefix expands to half the vocabulary. */
const MIN_PREFIX_LENGTH = 3;

const SEARCH_OPTIONS: SearchOptions = {
  boost: { name: 4, brand: 3, skus: 3, tags: 2, description: 1 },
  // One typo per five characters: "bananna" (7) finds "banana", "mlk" (3) stays exact.
  fuzzy: 0.2,
  maxFuzzy: 2,
  // Only the last term is being typed; earlier ones are complete words.
  prefix: (term, i, terms) => i === terms.length - 1 && term.length >= MIN_PREFIX_LENGTH,
  // Every term must match (in any field): adding a word narrows the results, as shoppers expect.
  combineWith: 'AND',
};

const TEXT_OPTIONS: Options<TextDocument> = {
  idField: 'doc',
  fields: ['name', 'brand', 'skus', 'tags', 'description'],
  storeFields: [],
  processTerm: (term) => normalizeTerm(term),
  searchOptions: SEARCH_OPTIONS,
};

export type TextIndex = MiniSearch<TextDocument>;

export function newTextIndex(): TextIndex {
  return new MiniSearch<TextDocument>(TEXT_OPTIONS);
}

export function loadTextIndex(plain: AsPlainObject): TextIndex {
  return MiniSearch.loadJS<TextDocument>(plain, TEXT_OPTIONS);
}

/** The numbers of the documents matching `q`, best first. */
export function matchText(text: TextIndex, q: string): Int32Array {
  return Int32Array.from(text.search(q), (result) => result.id as number);
}
