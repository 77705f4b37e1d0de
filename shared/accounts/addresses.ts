import { createHash } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { keys, PREFIXES } from '../db/keys.js';
import { queryAll } from '../db/query.js';
import { backoff, TransactionCancelled, transactWrite, type TransactItem } from '../db/transact.js';
import { AppError, ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { versionRequired } from '../http/if-match.js';
import { requirePostcode } from '../stores/postcodes.js';
import {
  EDITABLE_FIELDS,
  MAX_ADDRESSES,
  REMOVABLE_FIELDS,
  SavedAddress,
  type AddAddressInput,
  type UpdateAddressInput,
} from './address-model.js';
import { accountDeps, type AccountDeps } from './deps.js';
import { AccountErasedError, notErasedCheck } from './erased.js';

/**
 * The shopper's address book, in their own partition: one item per address (`keys.shopperAddress`) and the book's own
 * item (`keys.shopperAddressBook`) holding how many there are and which is the default. Every change that touches the
 * count or the default writes the book item in the same transaction, under a condition on what it was: the limit and
 * "one default at most" hold however requests race, with nothing read and then written unguarded.
 */

const ADDRESS_SCHEMA_VERSION = 1;

/** How many times a change is tried when other changes to the same book (its count or default) keep winning the race. */
const MAX_ATTEMPTS = 10;

const ENTITY_TYPE = 'ShopperAddress';

interface Book {
  count: number;
  defaultId: string | undefined;
}

/**
 * The table item of an address. `requestHash` is the hash of the request that added it under an `Idempotency-Key`
 * (see `addAddress`), kept with the address so that a retry is recognised without any record outside the partition.
 */
function addressItem(shopperId: string, address: SavedAddress, requestHash: string | undefined): Record<string, unknown> {
  return { ...keys.shopperAddress(shopperId, address.id), entityType: ENTITY_TYPE, schemaVersion: ADDRESS_SCHEMA_VERSION, ...address, ...(requestHash ? { requestHash } : {}) };
}

function addressFromItem(item: Record<string, unknown>): SavedAddress {
  const { pk: _pk, sk: _sk, entityType: _type, schemaVersion: _version, requestHash: _hash, ...rest } = item;
  return SavedAddress.parse(rest);
}

async function getAddressItem(shopperId: string, addressId: string, deps: AccountDeps): Promise<Record<string, unknown> | undefined> {
  const { Item } = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.shopperAddress(shopperId, addressId), ConsistentRead: true }));
  return Item;
}

async function readBook(shopperId: string, deps: AccountDeps): Promise<Book> {
  const { Item } = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.shopperAddressBook(shopperId), ConsistentRead: true }));
  return { count: typeof Item?.count === 'number' ? Item.count : 0, defaultId: typeof Item?.defaultId === 'string' ? Item.defaultId : undefined };
}

/** The caller's addresses, oldest first. */
export async function listAddresses(shopperId: string, deps: AccountDeps = accountDeps()): Promise<SavedAddress[]> {
  const items = await queryAll(deps, {
    TableName: deps.tableName,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': keys.shopperAccount(shopperId), ':prefix': PREFIXES.shopperAddress },
  });
  // Ids made from an Idempotency-Key are hashes, so the key order is no order at all: the book reads in the order the
  // shopper added to it.
  return items.map(addressFromItem).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
}

/** One of the shopper's addresses; `undefined` when they have none with that id (another shopper's included). */
export async function getAddress(shopperId: string, addressId: string, deps: AccountDeps = accountDeps()): Promise<SavedAddress | undefined> {
  const item = await getAddressItem(shopperId, addressId, deps);
  return item ? addressFromItem(item) : undefined;
}

/**
 * One of the shopper's addresses, for use-cases that cannot go on without it.
 * @throws NotFoundError (404) when the shopper has no such address: another shopper's is exactly as missing
 */
export async function requireAddress(shopperId: string, addressId: string, deps: AccountDeps = accountDeps()): Promise<SavedAddress> {
  const address = await getAddress(shopperId, addressId, deps);
  if (!address) throw new NotFoundError('Address', addressId);
  return address;
}

