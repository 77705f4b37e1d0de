import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { auditItem } from '../audit/audit-entry.js';
import { decodeCursor, encodeCursor } from '../catalog/cursor.js';
import { batchGet } from '../db/batch.js';
import { INDEXES, keys, type Key } from '../db/keys.js';
import { TransactionCancelled, transactWrite } from '../db/transact.js';
import { ConflictError, NotFoundError, ValidationError, type FieldError } from '../errors.js';
import { fieldErrors } from '../http/validate.js';
import type { Promotion } from '../pricing/promotions.js';
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

/** The admin side of promotions: create, read, list, and end or disable. */

/** Who is acting, and in which request. */
export interface Actor {
  actor: string;
  correlationId?: string;
}

/** The gsi1 partition holding every promotion, ordered by start time. */
const PROMOTIONS = keys.promotionListing('', '').gsi1pk;

function parse<S extends z.ZodType>(schema: S, input: unknown, where: string): z.infer<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new ValidationError(fieldErrors(where, result.error));
  return result.data;
}

/** The SKUs and categories a promotion names, each with the request field that names it. */
function references(promotion: Pick<Promotion, 'target' | 'rule'>): { key: Key; field: string; what: string }[] {
  const targets = [
    { target: promotion.target, at: 'body.target' },
    ...(promotion.rule.kind === 'bundle' ? promotion.rule.components.map((c, i) => ({ target: c.target, at: `body.rule.components.${i}.target` })) : []),
  ];
  return targets.flatMap(({ target, at }) => {
    if (target.kind === 'sku') return target.skus.map((sku, i) => ({ key: keys.sku(sku), field: `${at}.skus.${i}`, what: `no product has the SKU ${sku}` }));
    if (target.kind === 'category') {
      return target.categoryIds.map((id, i) => ({ key: keys.category(id), field: `${at}.categoryIds.${i}`, what: `no category has the id ${id}` }));
    }
    return [];
  });
}

/**
 * Checks that every SKU and category a promotion names exists. A read before the write, not a
 * condition in it: SKUs and categories are not deleted, and a promotion naming one that later goes
 * away simply matches nothing.
 */
async function unknownReferences(deps: PromotionDeps, promotion: Pick<Promotion, 'target' | 'rule'>): Promise<FieldError[]> {
  const wanted = references(promotion);
  const found = new Set((await batchGet(deps, wanted.map((w) => w.key))).map((item) => `${item.pk as string}|${item.sk as string}`));
  return wanted.filter((w) => !found.has(`${w.key.pk}|${w.key.sk}`)).map((w) => ({ field: w.field, message: w.what }));
}

/**
 * Creates a promotion. Its coupon code, if any, is claimed in the same transaction that writes it,
 * with its audit entry, so a code can never belong to two promotions.
 * @throws ValidationError (400) for a malformed promotion, a schedule that ends before it starts, or unknown SKUs or categories
 * @throws ConflictError (409, `coupon-code-taken`) when another promotion holds the coupon code
 */
export async function createPromotion(input: CreatePromotionInput, who: Actor, deps: PromotionDeps = promotionDeps()): Promise<PromotionView> {
  const body = parse(CreatePromotionRequest, input, 'body');
  const unknown = await unknownReferences(deps, body);
  if (unknown.length > 0) throw new ValidationError(unknown);
  const now = deps.now().toISOString();
  const view = PromotionView.parse({
    ...body,
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
    { Put: { TableName: deps.tableName, Item: auditItem({ entity: 'promotion', entityId: view.id, action: 'created', actor: who.actor, at: now, before: {}, after: view }) } },
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
 * One promotion with its server-side fields.
 * @throws NotFoundError (404) when there is no such promotion
 */
export async function getPromotion(id: string, deps: PromotionDeps = promotionDeps()): Promise<PromotionView> {
  const promotion = await getPromotionRecord(deps, id);
  if (!promotion) throw new NotFoundError('Promotion', id);
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
 * their schedule now (coupons included), so such a page may hold fewer than `limit`.
 * @throws ValidationError (400) for a cursor this listing did not hand out
 */
export async function listPromotions(
  { active, limit, cursor }: z.output<typeof ListPromotionsQuery>,
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
  const items = (page.Items ?? []).map(promotionFromItem).filter((p) => !active || isRunning(p, now));
  return { items, nextCursor: page.LastEvaluatedKey ? encodeCursor(page.LastEvaluatedKey) : null };
}

/** The strong entity tag of a promotion version, `"3"`. */
export function promotionEtag(promotion: Pick<PromotionView, 'version'>): string {
  return `"${promotion.version}"`;
}

function expectedVersion(bodyVersion: number | undefined, ifMatch: string | undefined): number {
  let fromHeader: number | undefined;
  if (ifMatch !== undefined) {
    const match = /^"([1-9]\d{0,14})"$/.exec(ifMatch.trim());
    if (!match) throw new ValidationError([{ field: 'header.if-match', message: 'must be the promotion\'s ETag, such as "3"' }]);
    fromHeader = Number(match[1]);
  }
  if (bodyVersion !== undefined && fromHeader !== undefined && bodyVersion !== fromHeader) {
    throw new ValidationError([{ field: 'body.version', message: `is ${bodyVersion} but If-Match says ${fromHeader}` }]);
  }
  const expected = bodyVersion ?? fromHeader;
  if (expected === undefined) throw new ValidationError([{ field: 'body.version', message: 'is required unless an If-Match header carries the ETag' }]);
  return expected;
}

function versionConflict(id: string, expected: number, current: number): ConflictError {
  return new ConflictError('version-mismatch', `Promotion ${id} is at version ${current}, not ${expected}; read it again and reapply the change.`, {
    extensions: { expectedVersion: expected, currentVersion: current },
  });
}

/**
 * Ends a promotion earlier or disables (or re-enables) it, under optimistic concurrency, with an
 * audit entry in the same transaction. A change that changes nothing writes nothing.
 * @throws NotFoundError (404) when there is no such promotion
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
  const expected = expectedVersion(patch.version, who.ifMatch);
  const current = await getPromotion(id, deps);
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
            entity: 'promotion',
            entityId: id,
            action: 'changed',
            actor: who.actor,
            at: now,
            before: { endsAt: current.schedule.endsAt ?? null, status: current.status },
            after: { endsAt: endsAt ?? null, status },
          }),
        },
      },
    ]);
  } catch (error) {
    if (error instanceof TransactionCancelled && error.failedConditions().includes(0)) {
      throw versionConflict(id, expected, (await getPromotion(id, deps)).version);
    }
    throw error;
  }
  return next;
}
