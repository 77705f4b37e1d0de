import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { keys, TTL_ATTRIBUTE } from '../db/keys.js';
import type { TransactItem } from '../db/transact.js';
import type { CartDeps } from './deps.js';
import { Cart, type CartStatus } from './model.js';

/**
 * The cart's item in the single table: one document per cart, replaced whole on every change
 * under a condition on its version, owner and status, and listed per shopper in gsi1 by
 * `updatedAt`. DynamoDB's TTL removes it `CART_IDLE_DAYS` after the last change.
 */

/** 2 since migration 0003: the substitution preference `any` became `best-match`. */
export const CART_SCHEMA_VERSION = 2;

/** A cart nobody touches for this long is removed. */
export const CART_IDLE_DAYS = 30;

/** The cart's TTL instant: `CART_IDLE_DAYS` after `at`. */
export function cartExpiry(at: Date): string {
  return new Date(at.getTime() + CART_IDLE_DAYS * 24 * 60 * 60 * 1000).toISOString();
}

/** The table item of a cart; `expiresAt` is stored as epoch seconds, which is what DynamoDB's TTL reads. */
export function cartItem(cart: Cart): Record<string, unknown> {
  return {
    ...keys.cart(cart.id),
    ...keys.cartsByShopper(cart.shopperId, cart.updatedAt),
    entityType: 'Cart',
    schemaVersion: CART_SCHEMA_VERSION,
    ...cart,
    [TTL_ATTRIBUTE]: Math.floor(Date.parse(cart.expiresAt) / 1000),
  };
}

/** Reads a cart item back, parsed with the model's schema so that a drifted item fails loudly. */
export function cartFromItem(item: Record<string, unknown>): Cart {
  const { pk: _pk, sk: _sk, gsi1pk: _gsi1pk, gsi1sk: _gsi1sk, entityType: _type, schemaVersion: _version, [TTL_ATTRIBUTE]: expires, ...rest } = item;
  return Cart.parse({ ...rest, expiresAt: new Date((expires as number) * 1000).toISOString() });
}

/**
 * One cart, read consistently because every write compares its version; `undefined` when there is
 * none, or when DynamoDB's TTL has not yet deleted a cart whose time is up.
 */
export async function getCartRecord(deps: CartDeps, cartId: string): Promise<Cart | undefined> {
  const { Item } = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.cart(cartId), ConsistentRead: true }));
  if (!Item) return undefined;
  const cart = cartFromItem(Item);
  return Date.parse(cart.expiresAt) <= deps.now().getTime() ? undefined : cart;
}

/** The Put of a new cart; it fails if the id is taken. */
export function newCartPut(deps: CartDeps, cart: Cart): TransactItem {
  return { Put: { TableName: deps.tableName, Item: cartItem(cart), ConditionExpression: 'attribute_not_exists(pk)' } };
}

/**
 * The Put that replaces a cart with its next version, on condition that the stored cart is still
 * the one the change was computed from: same version, same owner, and in the status the change
 * starts from. Any other writer in between makes it fail, and the caller recomputes.
 */
export function nextCartPut(deps: CartDeps, next: Cart, from: { version: number; status: CartStatus }): TransactItem {
  return {
    Put: {
      TableName: deps.tableName,
      Item: cartItem(next),
      ConditionExpression: '#version = :version AND #shopper = :shopper AND #status = :status',
      ExpressionAttributeNames: { '#version': 'version', '#shopper': 'shopperId', '#status': 'status' },
      ExpressionAttributeValues: { ':version': from.version, ':shopper': next.shopperId, ':status': from.status },
    },
  };
}
