import { describe, expect, it } from 'vitest';
import { fieldErrors } from '../../../shared/http/validate.js';
import {
  CreatePromotionRequest,
  isRunning,
  ListPromotionsQuery,
  normalizedSchedule,
  PromotionIdParams,
  UpdatePromotionRequest,
  type CreatePromotionInput,
} from '../../../shared/promotions/model.js';

const valid: CreatePromotionInput = {
  name: '10 % off fruit',
  rule: { kind: 'percent-off', basisPoints: 1000 },
  target: { kind: 'category', categoryIds: ['01JABCDEFGHJKMNPQRSTVWXYZ0'] },
  stacking: { priority: 10 },
  schedule: { startsAt: '2026-01-01T00:00:00Z', endsAt: '2026-02-01T00:00:00Z' },
};

const failures = (input: unknown) => {
  const result = CreatePromotionRequest.safeParse(input);
  expect(result.success).toBe(false);
  return fieldErrors('body', result.error!);
};

describe('CreatePromotionRequest', () => {
  it('takes the pricing module’s promotion without its id, applying its defaults', () => {
    expect(CreatePromotionRequest.parse(valid)).toEqual({
      ...valid,
      stacking: { priority: 10, exclusive: false },
      limits: {},
      combinableWithOtherCoupons: true,
    });
  });

  it('upper-cases a coupon code sent in any case', () => {
    expect(CreatePromotionRequest.parse({ ...valid, couponCode: ' welcome10 ' }).couponCode).toBe('WELCOME10');
  });

  it('refuses a coupon code that is not 3–32 letters, digits, - and _', () => {
    for (const couponCode of ['AB', 'TEN %', 'X'.repeat(33), '-LEADING']) {
      expect(failures({ ...valid, couponCode }).map((e) => e.field), couponCode).toEqual(['body.couponCode']);
    }
  });

  it('refuses an id, since the server assigns it, and names every unknown field', () => {
    expect(failures({ ...valid, id: 'mine', colour: 'red' })).toEqual([{ field: 'body', message: 'unknown fields: id, colour' }]);
  });

  it('refuses a schedule that ends before it starts, naming endsAt', () => {
    expect(failures({ ...valid, schedule: { startsAt: '2026-02-01T00:00:00Z', endsAt: '2026-01-01T00:00:00Z' } })).toEqual([
      { field: 'body.schedule.endsAt', message: 'must be after startsAt' },
    ]);
  });

  it('refuses malformed rules, targets and limits field by field', () => {
    const fields = failures({
      ...valid,
      rule: { kind: 'percent-off', basisPoints: 12.5 },
      target: { kind: 'sku', skus: [] },
      limits: { total: 0 },
    }).map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['body.rule.basisPoints', 'body.target.skus', 'body.limits.total']));
  });
});

describe('UpdatePromotionRequest', () => {
  it('accepts a new end, a status, or both, with an optional version', () => {
    expect(UpdatePromotionRequest.safeParse({ endsAt: '2026-01-15T00:00:00Z' }).success).toBe(true);
    expect(UpdatePromotionRequest.safeParse({ version: 2, status: 'disabled' }).success).toBe(true);
  });

  it('refuses a patch that changes nothing, and fields it does not allow', () => {
    const nothing = UpdatePromotionRequest.safeParse({ version: 2 });
    expect(fieldErrors('body', nothing.error!)).toEqual([{ field: 'body', message: 'must change endsAt or status' }]);
    const rule = UpdatePromotionRequest.safeParse({ rule: { kind: 'bogo' } });
    expect(fieldErrors('body', rule.error!)).toContainEqual({ field: 'body', message: 'unknown field: rule' });
  });
});

describe('ListPromotionsQuery and PromotionIdParams', () => {
  it('reads active and limit from query-string text with defaults', () => {
    expect(ListPromotionsQuery.parse({})).toEqual({ active: false, limit: 50 });
    expect(ListPromotionsQuery.parse({ active: 'true', limit: '5' })).toEqual({ active: true, limit: 5 });
    expect(ListPromotionsQuery.safeParse({ active: 'yes' }).success).toBe(false);
    expect(ListPromotionsQuery.safeParse({ limit: '101' }).success).toBe(false);
  });

  it('accepts ULIDs and readable sample ids but not paths', () => {
    expect(PromotionIdParams.safeParse({ id: '01JABCDEFGHJKMNPQRSTVWXYZ0' }).success).toBe(true);
    expect(PromotionIdParams.safeParse({ id: 'sample-welcome10' }).success).toBe(true);
    expect(PromotionIdParams.safeParse({ id: '../x' }).success).toBe(false);
  });
});

describe('schedules', () => {
  it('normalizes both instants to UTC so that they sort as strings', () => {
    expect(normalizedSchedule({ startsAt: '2026-06-01T09:00:00+01:00', endsAt: '2026-06-02T00:00:00Z' })).toEqual({
      startsAt: '2026-06-01T08:00:00.000Z',
      endsAt: '2026-06-02T00:00:00.000Z',
    });
    expect(normalizedSchedule({ startsAt: '2026-06-01T09:00:00Z' })).toEqual({ startsAt: '2026-06-01T09:00:00.000Z' });
  });

  it('runs from startsAt inclusive to endsAt exclusive, only while enabled', () => {
    const schedule = { startsAt: '2026-01-01T00:00:00.000Z', endsAt: '2026-02-01T00:00:00.000Z' };
    const at = (iso: string) => new Date(iso);
    expect(isRunning({ status: 'enabled', schedule }, at('2025-12-31T23:59:59.999Z'))).toBe(false);
    expect(isRunning({ status: 'enabled', schedule }, at('2026-01-01T00:00:00.000Z'))).toBe(true);
    expect(isRunning({ status: 'enabled', schedule }, at('2026-01-31T23:59:59.999Z'))).toBe(true);
    expect(isRunning({ status: 'enabled', schedule }, at('2026-02-01T00:00:00.000Z'))).toBe(false);
    expect(isRunning({ status: 'disabled', schedule }, at('2026-01-15T00:00:00.000Z'))).toBe(false);
    expect(isRunning({ status: 'enabled', schedule: { startsAt: schedule.startsAt } }, at('2099-01-01T00:00:00.000Z'))).toBe(true);
  });
});
