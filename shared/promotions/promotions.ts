import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { attributedTo, auditItem, type AuditedBy } from '../audit/audit-entry.js';
import { actsAtStore, ALL_STORES } from '../auth/principal.js';
import { decodeCursor, encodeCursor } from '../catalog/cursor.js';
import { batchGet } from '../db/batch.js';
import { INDEXES, keys, type Key } from '../db/keys.js';
import { TransactionCancelled, transactWrite } from '../db/transact.js';
import { AppError, ConflictError, NotFoundError, ValidationError, type FieldError } from '../errors.js';
import { versionRequired } from '../http/if-match.js';
import { fieldErrors } from '../http/validate.js';
import type { Promotion } from '../pricing/promotions.js';
import { generateCouponCode } from './coupon-codes.js';
import { promotionDeps, type PromotionDeps } from './deps.js';
import {
  CreatePromotionRequest,
  isRunning,
  type ListPromotionsQuery,
  normalizedSchedule,
  PromotionView,
  UpdatePromotionRequest,
  type CreatePromotionInput,
  type PromotionPage,
  type UpdatePromotionInput,
} from './model.js';
import { couponCodeItem, getPromotionRecord, promotionFromItem, promotionItem } from './repository.js';

/**
 * The admin side of promotions: create, read, list, and end or disable. Staff bound to stores (a store manager) act
 * only on promotions whose stores are all among their own; another store's promotion, or a chain-wide one, is to them
 * exactly like a missing one (404), so that ids reveal nothing. Chain-wide staff act on every promotion.
 */

/** Who is acting, where, and in which request. */
export interface Actor extends AuditedBy {
  /** The stores the actor works at, as the principal carries them: store ids, or `ALL_STORES` for chain-wide staff. */
  stores: readonly string[];
}

/**
 * Whether a promotion is within an actor's stores: every store it applies at is one of theirs. A chain-wide promotion
 * is within chain-wide staff's alone. Pure.
 */
export function withinStores(promotion: Pick<Promotion, 'stores'>, who: Pick<Actor, 'stores'>): boolean {
  if (who.stores.includes(ALL_STORES)) return true;
  return promotion.stores !== undefined && promotion.stores.every((store) => actsAtStore(who, store));
}

/**
 * @throws AppError (403 `store-forbidden`) when a promotion to create reaches beyond the actor's stores
 */
function requireCreatableBy(promotion: Pick<Promotion, 'stores'>, who: Pick<Actor, 'stores'>): void {
  if (withinStores(promotion, who)) return;
  if (promotion.stores === undefined) {
    throw new AppError('forbidden', 'store-forbidden', 'Only chain-wide staff may create a promotion for every store; name your stores in `stores`.', {
      extensions: { stores: who.stores },
    });
  }
  const others = promotion.stores.filter((store) => !actsAtStore(who, store));
  throw new AppError('forbidden', 'store-forbidden', `You do not work at ${others.join(', ')}.`, { extensions: { storeIds: others } });
}

/** The gsi1 partition holding every promotion, ordered by start time. */
const PROMOTIONS = keys.promotionListing('', '').gsi1pk;

function parse<S extends z.ZodType>(schema: S, input: unknown, where: string): z.infer<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new ValidationError(fieldErrors(where, result.error));
  return result.data;
}

/** A thing a promotion names that must exist: its key, and the request field that names it. */
interface Reference {
  key: Key;
  field: string;
  what: string;
}

/** The SKUs or categories one target names. */
function targetReferences(target: Promotion['target'], at: string): Reference[] {
  if (target.kind === 'sku') return target.skus.map((sku, i) => ({ key: keys.sku(sku), field: `${at}.skus.${i}`, what: `no product has the SKU ${sku}` }));
  if (target.kind === 'category') {
    return target.categoryIds.map((id, i) => ({ key: keys.category(id), field: `${at}.categoryIds.${i}`, what: `no category has the id ${id}` }));
  }
  return [];
}

/** The stores, SKUs and categories a promotion names, each with the request field that names it. */
function references(promotion: Pick<Promotion, 'target' | 'rule' | 'stores'>): Reference[] {
  const stores = (promotion.stores ?? []).map((id, i) => ({ key: keys.store(id), field: `body.stores.${i}`, what: `no store has the id ${id}` }));
  const targets = [
    { target: promotion.target, at: 'body.target' },
    ...(promotion.rule.kind === 'bundle' ? promotion.rule.components.map((c, i) => ({ target: c.target, at: `body.rule.components.${i}.target` })) : []),
  ];
  return [...stores, ...targets.flatMap(({ target, at }) => targetReferences(target, at))];
}

