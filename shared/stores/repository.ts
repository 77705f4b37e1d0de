import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { config } from '../config/config.js';
import { dynamo } from '../db/client.js';
import { INDEXES, keys } from '../db/keys.js';
import { queryAll } from '../db/query.js';
import { NotFoundError } from '../errors.js';
import { storesServing, type StoreNear } from './areas.js';
import { Store } from './model.js';
import { requirePostcode } from './postcodes.js';

/** 2 since issue 13: a store has a delivery and a collection area (migration `0004-store-areas`). */
export const STORE_SCHEMA_VERSION = 2;

/** What reading and writing stores needs; handlers take the defaults, tests pass their own table. */
export interface StoreDeps {
  db: DynamoDBDocumentClient;
  tableName: string;
}

/** The production dependencies, with any of them replaced. The table name is read from the configuration only when none is given. */
export function storeDeps(overrides: Partial<StoreDeps> = {}): StoreDeps {
  return { db: overrides.db ?? dynamo, tableName: overrides.tableName ?? config.tableName };
}

/** The gsi1 partition listing every store. */
const STORE_LISTING = keys.storeListing('').gsi1pk;

/** The table item of a store: keyed by id, and listed in gsi1 under `STORES` by id. */
export function storeItem(store: Store): Record<string, unknown> {
  return { ...keys.store(store.id), ...keys.storeListing(store.id), entityType: 'Store', schemaVersion: STORE_SCHEMA_VERSION, ...store };
}

/**
 * The areas of a store stored before stores had any (schema version 1), as migration `0004-store-areas` writes them for
 * a store it does not know: its own postcode's district, for delivery and collection alike. Read so until the migration
 * has run, so that no store becomes unreadable, or delivers nowhere, in between.
 */
function areasOfVersion1(item: Record<string, unknown>): Pick<Store, 'deliveryArea' | 'collectionArea'> {
  const address = item.address as { postcode?: unknown } | undefined;
  const compact = typeof address?.postcode === 'string' ? address.postcode.toUpperCase().replace(/[\s-]+/g, '') : '';
  const own = { districts: compact.length > 3 ? [compact.slice(0, -3)] : [], prefixes: [] };
  return { deliveryArea: own, collectionArea: own };
}

/** Reads a store item back, parsed with the model's schema so that a drifted item fails loudly. */
export function storeFromItem(item: Record<string, unknown>): Store {
  const { pk: _pk, sk: _sk, gsi1pk: _gsi1pk, gsi1sk: _gsi1sk, entityType: _type, schemaVersion: version, ...rest } = item;
  return Store.parse(typeof version === 'number' && version >= 2 ? rest : { ...areasOfVersion1(item), ...rest });
}

/** One store; `undefined` when there is no store with that id. */
export async function getStore(storeId: string, deps: StoreDeps = storeDeps()): Promise<Store | undefined> {
  const { Item } = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.store(storeId) }));
  return Item ? storeFromItem(Item) : undefined;
}

/**
 * One store, for use-cases that cannot go on without it.
 * @throws NotFoundError (404) naming the store when it does not exist
 */
export async function requireStore(storeId: string, deps: StoreDeps = storeDeps()): Promise<Store> {
  const store = await getStore(storeId, deps);
  if (!store) throw new NotFoundError('Store', storeId);
  return store;
}

/** Every store, open or closed, ordered by id. A chain has tens or hundreds of stores: one partition, a page or two. */
export async function listStores(deps: StoreDeps = storeDeps()): Promise<Store[]> {
  const items = await queryAll(deps, {
    TableName: deps.tableName,
    IndexName: INDEXES.gsi1.name,
    KeyConditionExpression: '#pk = :pk',
    ExpressionAttributeNames: { '#pk': INDEXES.gsi1.partition },
    ExpressionAttributeValues: { ':pk': STORE_LISTING },
  });
  return items.map(storeFromItem);
}

/**
 * The stores that deliver to a postcode or offer collection near it (`areas.ts`), each marked with which.
 * @throws ValidationError (400) naming `query.postcode` for a postcode malformed for its country
 * @throws AppError (422 `country-not-served`) for a country whose postcodes we do not know
 */
export async function storesNear(postcode: string, country: string, deps: StoreDeps = storeDeps()): Promise<StoreNear[]> {
  const parsed = requirePostcode(postcode, country, 'query.postcode');
  return storesServing(await listStores(deps), parsed.normalised, country);
}
