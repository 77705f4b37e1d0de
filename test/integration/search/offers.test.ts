import { describe, expect, it } from 'vitest';
import { ALL_STORES } from '../../../shared/auth/principal.js';
import type { CreatePromotionInput } from '../../../shared/promotions/model.js';
import { promotionDeps } from '../../../shared/promotions/deps.js';
import { createPromotion, updatePromotion } from '../../../shared/promotions/promotions.js';
import { buildFromTable } from '../../../shared/search/build.js';
import { LiveIndex } from '../../../shared/search/live-index.js';
import { engines } from '../../support/engines.js';
import { categories, product, testSearchDeps, uniqueSlug, uniqueSku } from './fixtures.js';

/**
 * Promotions are placed around a clock far from the present, so that they are running only for
 * this file's indexes and never for another test's carts.
 */
const T = new Date('2091-03-01T12:00:00.000Z');
const at = (minutes: number) => new Date(T.getTime() + minutes * 60_000).toISOString();
const manager = { actor: 'search-test', stores: [ALL_STORES] };
const writes = (now: Date) => promotionDeps({ tableName: engines().tableName, now: () => now });

function promotion(target: CreatePromotionInput['target'], extra: Partial<CreatePromotionInput> = {}): Promise<{ id: string; version: number }> {
  return createPromotion(
    { name: 'Search offer', rule: { kind: 'percent-off', basisPoints: 1000 }, target, stacking: { priority: 10 }, schedule: { startsAt: at(-60) }, ...extra },
    manager,
    writes(T),
  );
}

/** Products in a child category, one promotion each, plus one in a category promoted through its parent. */
async function shop() {
  const { root, child } = await categories();
  const w = uniqueSlug('offer').replace(/-/g, '');
  const named = async (name: string, categoryId = child) => {
    const sku = uniqueSku('OFFER');
    const p = await product(categoryId, `${w} ${name}`, {
      variants: [
        { sku: uniqueSku('OFFER'), name: 'Small', soldBy: 'each', price: { amount: 100, currency: 'GBP' } },
        { sku, name: 'Large', soldBy: 'each', price: { amount: 200, currency: 'GBP' } },
      ],
    });
    return { id: p.id, sku };
  };
  const p = {
    bySku: await named('by sku'),
    endsSoon: await named('ends soon'),
    startsSoon: await named('starts soon'),
    byCoupon: await named('by coupon'),
    disabled: await named('disabled'),
    ended: await named('ended'),
    spend: await named('spend threshold'),
    plain: await named('plain'),
  };
  const sub = await categories();
  const byAncestor = await named('by ancestor', sub.child);

  await promotion({ kind: 'sku', skus: [p.bySku.sku] }, { rule: { kind: 'bogo' } });
  await promotion({ kind: 'category', categoryIds: [sub.root] });
  await promotion({ kind: 'sku', skus: [p.endsSoon.sku] }, { schedule: { startsAt: at(-60), endsAt: at(5) } });
  await promotion({ kind: 'sku', skus: [p.startsSoon.sku] }, { schedule: { startsAt: at(5) } });
  await promotion({ kind: 'sku', skus: [p.byCoupon.sku] }, { couponCode: uniqueSlug('OFFER').toUpperCase().slice(0, 32) });
  const off = await promotion({ kind: 'sku', skus: [p.disabled.sku] });
  await updatePromotion(off.id, { version: off.version, status: 'disabled' }, manager, writes(T));
  await promotion({ kind: 'sku', skus: [p.ended.sku] }, { schedule: { startsAt: at(-120), endsAt: at(-1) } });
  await promotion(
    { kind: 'sku', skus: [p.spend.sku] },
    { rule: { kind: 'spend-threshold', minimumSpend: { amount: 5000, currency: 'GBP' }, reward: { kind: 'percent-off', basisPoints: 500 } } },
  );
  await promotion({ kind: 'cart' });
  return { w, root, products: { ...p, byAncestor }, ancestorRoot: sub.root };
}

describe('the on-offer facet', () => {
  it('follows the automatic promotions running now that target a SKU or a category, in a build from the table', async () => {
    const { w, root, products: p, ancestorRoot } = await shop();
    const index = await buildFromTable(testSearchDeps({ now: () => T }));
    const names = (category: string, onOffer?: boolean) =>
      index.query({ q: w, category, ...(onOffer === undefined ? {} : { onOffer }), sort: 'relevance', offset: 0, limit: 20 }).hits.map((h) => h.summary.name).sort();

    expect(names(root, true)).toEqual([`${w} by sku`, `${w} ends soon`]);
    expect(names(ancestorRoot, true)).toEqual([`${w} by ancestor`]);
    expect(names(root, false)).toEqual(['by coupon', 'disabled', 'ended', 'plain', 'spend threshold', 'starts soon'].map((n) => `${w} ${n}`));
    expect(index.summary(p.bySku.id)?.onOffer).toBe(true);
    expect(index.summary(p.byCoupon.id)?.onOffer).toBe(false);
  });

  it('is recomputed by a warm index when a promotion ends or starts, without any catalog change', async () => {
    const { w, root, products: p } = await shop();
    let now = T;
    const index = new LiveIndex(testSearchDeps({ now: () => now }), 0);
    const onOffer = async () => {
      const result = (await index.current()).query({ q: w, category: root, onOffer: true, sort: 'relevance', offset: 0, limit: 20 });
      return result.hits.map((h) => h.summary.productId).sort();
    };
    expect(await onOffer()).toEqual([p.bySku.id, p.endsSoon.id].sort());

    now = new Date(Date.parse(at(6)));
    expect(await onOffer()).toEqual([p.bySku.id, p.startsSoon.id].sort());
  });
});