/**
 * Checks that every store, SKU and category a promotion names exists. A read before the write, not a
 * condition in it: stores, SKUs and categories are not deleted, and a promotion naming one that later
 * goes away simply matches nothing.
 */
async function unknownReferences(deps: PromotionDeps, promotion: Pick<Promotion, 'target' | 'rule' | 'stores'>): Promise<FieldError[]> {
  const wanted = references(promotion);
  const id = (key: Key) => `${key.pk}|${key.sk}`;
  // A batch read refuses a key named twice, and a body may name one store or SKU twice.
  const distinct = [...new Map(wanted.map((w) => [id(w.key), w.key])).values()];
  const found = new Set((await batchGet(deps, distinct)).map((item) => id({ pk: item.pk as string, sk: item.sk as string })));
  return wanted.filter((w) => !found.has(id(w.key))).map((w) => ({ field: w.field, message: w.what }));
}

/**
 * Creates a promotion. Its coupon code, if any, is claimed in the same transaction that writes it,
 * with its audit entry, so a code can never belong to two promotions.
 * With `generateCouponCode`, the server draws a random code (see `coupon-codes.ts`).
 * @throws ValidationError (400) for a malformed promotion, a schedule that ends before it starts, a weak single-use
 *   coupon code, or unknown stores, SKUs or categories
 * @throws AppError (403 `store-forbidden`) for a promotion beyond the actor's stores (chain-wide, for store staff)
 * @throws ConflictError (409, `coupon-code-taken`) when another promotion holds the coupon code
 */
export async function createPromotion(input: CreatePromotionInput, who: Actor, deps: PromotionDeps = promotionDeps()): Promise<PromotionView> {
  const { generateCouponCode: generate, ...body } = parse(CreatePromotionRequest, input, 'body');
  const stores = body.stores === undefined ? undefined : [...new Set(body.stores)].sort();
  requireCreatableBy({ stores }, who);
  const unknown = await unknownReferences(deps, body);
  if (unknown.length > 0) throw new ValidationError(unknown);
  const now = deps.now().toISOString();
  const view = PromotionView.parse({
    ...body,
    ...(stores === undefined ? {} : { stores }),
    ...(generate === true ? { couponCode: generateCouponCode() } : {}),
    id: deps.newId(),
    schedule: normalizedSchedule(body.schedule),
    status: 'enabled',
    redemptions: 0,
    version: 1,
    createdAt: now,
    createdBy: who.actor,
    updatedAt: now,
  } satisfies PromotionView);
  const items = [
    { Put: { TableName: deps.tableName, Item: promotionItem(view), ConditionExpression: 'attribute_not_exists(pk)' } },
    ...(view.couponCode
      ? [{ Put: { TableName: deps.tableName, Item: couponCodeItem(view.couponCode, view.id), ConditionExpression: 'attribute_not_exists(pk)' } }]
      : []),
    { Put: { TableName: deps.tableName, Item: auditItem({ ...attributedTo(who), entity: 'promotion', entityId: view.id, action: 'created', at: now, before: {}, after: view }) } },
  ];
  try {
    await transactWrite(deps, items);
  } catch (error) {
    if (error instanceof TransactionCancelled && view.couponCode && error.failedConditions().includes(1)) {
      throw new ConflictError('coupon-code-taken', `The coupon code ${view.couponCode} already belongs to another promotion.`, {
        extensions: { couponCode: view.couponCode },
      });
    }
    throw error;
  }
  return view;
}

/**
 * One promotion with its server-side fields, if it is within the actor's stores.
 * @throws NotFoundError (404) when there is no such promotion, or it is not within the actor's stores
 */
export async function getPromotion(id: string, who: Pick<Actor, 'stores'>, deps: PromotionDeps = promotionDeps()): Promise<PromotionView> {
  const promotion = await getPromotionRecord(deps, id);
  if (!promotion || !withinStores(promotion, who)) throw new NotFoundError('Promotion', id);
  return promotion;
}

/** The key of a promotion in the listing, which is what a listing cursor holds. */
const PromotionListingKey = z.strictObject({
  pk: z.string().startsWith('PROMOTION#'),
  sk: z.literal('PROMOTION'),
  gsi1pk: z.literal(PROMOTIONS),
  gsi1sk: z.string().min(1),
});

/**
 * Promotions newest start first, a page at a time; `active` keeps only those enabled and within
 * their schedule now (coupons included), and only those within the actor's stores are listed, so a
 * page may hold fewer than `limit`.
 * @throws ValidationError (400) for a cursor this listing did not hand out
 */
