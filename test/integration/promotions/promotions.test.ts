import { describe, expect, it } from 'vitest';
import { keys } from '../../../shared/db/keys.js';
import { createPromotion, getPromotion, listPromotions, updatePromotion } from '../../../shared/promotions/promotions.js';
import { activePromotions, findCouponPromotion, usageFor } from '../../../shared/promotions/queries.js';
import { appError, itemAt } from '../catalog/fixtures.js';
import { aTarget, auditOf, cartPercentOff, daysFromNow, manager, NOW, testDeps, uniqueCode } from './fixtures.js';

describe('creating promotions', () => {
  it('stores the promotion with its server fields, claims its coupon code and audits the creation', async () => {
    const deps = testDeps();
    const code = uniqueCode('SAVE');
    const created = await createPromotion(cartPercentOff({ couponCode: code.toLowerCase(), limits: { perShopper: 1 } }), manager, deps);

    expect(created).toMatchObject({ couponCode: code, status: 'enabled', redemptions: 0, version: 1, createdBy: manager.actor, limits: { perShopper: 1 } });
    expect(await getPromotion(created.id, manager, deps)).toEqual(created);
    expect(await itemAt(keys.couponCode(code))).toMatchObject({ entityType: 'CouponCode', promotionId: created.id, code });
    expect(await itemAt(keys.promotion(created.id))).toMatchObject({ entityType: 'Promotion', schemaVersion: 1, gsi1pk: 'PROMOTIONS' });
    expect(await auditOf('promotion', created.id)).toEqual([
      expect.objectContaining({ action: 'created', actor: manager.actor, before: {}, after: expect.objectContaining({ id: created.id, couponCode: code }) }),
    ]);
  });

  it('lets exactly one of two promotions racing for a coupon code claim it; the other is a 409 and writes nothing', async () => {
    const code = uniqueCode('RACE');
    const ids = [`race-a-${code}`, `race-b-${code}`];
    const results = await Promise.allSettled(ids.map((id) => createPromotion(cartPercentOff({ couponCode: code }), manager, testDeps({ newId: () => id }))));

    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]!.reason).toMatchObject({ kind: 'conflict', code: 'coupon-code-taken', extensions: { couponCode: code } });
    const winner = (won[0] as PromiseFulfilledResult<{ id: string }>).value.id;
    expect((await itemAt(keys.couponCode(code)))?.promotionId).toBe(winner);
    const loser = ids.find((id) => id !== winner)!;
    expect(await itemAt(keys.promotion(loser))).toBeUndefined();
  });

  it('refuses a code already taken, whatever its case', async () => {
    const code = uniqueCode('TAKEN');
    await createPromotion(cartPercentOff({ couponCode: code }), manager, testDeps());
    const error = await appError(createPromotion(cartPercentOff({ couponCode: code.toLowerCase() }), manager, testDeps()));
    expect(error.code).toBe('coupon-code-taken');
  });

  it('refuses unknown SKUs and categories, naming each field, and writes nothing', async () => {
    const { sku } = await aTarget();
    const id = '01JUNKNOWNREFSAAAAAAAAAAAA';
    const error = await appError(
      createPromotion(
        cartPercentOff({ target: { kind: 'sku', skus: [sku, 'NO-SUCH-SKU-1'] } }),
        manager,
        testDeps({ newId: () => id }),
      ),
    );
    expect(error.fields).toEqual([{ field: 'body.target.skus.1', message: 'no product has the SKU NO-SUCH-SKU-1' }]);
    const byCategory = await appError(createPromotion(cartPercentOff({ target: { kind: 'category', categoryIds: ['01JZZZZZZZZZZZZZZZZZZZZZZZ'] } }), manager, testDeps()));
    expect(byCategory.fields?.[0]?.field).toBe('body.target.categoryIds.0');
    expect(await itemAt(keys.promotion(id))).toBeUndefined();
  });
});

