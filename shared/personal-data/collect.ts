import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { INDEXES, keys, PREFIXES, TTL_ATTRIBUTE } from '../db/keys.js';
import { queryAll } from '../db/query.js';

/**
 * Where a shopper's data lives, and reading all of it. The account partition (`SHOPPER#<id>`: profile, addresses,
 * lists, whatever else the account grows) is read whole, so a new kind of item there is exported and erased with no
 * change here; the rest is found through the shopper's indexes (orders, carts, subscriptions) and their own partitions
 * (loyalty, billing customer).
 */

export interface ReadDeps {
  db: DynamoDBDocumentClient;
  tableName: string;
}

type Item = Record<string, unknown>;

/** Sort keys of the account partition that are about exports, not the shopper's own data. */
const EXPORT_BOOKKEEPING = (sk: string) => sk.startsWith(PREFIXES.personalDataExport) || sk === keys.personalDataExportLock('').sk;

/** Every item of the shopper's account partition. */
export function accountItems(shopperId: string, deps: ReadDeps): Promise<Item[]> {
  return queryAll(deps, {
    TableName: deps.tableName,
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': keys.shopperAccount(shopperId) },
    ConsistentRead: true,
  });
}

/** The items of one gsi1 partition (a shopper's orders, carts or subscriptions). */
export function byGsi1(gsi1pk: string, deps: ReadDeps): Promise<Item[]> {
  return queryAll(deps, {
    TableName: deps.tableName,
    IndexName: INDEXES.gsi1.name,
    KeyConditionExpression: 'gsi1pk = :pk',
    ExpressionAttributeValues: { ':pk': gsi1pk },
  });
}

/** The shopper's orders (full items), oldest first. */
export function orderItemsOf(shopperId: string, deps: ReadDeps): Promise<Item[]> {
  return byGsi1(keys.ordersByShopper(shopperId, '', '').gsi1pk, deps);
}

/** The shopper's carts. */
export function cartItemsOf(shopperId: string, deps: ReadDeps): Promise<Item[]> {
  return byGsi1(keys.cartsByShopper(shopperId, '').gsi1pk, deps);
}

/** The shopper's delivery-pass subscriptions. */
export function subscriptionItemsOf(shopperId: string, deps: ReadDeps): Promise<Item[]> {
  return byGsi1(keys.subscriptionsByShopper(shopperId, '', '').gsi1pk, deps);
}

/** The shopper's loyalty partition: the account, its ledger and its clawbacks. */
export function loyaltyItemsOf(shopperId: string, deps: ReadDeps): Promise<Item[]> {
  return queryAll(deps, {
    TableName: deps.tableName,
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': keys.loyaltyAccount(shopperId).pk },
    ConsistentRead: true,
  });
}

/** The returns of one order. */
export function returnItemsOf(orderId: string, deps: ReadDeps): Promise<Item[]> {
  return queryAll(deps, {
    TableName: deps.tableName,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :returns)',
    ExpressionAttributeValues: { ':pk': keys.order(orderId).pk, ':returns': PREFIXES.orderReturn },
    ConsistentRead: true,
  });
}

/** One item by key, read consistently. */
export async function itemAt(key: { pk: string; sk: string }, deps: ReadDeps): Promise<Item | undefined> {
  const { Item } = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: key, ConsistentRead: true }));
  return Item;
}

/** Attributes that are the table's bookkeeping, not the shopper's data. */
const STORAGE_ATTRIBUTES = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'schemaVersion', TTL_ATTRIBUTE]);
/** Secrets a client used once (a payment's authentication): a reference is exported, a credential never. */
const CREDENTIALS = new Set(['clientSecret', 'codeSalt']);

/** An item as the shopper reads it: no storage attributes, no credentials, however deep. */
export function asExported(value: unknown, depth = 0): unknown {
  if (Array.isArray(value)) return value.map((v) => asExported(v, depth + 1));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k]) => !CREDENTIALS.has(k) && !(depth === 0 && STORAGE_ATTRIBUTES.has(k)))
      .map(([k, v]) => [k, asExported(v, depth + 1)]),
  );
}

/** The one JSON document of a shopper's export. */
export interface PersonalDataDocument {
  format: 'smartshelf.personal-data';
  version: 1;
  shopperId: string;
  generatedAt: string;
  /** The account partition, by entity type: profile (with its consents), addresses, lists, payment-method references... */
  account: Record<string, unknown[]>;
  /** Orders with their payments as references (intent and method ids), their returns and invoice references. */
  orders: unknown[];
  loyalty: unknown[];
  carts: unknown[];
  subscriptions: unknown[];
  billingCustomer: unknown;
}

/** Reads everything SmartShelf holds about one shopper, and nothing about anyone else. */
export async function collectPersonalData(shopperId: string, now: Date, deps: ReadDeps): Promise<PersonalDataDocument> {
  const [account, orders, loyalty, carts, subscriptions, billingCustomer] = await Promise.all([
    accountItems(shopperId, deps),
    orderItemsOf(shopperId, deps),
    loyaltyItemsOf(shopperId, deps),
    cartItemsOf(shopperId, deps),
    subscriptionItemsOf(shopperId, deps),
    itemAt(keys.billingCustomer(shopperId), deps),
  ]);
  const grouped: Record<string, unknown[]> = {};
  for (const item of account) {
    if (EXPORT_BOOKKEEPING(String(item.sk))) continue;
    const type = typeof item.entityType === 'string' ? item.entityType : 'Other';
    (grouped[type] ??= []).push(asExported(item));
  }
  const withDetails = await Promise.all(
    orders.map(async (order) => {
      const id = String(order.id);
      const [returns, invoice] = await Promise.all([returnItemsOf(id, deps), itemAt(keys.invoiceByOrder(id), deps)]);
      return {
        ...(asExported(order) as Item),
        returns: returns.map((r) => asExported(r)),
        ...(invoice ? { invoice: { reference: invoice.invoiceReference, status: invoice.status } } : {}),
      };
    }),
  );
  return {
    format: 'smartshelf.personal-data',
    version: 1,
    shopperId,
    generatedAt: now.toISOString(),
    account: grouped,
    orders: withDetails,
    loyalty: loyalty.map((i) => asExported(i)),
    carts: carts.map((i) => asExported(i)),
    subscriptions: subscriptions.map((i) => asExported(i)),
    billingCustomer: billingCustomer ? asExported(billingCustomer) : null,
  };
}
