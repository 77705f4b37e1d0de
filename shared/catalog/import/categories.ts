import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../db/keys.js';
import { effectiveDefinitions } from '../attributes.js';
import type { CatalogDeps } from '../deps.js';
import type { AttributeDefinition, AttributeValue, Category } from '../model.js';
import { getCategoryChain } from '../repository.js';

/** A category found by path, with the attribute definitions its products follow. */
export interface ResolvedCategory {
  category: Category;
  definitions: AttributeDefinition[];
}

/**
 * Finds categories by materialized path, remembering each answer (including "no such category")
 * for the rest of the job: a 100k-row file names a few hundred categories, so each is read once.
 */
export class CategoryResolver {
  private readonly cache = new Map<string, Promise<ResolvedCategory | undefined>>();

  constructor(private readonly deps: CatalogDeps) {}

  /** The category at `path`, or `undefined` when none has it. */
  resolve(path: string): Promise<ResolvedCategory | undefined> {
    let found = this.cache.get(path);
    if (!found) {
      found = this.load(path);
      // A failed read must not poison the cache for the rest of the job.
      found.catch(() => this.cache.delete(path));
      this.cache.set(path, found);
    }
    return found;
  }

  private async load(path: string): Promise<ResolvedCategory | undefined> {
    const { Item } = await this.deps.db.send(new GetCommand({ TableName: this.deps.tableName, Key: keys.categoryPath(path) }));
    const categoryId = Item?.categoryId;
    if (typeof categoryId !== 'string') return undefined;
    const chain = await getCategoryChain(this.deps, categoryId);
    // A retired category takes no new products: its rows fail as if it were not there.
    if (!chain || chain.at(-1)!.status === 'retired') return undefined;
    return { category: chain.at(-1)!, definitions: effectiveDefinitions(chain) };
  }
}

const YES = new Set(['true', 'yes', 'y', '1']);
const NO = new Set(['false', 'no', 'n', '0']);
const NUMBER = /^-?\d+(?:\.\d+)?$/;

/**
 * Types the text of `name=value` attribute cells by the category's definitions: numbers and
 * booleans are parsed, multi-enum values are split on commas (`allergens=milk,soy`). A value that
 * does not parse stays text, so the catalog's own `validateAttributes` reports it as ill-typed;
 * names the category does not define stay text for the same reason.
 */
export function typeAttributes(values: Readonly<Record<string, string>>, definitions: readonly AttributeDefinition[]): Record<string, AttributeValue> {
  const byName = new Map(definitions.map((d) => [d.name, d]));
  const typed: Record<string, AttributeValue> = {};
  for (const [name, text] of Object.entries(values)) {
    const type = byName.get(name)?.type;
    const lower = text.toLowerCase();
    if (type === 'number' && NUMBER.test(text)) typed[name] = Number(text);
    else if (type === 'boolean' && (YES.has(lower) || NO.has(lower))) typed[name] = YES.has(lower);
    else if (type === 'multi-enum') typed[name] = text.split(',').map((v) => v.trim()).filter((v) => v !== '');
    else typed[name] = text;
  }
  return typed;
}
