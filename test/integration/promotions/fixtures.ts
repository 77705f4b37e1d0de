import { randomBytes } from 'node:crypto';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { createCategory } from '../../../shared/catalog/categories.js';
import { catalogDeps } from '../../../shared/catalog/deps.js';
import { createProduct } from '../../../shared/catalog/products.js';
import { ALL_STORES } from '../../../shared/auth/principal.js';
import { dynamo } from '../../../shared/db/client.js';
import { keys } from '../../../shared/db/keys.js';
import type { CreatePromotionInput } from '../../../shared/promotions/model.js';
import { promotionDeps, type PromotionDeps } from '../../../shared/promotions/deps.js';
import { engines } from '../../support/engines.js';
import { productInput, staff, uniqueSku, uniqueSlug } from '../catalog/fixtures.js';

/** A fixed clock for promotion tests: schedules are placed around it. */
export const NOW = new Date('2031-05-01T12:00:00.000Z');

/** Chain-wide staff (head office), who act on every promotion. */
export const manager = { actor: 'manager-1', correlationId: 'it-promotions', stores: [ALL_STORES] };

export function testDeps(overrides: Partial<PromotionDeps> = {}): PromotionDeps {
  return promotionDeps({ tableName: engines().tableName, now: () => NOW, ...overrides });
}

/** A coupon code no other test uses. */
export const uniqueCode = (base: string) => `${base}-${randomBytes(4).toString('hex')}`.toUpperCase();

/** A shopper id no other test uses. */
export const uniqueShopper = () => `shopper-${randomBytes(4).toString('hex')}`;

/** An instant `days` away from NOW. */
export const daysFromNow = (days: number) => new Date(NOW.getTime() + days * 86_400_000).toISOString();

/** A category with one product of one SKU, for promotions to target. */
export async function aTarget(): Promise<{ categoryId: string; sku: string }> {
  const deps = catalogDeps({ tableName: engines().tableName });
  const category = await createCategory({ slug: uniqueSlug('promo'), name: 'Promo' }, staff, deps);
  const sku = uniqueSku('PROMO');
  await createProduct(productInput(category.id, [sku], { attributes: {} }), staff, deps);
  return { categoryId: category.id, sku };
}

/** A cart-wide 10 % off, running from yesterday with no end, which tests vary. */
export function cartPercentOff(extra: Partial<CreatePromotionInput> = {}): CreatePromotionInput {
  return {
    name: '10 % off',
    rule: { kind: 'percent-off', basisPoints: 1000 },
    target: { kind: 'cart' },
    stacking: { priority: 10 },
    schedule: { startsAt: daysFromNow(-1) },
    ...extra,
  };
}

/** Raw audit items of one entity, oldest first. */
export async function auditOf(entity: string, entityId: string): Promise<Record<string, unknown>[]> {
  const { Items = [] } = await dynamo.send(
    new QueryCommand({
      TableName: engines().tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.audit(entity, entityId, '', '').pk },
      ConsistentRead: true,
    }),
  );
  return Items;
}