/** The book item's update: the count moved by `delta` (under the limit when it grows) and the default moved from `book.defaultId` to `nextDefault`. */
function bookUpdate(deps: AccountDeps, shopperId: string, book: Book, change: { delta: number; nextDefault: string | undefined }, now: string): TransactItem {
  const names: Record<string, string> = { '#count': 'count', '#defaultId': 'defaultId' };
  const values: Record<string, unknown> = { ':delta': change.delta, ':now': now, ':type': 'ShopperAddressBook', ':sv': 1 };
  const conditions: string[] = [];
  if (change.delta > 0) {
    values[':max'] = MAX_ADDRESSES - change.delta;
    conditions.push('(attribute_not_exists(#count) OR #count <= :max)');
  }
  if (book.defaultId === undefined) conditions.push('attribute_not_exists(#defaultId)');
  else {
    values[':was'] = book.defaultId;
    conditions.push('#defaultId = :was');
  }
  let update = 'SET updatedAt = :now, entityType = :type, schemaVersion = :sv ADD #count :delta';
  if (change.nextDefault !== undefined) {
    values[':default'] = change.nextDefault;
    update = `SET updatedAt = :now, entityType = :type, schemaVersion = :sv, #defaultId = :default ADD #count :delta`;
  } else if (book.defaultId !== undefined) {
    update += ' REMOVE #defaultId';
  }
  return {
    Update: {
      TableName: deps.tableName,
      Key: keys.shopperAddressBook(shopperId),
      UpdateExpression: update,
      ConditionExpression: conditions.join(' AND '),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
}

/** The old default's update when the default moves away from it: no longer the default, at its next version. */
function undefault(deps: AccountDeps, shopperId: string, addressId: string, now: string): TransactItem {
  return {
    Update: {
      TableName: deps.tableName,
      Key: keys.shopperAddress(shopperId, addressId),
      UpdateExpression: 'SET isDefault = :false, #version = #version + :one, updatedAt = :now',
      ConditionExpression: 'attribute_exists(pk) AND isDefault = :true',
      ExpressionAttributeNames: { '#version': 'version' },
      ExpressionAttributeValues: { ':false': false, ':true': true, ':one': 1, ':now': now },
    },
  };
}

/** A postcode checked for its country and written as the country writes it (`sw1a1aa` is `SW1A 1AA`). */
function normalisedPostcode(postcode: string, country: string): string {
  return requirePostcode(postcode, country, 'body.postcode').normalised;
}

/** The address book holds `MAX_ADDRESSES` already. */
export class TooManyAddressesError extends ConflictError {
  override readonly name = 'TooManyAddressesError';
  constructor() {
    super('too-many-addresses', `An address book holds at most ${MAX_ADDRESSES} addresses; remove one first.`, { extensions: { limit: MAX_ADDRESSES } });
  }
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** 26 Crockford base32 symbols (spelt like a ULID) of a hash: the id an `Idempotency-Key` gives the address it adds. */
function idOfKey(shopperId: string, key: string): string {
  const digest = createHash('sha256').update(`address\n${shopperId}\n${key}`).digest();
  let bits = 0n;
  for (const byte of digest.subarray(0, 17)) bits = (bits << 8n) | BigInt(byte);
  let id = '';
  for (let i = 0; i < 26; i += 1) id += CROCKFORD[Number((bits >> BigInt(131 - 5 * i)) & 31n)];
  return id;
}

/**
 * The address a repeated request added already: the same address when the request is the same, refused when the key
 * was used with another request.
 * @throws AppError (422 `idempotency-key-reused`)
 */
function replayed(item: Record<string, unknown>, requestHash: string): SavedAddress {
  if (item.requestHash !== requestHash) throw new AppError('unprocessable', 'idempotency-key-reused', 'This Idempotency-Key was already used with a different body.');
  return addressFromItem(item);
}

/**
 * `POST /me/addresses`: adds an address to the shopper's book, its postcode checked and normalised for its country;
 * with `isDefault`, it becomes the default and the old default stops being it, in the same transaction.
 *
 * With an `Idempotency-Key`, the address's id is derived from the shopper and the key, and the request's hash is kept
 * on it: a retry finds the address it added (and gets it back, as it is now), a reuse of the key with another request is
 * a 422, and two copies racing add one. No idempotency record outside the shopper's partition keeps a copy of the
 * address (personal data), and removing the address removes what recognised the key.
 * @throws ValidationError (400) naming `body.postcode` when it is malformed for the country, or a key over 255 characters
 * @throws AppError (422 `country-not-served`) for a country we do not deliver to; (422 `idempotency-key-reused`)
 * @throws TooManyAddressesError (409 `too-many-addresses`) when the book is full; nothing is written
 * @throws AccountErasedError (410 `account-erased`) once an erasure of the shopper was requested; nothing is written
 */
export async function addAddress(shopperId: string, input: AddAddressInput, deps: AccountDeps = accountDeps(), idempotencyKey?: string): Promise<SavedAddress> {
  if (idempotencyKey !== undefined && (idempotencyKey.length === 0 || idempotencyKey.length > 255)) {
    throw new ValidationError([{ field: 'headers.idempotency-key', message: 'must be 1 to 255 characters' }]);
  }
  const requestHash = idempotencyKey === undefined ? undefined : createHash('sha256').update(JSON.stringify(input)).digest('base64url').slice(0, 32);
  const id = idempotencyKey === undefined ? deps.newId() : idOfKey(shopperId, idempotencyKey);
  if (requestHash !== undefined) {
    const existing = await getAddressItem(shopperId, id, deps);
    if (existing) return replayed(existing, requestHash);
  }
  const postcode = normalisedPostcode(input.postcode, input.country);
  const now = deps.now().toISOString();
  const address = SavedAddress.parse({ ...input, id, postcode, version: 1, createdAt: now, updatedAt: now });
  for (let attempt = 1; ; attempt += 1) {
    const book = await readBook(shopperId, deps);
    if (book.count >= MAX_ADDRESSES) throw new TooManyAddressesError();
    const nextDefault = address.isDefault ? id : book.defaultId;
    const items: TransactItem[] = [
      bookUpdate(deps, shopperId, book, { delta: 1, nextDefault }, now),
      { Put: { TableName: deps.tableName, Item: addressItem(shopperId, address, requestHash), ConditionExpression: 'attribute_not_exists(pk)' } },
      notErasedCheck(deps.tableName, shopperId),
    ];
    if (address.isDefault && book.defaultId !== undefined) items.push(undefault(deps, shopperId, book.defaultId, now));
    try {
      await transactWrite(deps, items);
      return address;
    } catch (error) {
      if (!(error instanceof TransactionCancelled)) throw error;
      if (error.failedConditions().includes(2)) throw new AccountErasedError();
      // A copy of this request (same key) added it meanwhile.
      if (requestHash !== undefined && error.failedConditions().includes(1)) {
        const existing = await getAddressItem(shopperId, id, deps);
        if (existing) return replayed(existing, requestHash);
      }
      // The book moved (another address added or removed, the default changed) since it was read: read it again.
      if (attempt >= MAX_ATTEMPTS) throw error;
      await backoff(Math.min(attempt, 4));
    }
  }
}

/** The strong entity tag of an address version, `"3"`. */
export function addressEtag(address: Pick<SavedAddress, 'version'>): string {
  return `"${address.version}"`;
}

function versionConflict(id: string, expected: number, current: number): ConflictError {
  return new ConflictError('version-mismatch', `Address ${id} is at version ${current}, not ${expected}; read it again and reapply the change.`, {
    extensions: { id, expectedVersion: expected, currentVersion: current },
  });
}

/** The address after a merge patch: `null` removes an optional field, a value replaces, absent leaves alone. */
function merged(current: SavedAddress, patch: UpdateAddressInput): SavedAddress {
  const next: Record<string, unknown> = { ...current };
  for (const field of EDITABLE_FIELDS) {
    const value = patch[field];
    if (value === null && (REMOVABLE_FIELDS as readonly string[]).includes(field)) delete next[field];
    else if (value !== undefined) next[field] = value;
  }
  if (patch.isDefault !== undefined) next.isDefault = patch.isDefault;
  return next as SavedAddress;
}

/**
 * `PATCH /me/addresses/{id}`: applies a merge patch under the version the caller names (`version` or `If-Match`). A
 * changed postcode or country is checked and normalised again. `isDefault: true` moves the default here from the old
 * one, `false` leaves the book without one, each in the same transaction as the address.
 * @throws NotFoundError (404) when the shopper has no such address
 * @throws ValidationError (400) for a missing or disagreeing version, or a postcode malformed for the country
 * @throws AppError (422 `country-not-served`) for a country we do not deliver to
 * @throws ConflictError (409 `version-mismatch`) when the address has moved on; nothing is written
 */
export async function updateAddress(
  shopperId: string,
  addressId: string,
  patch: UpdateAddressInput,
  who: { ifMatch?: string | undefined },
  deps: AccountDeps = accountDeps(),
): Promise<SavedAddress> {
  const expected = versionRequired(patch.version, who.ifMatch, 'address');
  for (let attempt = 1; ; attempt += 1) {
    const item = await getAddressItem(shopperId, addressId, deps);
    if (!item) throw new NotFoundError('Address', addressId);
    const current = addressFromItem(item);
    if (current.version !== expected) throw versionConflict(addressId, expected, current.version);
    const now = deps.now().toISOString();
    const next = merged(current, patch);
    if (patch.postcode !== undefined || patch.country !== undefined) next.postcode = normalisedPostcode(next.postcode, next.country);
    const written = SavedAddress.parse({ ...next, version: current.version + 1, updatedAt: now });
    const items: TransactItem[] = [
      {
        Put: {
          TableName: deps.tableName,
          Item: addressItem(shopperId, written, typeof item.requestHash === 'string' ? item.requestHash : undefined),
          ConditionExpression: 'attribute_exists(pk) AND #version = :expected',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':expected': current.version },
        },
      },
    ];
    if (written.isDefault !== current.isDefault) {
      const book = await readBook(shopperId, deps);
      items.push(bookUpdate(deps, shopperId, book, { delta: 0, nextDefault: written.isDefault ? addressId : undefined }, now));
      if (written.isDefault && book.defaultId !== undefined && book.defaultId !== addressId) items.push(undefault(deps, shopperId, book.defaultId, now));
    }
    try {
      await transactWrite(deps, items);
      return written;
    } catch (error) {
      if (!(error instanceof TransactionCancelled)) throw error;
      // The address itself moved on (or went): say so. Only the book moved (another default won): read it again.
      if (error.failedConditions().includes(0) || attempt >= MAX_ATTEMPTS) {
        const latest = await requireAddress(shopperId, addressId, deps);
        throw versionConflict(addressId, expected, latest.version);
      }
      await backoff(Math.min(attempt, 4));
    }
  }
}

/**
 * `DELETE /me/addresses/{id}`: removes the address and counts it off the book; when it was the default, the book is
 * left without one. A cart or an order that copied it keeps its copy.
 * @throws NotFoundError (404) when the shopper has no such address (removed already, or another shopper's)
 */
export async function removeAddress(shopperId: string, addressId: string, deps: AccountDeps = accountDeps()): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    const current = await requireAddress(shopperId, addressId, deps);
    const now = deps.now().toISOString();
    const book = await readBook(shopperId, deps);
    const items: TransactItem[] = [
      {
        Delete: {
          TableName: deps.tableName,
          Key: keys.shopperAddress(shopperId, addressId),
          ConditionExpression: 'attribute_exists(pk) AND isDefault = :was',
          ExpressionAttributeValues: { ':was': current.isDefault },
        },
      },
      bookUpdate(deps, shopperId, book, { delta: -1, nextDefault: current.isDefault ? undefined : book.defaultId }, now),
    ];
    try {
      await transactWrite(deps, items);
      return;
    } catch (error) {
      // Removed or changed meanwhile, or the book's default moved: look again (a removed address is then a 404).
      if (!(error instanceof TransactionCancelled) || attempt >= MAX_ATTEMPTS) throw error;
      await backoff(Math.min(attempt, 4));
    }
  }
}