describe('the read API for carts', () => {
  it('lists the automatic promotions running now: not coupons, not future, ended or disabled ones', async () => {
    const deps = testDeps();
    const running = await createPromotion(cartPercentOff(), manager, deps);
    const endsLater = await createPromotion(cartPercentOff({ schedule: { startsAt: daysFromNow(-2), endsAt: daysFromNow(2) } }), manager, deps);
    const coupon = await createPromotion(cartPercentOff({ couponCode: uniqueCode('C') }), manager, deps);
    const future = await createPromotion(cartPercentOff({ schedule: { startsAt: daysFromNow(1) } }), manager, deps);
    const ended = await createPromotion(cartPercentOff({ schedule: { startsAt: daysFromNow(-3), endsAt: daysFromNow(-1) } }), manager, deps);
    const disabled = await createPromotion(cartPercentOff(), manager, deps);
    await updatePromotion(disabled.id, { version: 1, status: 'disabled' }, manager, deps);

    const ids = new Set((await activePromotions(NOW, { maxAgeSeconds: 0 }, deps)).map((p) => p.id));
    expect(ids.has(running.id) && ids.has(endsLater.id)).toBe(true);
    for (const absent of [coupon, future, ended, disabled]) expect(ids.has(absent.id), absent.name).toBe(false);
    const found = (await activePromotions(NOW, { maxAgeSeconds: 0 }, deps)).find((p) => p.id === running.id);
    expect(found).toEqual({
      id: running.id,
      name: running.name,
      rule: running.rule,
      target: running.target,
      stacking: running.stacking,
      schedule: running.schedule,
      limits: {},
      combinableWithOtherCoupons: true,
    });
  });

  it('reuses what it loaded for 30 s, yet ends promotions exactly on time', async () => {
    const deps = testDeps();
    const ending = await createPromotion(cartPercentOff({ schedule: { startsAt: daysFromNow(-1), endsAt: new Date(NOW.getTime() + 10_000).toISOString() } }), manager, deps);
    expect((await activePromotions(NOW, { maxAgeSeconds: 0 }, deps)).some((p) => p.id === ending.id)).toBe(true);
    const added = await createPromotion(cartPercentOff(), manager, deps);

    const soon = new Date(NOW.getTime() + 15_000);
    const cached = (await activePromotions(soon, {}, deps)).map((p) => p.id);
    expect(cached).not.toContain(added.id);
    expect(cached).not.toContain(ending.id);
    const later = (await activePromotions(new Date(NOW.getTime() + 30_000), {}, deps)).map((p) => p.id);
    expect(later).toContain(added.id);
  });

  it('finds a coupon’s promotion by code in any case, whatever its schedule, but not when disabled or unknown', async () => {
    const deps = testDeps();
    const code = uniqueCode('FIND');
    const ended = await createPromotion(cartPercentOff({ couponCode: code, schedule: { startsAt: daysFromNow(-3), endsAt: daysFromNow(-1) } }), manager, deps);

    expect((await findCouponPromotion(` ${code.toLowerCase()} `, deps))?.id).toBe(ended.id);
    expect(await findCouponPromotion(uniqueCode('NOPE'), deps)).toBeUndefined();
    expect(await findCouponPromotion('', deps)).toBeUndefined();
    await updatePromotion(ended.id, { status: 'disabled' }, { ...manager, ifMatch: '"1"' }, deps);
    expect(await findCouponPromotion(code, deps)).toBeUndefined();
  });

  it('counts no usage for promotions never redeemed', async () => {
    const deps = testDeps();
    const promotion = await createPromotion(cartPercentOff(), manager, deps);
    expect(await usageFor([promotion.id, 'never-created'], 'shopper-x', deps)).toEqual({
      [promotion.id]: { total: 0, byShopper: 0 },
      'never-created': { total: 0, byShopper: 0 },
    });
  });
});

describe('ending and disabling promotions', () => {
  it('brings the end forward under the version, audits it, and refuses stale versions with 409', async () => {
    const deps = testDeps();
    const promotion = await createPromotion(cartPercentOff({ schedule: { startsAt: daysFromNow(-1), endsAt: daysFromNow(10) } }), manager, deps);
    const ended = await updatePromotion(promotion.id, { endsAt: NOW.toISOString() }, { ...manager, ifMatch: '"1"' }, deps);
    expect(ended).toMatchObject({ version: 2, schedule: { endsAt: NOW.toISOString() } });
    expect(await getPromotion(promotion.id, manager, deps)).toEqual(ended);
    expect((await auditOf('promotion', promotion.id)).at(-1)).toMatchObject({
      action: 'changed',
      before: { endsAt: daysFromNow(10), status: 'enabled' },
      after: { endsAt: NOW.toISOString(), status: 'enabled' },
    });

    const stale = await appError(updatePromotion(promotion.id, { version: 1, status: 'disabled' }, manager, deps));
    expect(stale).toMatchObject({ code: 'version-mismatch', extensions: { expectedVersion: 1, currentVersion: 2 } });
    expect((await getPromotion(promotion.id, manager, deps)).status).toBe('enabled');
  });

  it('refuses an end later than the current one or not after the start, and changes nothing', async () => {
    const deps = testDeps();
    const promotion = await createPromotion(cartPercentOff({ schedule: { startsAt: daysFromNow(-1), endsAt: daysFromNow(10) } }), manager, deps);
    const later = await appError(updatePromotion(promotion.id, { version: 1, endsAt: daysFromNow(11) }, manager, deps));
    expect(later.fields?.[0]?.field).toBe('body.endsAt');
    const beforeStart = await appError(updatePromotion(promotion.id, { version: 1, endsAt: daysFromNow(-2) }, manager, deps));
    expect(beforeStart.fields?.[0]?.message).toContain('must be after the promotion starts');
    expect(await getPromotion(promotion.id, manager, deps)).toEqual(promotion);
  });

  it('answers 404 for an unknown promotion', async () => {
    const error = await appError(updatePromotion('no-such-promotion', { version: 1, status: 'disabled' }, manager, testDeps()));
    expect(error.kind).toBe('not-found');
  });
});

describe('listing promotions', () => {
  it('pages newest start first, and keeps only running ones with active=true', async () => {
    const deps = testDeps();
    const running = await createPromotion(cartPercentOff({ couponCode: uniqueCode('L') }), manager, deps);
    const future = await createPromotion(cartPercentOff({ schedule: { startsAt: daysFromNow(400) } }), manager, deps);

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listPromotions({ active: false, limit: 3, ...(cursor ? { cursor } : {}) }, manager, deps);
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((p) => p.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(expect.arrayContaining([running.id, future.id]));
    expect(seen.indexOf(future.id)).toBeLessThan(seen.indexOf(running.id));

    const active = await listPromotions({ active: true, limit: 100 }, manager, deps);
    expect(active.items.every((p) => p.status === 'enabled')).toBe(true);
    expect(active.items.map((p) => p.id)).not.toContain(future.id);
  });

  it('refuses a cursor it did not hand out', async () => {
    const error = await appError(listPromotions({ active: false, limit: 5, cursor: Buffer.from('{"pk":"PRODUCT#x"}').toString('base64url') }, manager, testDeps()));
    expect(error.fields?.[0]?.field).toBe('query.cursor');
  });
});