export async function listPromotions(
  { active, limit, cursor }: z.output<typeof ListPromotionsQuery>,
  who: Pick<Actor, 'stores'>,
  deps: PromotionDeps = promotionDeps(),
): Promise<PromotionPage> {
  const now = deps.now();
  const page = await deps.db.send(
    new QueryCommand({
      TableName: deps.tableName,
      IndexName: INDEXES.gsi1.name,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': INDEXES.gsi1.partition },
      ExpressionAttributeValues: { ':pk': PROMOTIONS },
      ScanIndexForward: false,
      Limit: limit,
      ExclusiveStartKey: cursor ? decodeCursor(cursor, PromotionListingKey) : undefined,
    }),
  );
  const items = (page.Items ?? []).map(promotionFromItem).filter((p) => withinStores(p, who) && (!active || isRunning(p, now)));
  return { items, nextCursor: page.LastEvaluatedKey ? encodeCursor(page.LastEvaluatedKey) : null };
}

/** The strong entity tag of a promotion version, `"3"`. */
export function promotionEtag(promotion: Pick<PromotionView, 'version'>): string {
  return `"${promotion.version}"`;
}

function versionConflict(id: string, expected: number, current: number): ConflictError {
  return new ConflictError('version-mismatch', `Promotion ${id} is at version ${current}, not ${expected}; read it again and reapply the change.`, {
    extensions: { expectedVersion: expected, currentVersion: current },
  });
}

/**
 * Ends a promotion earlier or disables (or re-enables) it, under optimistic concurrency, with an
 * audit entry in the same transaction. A change that changes nothing writes nothing.
 * @throws NotFoundError (404) when there is no such promotion, or it is not within the actor's stores
 * @throws ValidationError (400) for an end later than the current one or not after the start
 * @throws ConflictError (409, `version-mismatch`) when the promotion has moved on
 */
export async function updatePromotion(
  id: string,
  input: UpdatePromotionInput,
  who: Actor & { ifMatch?: string },
  deps: PromotionDeps = promotionDeps(),
): Promise<PromotionView> {
  const patch = parse(UpdatePromotionRequest, input, 'body');
  const expected = versionRequired(patch.version, who.ifMatch, 'promotion');
  const current = await getPromotion(id, who, deps);
  if (current.version !== expected) throw versionConflict(id, expected, current.version);

  const endsAt = patch.endsAt === undefined ? current.schedule.endsAt : new Date(patch.endsAt).toISOString();
  if (endsAt !== undefined && Date.parse(endsAt) <= Date.parse(current.schedule.startsAt)) {
    throw new ValidationError([{ field: 'body.endsAt', message: `must be after the promotion starts (${current.schedule.startsAt})` }]);
  }
  if (endsAt !== undefined && current.schedule.endsAt !== undefined && Date.parse(endsAt) > Date.parse(current.schedule.endsAt)) {
    throw new ValidationError([{ field: 'body.endsAt', message: `can only bring the end forward; it is ${current.schedule.endsAt}` }]);
  }
  const status = patch.status ?? current.status;
  if (endsAt === current.schedule.endsAt && status === current.status) return current;

  const now = deps.now().toISOString();
  const next = PromotionView.parse({ ...current, schedule: { ...current.schedule, endsAt }, status, version: current.version + 1, updatedAt: now });
  try {
    await transactWrite(deps, [
      {
        Update: {
          TableName: deps.tableName,
          Key: keys.promotion(id),
          UpdateExpression: `SET ${endsAt === undefined ? '' : 'schedule.endsAt = :endsAt, '}#status = :status, #version = :next, updatedAt = :now`,
          ConditionExpression: 'attribute_exists(pk) AND #version = :expected',
          ExpressionAttributeNames: { '#status': 'status', '#version': 'version' },
          ExpressionAttributeValues: {
            ...(endsAt === undefined ? {} : { ':endsAt': endsAt }),
            ':status': status,
            ':next': next.version,
            ':now': now,
            ':expected': expected,
          },
        },
      },
      {
        Put: {
          TableName: deps.tableName,
          Item: auditItem({
            ...attributedTo(who),
            entity: 'promotion',
            entityId: id,
            action: 'changed',
            at: now,
            before: { endsAt: current.schedule.endsAt ?? null, status: current.status },
            after: { endsAt: endsAt ?? null, status },
          }),
        },
      },
    ]);
  } catch (error) {
    if (error instanceof TransactionCancelled && error.failedConditions().includes(0)) {
      throw versionConflict(id, expected, (await getPromotion(id, who, deps)).version);
    }
    throw error;
  }
  return next;
}
