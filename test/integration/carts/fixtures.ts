import { randomBytes } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { z } from 'zod';
import { createCategory } from '../../../shared/catalog/categories.js';
import { catalogDeps } from '../../../shared/catalog/deps.js';
import type { Variant } from '../../../shared/catalog/model.js';
import { createProduct } from '../../../shared/catalog/products.js';
import { cartDeps, type CartActor, type CartDeps } from '../../../shared/carts/deps.js';
import { dynamo } from '../../../shared/db/client.js';
import { keys } from '../../../shared/db/keys.js';
import { formatSlotId, slotItem, type Slot } from '../../../shared/fulfillment/slots.js';
import { stockItem } from '../../../shared/inventory/stock-repository.js';
import { PromotionView } from '../../../shared/promotions/model.js';
import { couponCodeItem, promotionItem } from '../../../shared/promotions/repository.js';
import type { Store } from '../../../shared/stores/model.js';
import { storeItem } from '../../../shared/stores/repository.js';
import { SAMPLE_STORES } from '../../../shared/stores/seed.js';
import { engines } from '../../support/engines.js';
import { itemAt } from '../catalog/fixtures.js';

export { appError, itemAt } from '../catalog/fixtures.js';

/**
 * A world for cart tests, each test its own: a store, a few products sold each, by weight and by
 * volume, their stock at the store and a delivery slot, written straight to the test table.
 */

const token = () => randomBytes(4).toString('hex');

/** A fixed clock, so that slots and holds are in a known relation to "now". */
export const NOW = new Date('2030-03-04T09:00:00.000Z');

export function testDeps(overrides: Partial<CartDeps> = {}): CartDeps {
  return cartDeps({ tableName: engines().tableName, now: () => NOW, ...overrides });
}

export const shopper = (subject = `shopper-${token()}`): CartActor => ({ subject, correlationId: 'it-carts' });

async function put(item: Record<string, unknown>): Promise<void> {
  await dynamo.send(new PutCommand({ TableName: engines().tableName, Item: item }));
}

/** A store like the first sample store (open, GBP, GB tax) under an id of its own. */
export async function aStore(overrides: Partial<Store> = {}): Promise<Store> {
  const store: Store = { ...SAMPLE_STORES[0]!, id: `store-${token()}`, createdAt: NOW.toISOString(), updatedAt: NOW.toISOString(), ...overrides };
  await put(storeItem(store));
  return store;
}

export interface World {
  store: Store;
  skus: { milk: string; bananas: string; cheese: string; oil: string; archived: string };
  slot: Slot;
}

function variant(sku: string, soldBy: Variant['soldBy'], price: number, extra: Partial<Variant> = {}): Variant {
  return { sku, name: sku, soldBy, price: { amount: price, currency: 'GBP' }, ...extra } as Variant;
}

/** A store with milk (each), bananas (by weight, 120 g average), cheese (by weight, no average), oil (by volume) and an archived product, all stocked. */
export async function aWorld(stock: Partial<Record<keyof World['skus'], number>> = {}): Promise<World> {
  const store = await aStore();
  const catalog = catalogDeps({ tableName: engines().tableName });
  const who = { actor: 'it-carts' };
  const category = await createCategory({ slug: `carts-${token()}`, name: 'Cart things' }, who, catalog);
  const t = token().toUpperCase();
  const skus = { milk: `MILK-${t}`, bananas: `BANANA-${t}`, cheese: `CHEDDAR-${t}`, oil: `OIL-${t}`, archived: `OLD-${t}` };
  const product = (name: string, v: Variant, extra: Record<string, unknown> = {}) =>
    createProduct({ name, categoryId: category.id, taxCategory: 'food', brand: 'Acme', variants: [v], ...extra }, who, catalog);
  await product('Milk', variant(skus.milk, 'each', 125, { netContent: { quantity: 1000, unit: 'ml' } }));
  await product('Bananas', variant(skus.bananas, 'weight', 200, { averageWeightGrams: 120 }));
  await product('Cheddar', variant(skus.cheese, 'weight', 1200));
  await product('Olive oil refill', variant(skus.oil, 'volume', 900));
  await product('Old line', variant(skus.archived, 'each', 99), { status: 'archived' });
  const levels = { milk: 20, bananas: 5_000, cheese: 2_000, oil: 5_000, archived: 10, ...stock };
  for (const [name, available] of Object.entries(levels)) {
    await put(
      stockItem({
        sku: skus[name as keyof typeof skus],
        storeId: store.id,
        available,
        reserved: 0,
        committed: 0,
        leadTimeDays: 2,
        version: 1,
        updatedAt: NOW.toISOString(),
      }),
    );
  }
  const slot = await aSlot(store.id);
  return { store, skus, slot };
}

/** A delivery slot at a store starting a day after {@link NOW}, unless told otherwise. */
export async function aSlot(storeId: string, overrides: Partial<Slot> = {}): Promise<Slot> {
  const startsAt = overrides.startsAt ?? new Date(NOW.getTime() + 24 * 3_600_000).toISOString();
  const mode = overrides.mode ?? 'delivery';
  const slot: Slot = {
    id: formatSlotId(startsAt, mode),
    storeId,
    mode,
    startsAt,
    endsAt: new Date(Date.parse(startsAt) + 3_600_000).toISOString(),
    cutoffAt: new Date(Date.parse(startsAt) - 2 * 3_600_000).toISOString(),
    timezone: 'Europe/London',
    capacity: 5,
    held: 0,
    fee: { amount: 450, currency: 'GBP' },
    minimumOrder: { amount: 100, currency: 'GBP' },
    status: 'open',
    ...overrides,
  };
  await put({ ...slotItem(slot) });
  return slot;
}

export const address = { line1: '2 Shopper Road', city: 'London', postcode: 'SE1 2BB', country: 'GB' };

/** Stock of one SKU at a store as stored. */
export async function stockOf(sku: string, storeId: string): Promise<{ available: number; reserved: number }> {
  const item = await itemAt(keys.stock(sku, storeId));
  return { available: item?.available as number, reserved: item?.reserved as number };
}

/** A slot's held count as stored. */
export async function heldOf(slot: Slot): Promise<number> {
  return (await itemAt(keys.slot(slot.storeId, slot.startsAt, slot.mode)))?.held as number;
}

/** Stores a promotion as the admin API would, with its coupon code claimed when it has one. */
export async function aPromotion(
  promotion: Omit<z.input<typeof PromotionView>, 'status' | 'redemptions' | 'version' | 'createdAt' | 'createdBy' | 'updatedAt'> & { redemptions?: number },
): Promise<PromotionView> {
  const view = PromotionView.parse({
    ...promotion,
    status: 'enabled',
    redemptions: promotion.redemptions ?? 0,
    version: 1,
    createdAt: NOW.toISOString(),
    createdBy: 'it-carts',
    updatedAt: NOW.toISOString(),
  });
  await put(promotionItem(view));
  if (view.couponCode) await put(couponCodeItem(view.couponCode, view.id));
  return view;
}

/** Gives a shopper a loyalty balance. */
export async function aLoyaltyBalance(shopperId: string, balance: number): Promise<void> {
  await put({ ...keys.loyaltyAccount(shopperId), entityType: 'LoyaltyAccount', schemaVersion: 1, shopperId, balance, lifetimeEarned: balance, version: 1, updatedAt: NOW.toISOString() });
}

/** A unique id or code for a test's promotion. */
export const uniqueCode = (base: string) => `${base}${token()}`.toUpperCase();
