import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { ulid } from 'ulid';
import { describe, expect, it } from 'vitest';
import { handler as decideHandler } from '../../../functions/orders/decide-substitution.js';
import type { Principal } from '../../../shared/auth/principal.js';
import { scopesForRoles } from '../../../shared/auth/roles.js';
import { createCategory } from '../../../shared/catalog/categories.js';
import { catalogDeps } from '../../../shared/catalog/deps.js';
import type { Variant } from '../../../shared/catalog/model.js';
import { createProduct } from '../../../shared/catalog/products.js';
import { checkoutDeps, type CheckoutDeps } from '../../../shared/checkout/deps.js';
import { awaitSubstitutions, commitStock } from '../../../shared/checkout/steps/fulfilment.js';
import type { Workflow } from '../../../shared/checkout/workflow.js';
import { keys } from '../../../shared/db/keys.js';
import { adjustStock } from '../../../shared/inventory/adjustments.js';
import { orderReservationId } from '../../../shared/inventory/reservation-ids.js';
import { getReservation } from '../../../shared/inventory/reservation-repository.js';
import { reserveStock } from '../../../shared/inventory/reservations.js';
import type { OrderAccess } from '../../../shared/orders/access.js';
import { ORDER_CANCELLED } from '../../../shared/orders/deps.js';
import { Order, type OrderLine } from '../../../shared/orders/model.js';
import { cancelOrder, recordPick } from '../../../shared/orders/order-actions.js';
import type { PickRequest } from '../../../shared/orders/picking.js';
import { getOrderRecord, putNewOrder } from '../../../shared/orders/repository.js';
import { decideSubstitution, settleSubstitutionsAtCutoff } from '../../../shared/orders/substitution-actions.js';
import { readWait, storeWait } from '../../../shared/orders/waits.js';
import { engines } from '../../support/engines.js';
import { apiEvent, lambdaContext } from '../../support/lambda.js';
import { appError } from '../carts/fixtures.js';
import { itemAt, openStore, outboxEnvelope, stockOf, stockStaff, testDeps as inventoryTestDeps } from '../inventory/fixtures.js';
import { anOrder } from '../../unit/orders/fixtures.js';

/**
 * Substitutions against DynamoDB Local: orders reserved for real at a fresh store with a catalog of cheeses and milks,
 * picked with substitutes (judged against the preferences, their stock taken into the order's reservation), answered
 * by the shopper or decided at the cut-off (racing each other), and committed as the saga's CommitStock does. A
 * recording workflow stands in for Step Functions' task tokens.
 */

const token = () => randomBytes(4).toString('hex');
const WINDOW_SECONDS = 600;
/** The checkout saga, which applies the cut-off in its CapturePayment step. */
const SAGA = { actor: 'checkout-saga' };
/** Everything happens on this clock, close to the real one so that the handler (on the real clock) agrees. */
let clock = new Date();
const later = (seconds: number) => new Date(clock.getTime() + seconds * 1000);

interface Settled {
  kind: 'succeed' | 'fail';
  token: string;
  payload: unknown;
}

function recordingWorkflow(): Workflow & { settled: Settled[] } {
  const settled: Settled[] = [];
  return {
    settled,
    start: () => Promise.reject(new Error('no saga is started here')),
    succeed: async (t, output) => (settled.push({ kind: 'succeed', token: t, payload: output }), 'sent'),
    fail: async (t, error) => (settled.push({ kind: 'fail', token: t, payload: error }), 'sent'),
  };
}

function testDeps(workflow = recordingWorkflow(), now = () => clock): CheckoutDeps & { workflow: ReturnType<typeof recordingWorkflow> } {
  const deps = checkoutDeps({
    tableName: engines().tableName,
    now,
    workflow,
    substitutionResponseSeconds: WINDOW_SECONDS,
    settings: { captureOnConfirm: true, authenticationTimeoutSeconds: 900 },
  });
  return { ...deps, workflow };
}

interface Shelf {
  storeId: string;
  sku: Record<'cheddar' | 'gouda' | 'leicester' | 'brie' | 'milk' | 'oat' | 'soap' | 'wine', string>;
  productId: Record<string, string>;
}

/**
 * A store whose catalog has, in a cheese category: cheddar (Dale Farm, 12.00/kg), gouda (another brand, 15.00/kg),
 * red leicester (Dale Farm, 10.00/kg); brie (soft cheese, its own category); in a milk category: milk (1.25 each) and
 * oat drink (1.60 each); and soap (non-food), wine (alcohol, age-restricted). Each stocked as `stock` says (5,000 g of
 * each cheese and 20 of the rest by default).
 */
async function aShelf(stock: Partial<Record<keyof Shelf['sku'], number>> = {}): Promise<Shelf> {
  const storeId = await openStore();
  const catalog = catalogDeps({ tableName: engines().tableName });
  const who = { actor: 'it-substitutions' };
  const category = async (name: string) => (await createCategory({ slug: `subs-${name}-${token()}`, name }, who, catalog)).id;
  const [cheese, soft, milks, household, wines] = await Promise.all(['cheese', 'soft', 'milk', 'household', 'wine'].map(category));
  const t = token().toUpperCase();
  const sku = { cheddar: `CHD-${t}`, gouda: `GDA-${t}`, leicester: `RLS-${t}`, brie: `BRI-${t}`, milk: `MLK-${t}`, oat: `OAT-${t}`, soap: `SOP-${t}`, wine: `WIN-${t}` };
  const variant = (s: string, soldBy: Variant['soldBy'], price: number): Variant => ({ sku: s, name: s, soldBy, price: { amount: price, currency: 'GBP' } }) as Variant;
  const specs: [keyof Shelf['sku'], string, string, Variant['soldBy'], number, Record<string, unknown>][] = [
    ['cheddar', 'Cheddar', cheese!, 'weight', 1200, { brand: 'Dale Farm' }],
    ['gouda', 'Gouda', cheese!, 'weight', 1500, { brand: 'Polder' }],
    ['leicester', 'Red Leicester', cheese!, 'weight', 1000, { brand: 'Dale Farm' }],
    ['brie', 'Brie', soft!, 'weight', 1800, { brand: 'Dale Farm' }],
    ['milk', 'Milk', milks!, 'each', 125, {}],
    ['oat', 'Oat drink', milks!, 'each', 160, {}],
    ['soap', 'Soap', household!, 'each', 125, { taxCategory: 'non-food' }],
    ['wine', 'Wine', wines!, 'each', 900, { taxCategory: 'alcohol', ageRestricted: true }],
  ];
  const productId: Record<string, string> = {};
  for (const [key, name, categoryId, soldBy, price, extra] of specs) {
    const created = await createProduct({ name, categoryId, taxCategory: 'food', variants: [variant(sku[key], soldBy, price)], ...extra }, who, catalog);
    productId[sku[key]] = created.id;
    const level = stock[key] ?? (soldBy === 'weight' ? 5_000 : 20);
    if (level > 0) await adjustStock({ sku: sku[key], storeId, delta: level, reason: 'delivery' }, stockStaff, inventoryTestDeps());
  }
  return { storeId, sku, productId };
}

interface Picking {
  shelf: Shelf;
  order: Order;
  shopper: { actor: string; correlationId: string; access: OrderAccess };
  picker: { actor: string; correlationId: string; access: OrderAccess };
  milk: string;
  cheddar: string;
}

/**
 * An order of 2 milks and 500 g of cheddar at `shelf`'s store, reserved for real, authorized for 1,090, `picking`, with
 * the saga's pick token waiting; each line with the given preference. Its delivery slot starts `slotInSeconds` after the
 * clock (a day by default).
 */
async function aPickingOrder(
  shelf: Shelf,
  preferences: { milk?: Pick<OrderLine, 'substitution' | 'substituteSku'>; cheddar?: Pick<OrderLine, 'substitution' | 'substituteSku'> } = {},
  slotInSeconds = 24 * 3600,
): Promise<Picking> {
  const id = ulid();
  const reservationId = orderReservationId(id);
  await reserveStock(
    { reservationId, storeId: shelf.storeId, ownerRef: `order:${id}`, lines: [{ sku: shelf.sku.milk, quantity: 2 }, { sku: shelf.sku.cheddar, quantity: 500 }], holdSeconds: 3600 },
    inventoryTestDeps(),
  );
  const base = anOrder();
  const [milkLine, cheddarLine] = base.lines as [OrderLine, OrderLine];
  const slotStart = new Date(Math.ceil(later(slotInSeconds).getTime() / 60_000) * 60_000).toISOString().slice(0, 16);
  const shopperId = `shopper-${token()}`;
  const order = Order.parse({
    ...base,
    id,
    shopperId,
    storeId: shelf.storeId,
    status: 'picking',
    lines: [
      { ...milkLine, sku: shelf.sku.milk, productId: shelf.productId[shelf.sku.milk], ...(preferences.milk ?? { substitution: 'none' }) },
      { ...cheddarLine, sku: shelf.sku.cheddar, productId: shelf.productId[shelf.sku.cheddar], ...(preferences.cheddar ?? { substitution: 'best-match' }) },
    ],
    fulfillment: { mode: 'delivery', slotId: `${slotStart}Z~delivery`, address: { line1: '2 Shopper Road', city: 'London', postcode: 'SE1 2BB', country: 'GB' } },
    reservationId,
    payment: { method: 'pm_card_visa', intentId: 'pi_test', authorized: 1090, captured: 0, refunded: 0, status: 'authorized' },
    version: 7,
  });
  const deps = testDeps();
  await putNewOrder(deps, order);
  await storeWait(deps, 'pick', id, { token: `pick-${id}`, orderId: id });
  return {
    shelf,
    order,
    shopper: { actor: shopperId, correlationId: 'it-substitutions', access: { kind: 'shopper', subject: shopperId } },
    picker: { actor: 'picker-1', correlationId: 'it-substitutions', access: { kind: 'staff', subject: 'picker-1', stores: [shelf.storeId] } },
    milk: order.lines[0]!.lineId,
    cheddar: order.lines[1]!.lineId,
  };
}

/** The pick of `w`'s order: both milks, and 500 g of `cheddarSubstitute` (or of cheddar) for the cheddar. */
function pickOf(w: Picking, cheddarSubstitute?: string, milkSubstitute?: string): PickRequest {
  return {
    lines: [
      { lineId: w.milk, quantity: { count: 2 }, ...(milkSubstitute ? { substitute: { sku: milkSubstitute } } : {}) },
      { lineId: w.cheddar, quantity: { grams: 500 }, ...(cheddarSubstitute ? { substitute: { sku: cheddarSubstitute } } : {}) },
    ],
  };
}

const stock = async (w: Picking, key: keyof Shelf['sku']) => {
  const item = await stockOf(w.shelf.sku[key], w.shelf.storeId);
  return { available: item?.available, reserved: item?.reserved, committed: item?.committed };
};

const proposalOf = (order: Order, lineId: string) => order.lines.find((l) => l.lineId === lineId)!.picked;

describe('proposing a substitute at picking', () => {
  it('proposes a best match, takes its stock into the order’s reservation, announces it and resumes the saga to wait for the answer', async () => {
    const deps = testDeps();
    const w = await aPickingOrder(await aShelf());
    const result = await recordPick(w.order.id, pickOf(w, w.shelf.sku.gouda), w.picker, deps);

    expect(result).toMatchObject({ finalTotal: 250 + 600 + 150, substitutionsPending: 1, reauthorizationRequired: false });
    const respondBy = later(WINDOW_SECONDS).toISOString();
    expect(proposalOf(result.order, w.cheddar)).toEqual({
      quantity: { grams: 500 },
      substitute: { sku: w.shelf.sku.gouda, productId: w.shelf.productId[w.shelf.sku.gouda], name: 'Gouda' },
      total: 600,
      tax: 0,
      proposal: {
        substitute: { sku: w.shelf.sku.gouda, productId: w.shelf.productId[w.shelf.sku.gouda], name: 'Gouda' },
        quantity: { grams: 500 },
        unitPrice: 1500,
        price: { total: 750, tax: 0 },
        protectedPrice: { total: 600, tax: 0 },
        acceptedAtCutoff: true,
        status: 'proposed',
        proposedAt: clock.toISOString(),
        respondBy,
      },
    });
    expect(await getOrderRecord(deps, w.order.id)).toEqual(result.order);
    expect(await stock(w, 'gouda')).toEqual({ available: 4_500, reserved: 500, committed: 0 });
    expect((await getReservation(orderReservationId(w.order.id), deps))?.lines).toEqual([
      { sku: w.shelf.sku.milk, quantity: 2 },
      { sku: w.shelf.sku.cheddar, quantity: 500 },
      { sku: w.shelf.sku.gouda, quantity: 500 },
    ]);
    expect((await outboxEnvelope(`substitution-proposed-${w.order.id}-${w.cheddar}`))?.data).toEqual({
      orderId: w.order.id,
      shopperId: w.order.shopperId,
      storeId: w.shelf.storeId,
      lineId: w.cheddar,
      sku: w.shelf.sku.cheddar,
      substitute: { sku: w.shelf.sku.gouda, productId: w.shelf.productId[w.shelf.sku.gouda], name: 'Gouda' },
      currency: 'GBP',
      quantity: 500,
      price: { total: 750, tax: 0 },
      protectedPrice: { total: 600, tax: 0 },
      acceptedAtCutoff: true,
      proposedAt: clock.toISOString(),
      respondBy,
    });
    expect(deps.workflow.settled).toEqual([{ kind: 'succeed', token: `pick-${w.order.id}`, payload: { finalTotal: 1000, awaitSubstitutions: true, respondWithinSeconds: WINDOW_SECONDS } }]);
    expect(await readWait(deps, 'pick', w.order.id)).toBeUndefined();
  });

  it('closes answers half an hour before the slot starts, and decides at once a substitute picked past that', async () => {
    const near = await aPickingOrder(await aShelf(), {}, 35 * 60);
    const picked = await recordPick(near.order.id, pickOf(near, near.shelf.sku.gouda), near.picker, testDeps());
    const slotStart = Date.parse(near.order.fulfillment.mode === 'delivery' ? `${near.order.fulfillment.slotId.slice(0, 16)}:00Z` : '');
    expect(proposalOf(picked.order, near.cheddar)?.proposal?.respondBy).toBe(new Date(slotStart - 30 * 60_000).toISOString());

    const deps = testDeps();
    const late = await aPickingOrder(await aShelf(), { cheddar: { substitution: 'same-brand' } }, 20 * 60);
    const outcome = await recordPick(late.order.id, pickOf(late, late.shelf.sku.gouda), late.picker, deps);
    // Another brand for same-brand, with no time left to ask: rejected at once, nothing handed over, its stock untouched.
    expect(proposalOf(outcome.order, late.cheddar)).toMatchObject({ total: 0, tax: 0, proposal: { status: 'rejected', decidedBy: 'cut-off', decidedAt: clock.toISOString() } });
    expect(proposalOf(outcome.order, late.cheddar)).not.toHaveProperty('quantity');
    expect(outcome.substitutionsPending).toBe(0);
    expect(await stock(late, 'gouda')).toEqual({ available: 5_000, reserved: 0, committed: 0 });
    expect((await outboxEnvelope(`substitution-decided-${late.order.id}-${late.cheddar}`))?.data).toMatchObject({ outcome: 'rejected', decidedBy: 'cut-off', charged: { total: 0, tax: 0 } });
    expect(deps.workflow.settled[0]!.payload).toEqual({ finalTotal: 250 + 150, awaitSubstitutions: false, respondWithinSeconds: 0 });
  });

  it('refuses what the preference forbids with a 422 naming each line and reason, changing nothing', async () => {
    const deps = testDeps();
    const w = await aPickingOrder(await aShelf(), { milk: { substitution: 'none' }, cheddar: { substitution: 'best-match' } });
    const refused = await appError(recordPick(w.order.id, pickOf(w, w.shelf.sku.brie, w.shelf.sku.oat), w.picker, deps));
    expect(refused).toMatchObject({ kind: 'unprocessable', code: 'substitute-not-allowed' });
    expect(refused.fields).toEqual([
      { field: 'body.lines.0.substitute', message: `${w.shelf.sku.oat} cannot be handed over instead: the shopper asked for no substitutes on this line` },
      { field: 'body.lines.1.substitute', message: `${w.shelf.sku.brie} is in another category than the ordered SKU: not a best match` },
    ]);
    const soap = await aPickingOrder(await aShelf(), { milk: { substitution: 'best-match' } });
    expect((await appError(recordPick(soap.order.id, pickOf(soap, undefined, soap.shelf.sku.soap), soap.picker, deps))).fields?.map((f) => f.message)).toEqual([
      `${soap.shelf.sku.soap} is taxed as another category than the ordered SKU, whose rate the order froze`,
      `${soap.shelf.sku.soap} is in another category than the ordered SKU: not a best match`,
    ]);
    const wine = await aPickingOrder(await aShelf(), { milk: { substitution: 'specific', substituteSku: 'ANY-OTHER' } });
    expect((await appError(recordPick(wine.order.id, pickOf(wine, undefined, wine.shelf.sku.wine), wine.picker, deps))).fields?.map((f) => f.message)).toContain(
      `${wine.shelf.sku.wine} is age-restricted and the ordered SKU is not: nobody checked the shopper’s age for it`,
    );
    for (const x of [w, soap, wine]) {
      expect(await getOrderRecord(deps, x.order.id)).toEqual(x.order);
      expect(await readWait(deps, 'pick', x.order.id)).toBeDefined();
    }
    expect(await stock(w, 'brie')).toEqual({ available: 5_000, reserved: 0, committed: 0 });
    expect(deps.workflow.settled).toEqual([]);
  });

  it('answers a SKU no product has, or another product’s id, with a 400 naming the field', async () => {
    const w = await aPickingOrder(await aShelf());
    const unknown = await appError(recordPick(w.order.id, pickOf(w, 'NO-SUCH-SKU'), w.picker, testDeps()));
    expect(unknown).toMatchObject({ kind: 'invalid', fields: [{ field: 'body.lines.1.substitute.sku', message: 'no product has the SKU NO-SUCH-SKU' }] });
    const wrong = { lines: [pickOf(w).lines[0]!, { lineId: w.cheddar, quantity: { grams: 500 }, substitute: { sku: w.shelf.sku.gouda, productId: w.shelf.productId[w.shelf.sku.brie] } }] };
    expect((await appError(recordPick(w.order.id, wrong, w.picker, testDeps()))).fields?.[0]?.field).toBe('body.lines.1.substitute.productId');
    expect((await getOrderRecord(testDeps(), w.order.id))?.status).toBe('picking');
  });

  it('refuses a substitute the shelf does not have with a 409, changing nothing', async () => {
    const deps = testDeps();
    const w = await aPickingOrder(await aShelf({ gouda: 300 }));
    expect(await appError(recordPick(w.order.id, pickOf(w, w.shelf.sku.gouda), w.picker, deps))).toMatchObject({ code: 'substitute-out-of-stock', extensions: { skus: [w.shelf.sku.gouda] } });
    expect(await getOrderRecord(deps, w.order.id)).toEqual(w.order);
    expect(await stock(w, 'gouda')).toEqual({ available: 300, reserved: 0, committed: 0 });
    expect((await getReservation(orderReservationId(w.order.id), deps))?.lines).toHaveLength(2);
    expect(await readWait(deps, 'pick', w.order.id)).toBeDefined();
  });
});

/** `w`'s order picked with gouda proposed for the cheddar (and, with `milkSubstitute`, something for the milk). */
async function proposed(w: Picking, cheddarSubstitute: string, milkSubstitute?: string): Promise<Order> {
  return (await recordPick(w.order.id, pickOf(w, cheddarSubstitute, milkSubstitute), w.picker, testDeps())).order;
}

describe('the shopper’s answer', () => {
  it('accepts: the substitute at its own price; the last answer resumes the capture; the same answer again changes nothing', async () => {
    const w = await aPickingOrder(await aShelf());
    await proposed(w, w.shelf.sku.gouda);
    const deps = testDeps();
    await storeWait(deps, 'substitutions', w.order.id, { token: `subs-${w.order.id}`, orderId: w.order.id });
    clock = later(60);
    const accepted = await decideSubstitution(w.order.id, w.cheddar, { decision: 'accept' }, w.shopper, deps);
    expect(proposalOf(accepted, w.cheddar)).toMatchObject({ substitute: { sku: w.shelf.sku.gouda }, total: 750, proposal: { status: 'accepted', decidedBy: 'shopper', decidedAt: clock.toISOString() } });
    expect(accepted.statusHistory.at(-1)).toMatchObject({ from: 'picked', to: 'picked', event: 'decide-substitutions', actor: w.shopper.actor });
    expect((await outboxEnvelope(`substitution-decided-${w.order.id}-${w.cheddar}`))?.data).toMatchObject({ outcome: 'accepted', decidedBy: 'shopper', charged: { total: 750, tax: 0 } });
    expect((await outboxEnvelope(`order-${w.order.id}-v${accepted.version}`))?.data).toMatchObject({ event: 'decide-substitutions', from: 'picked', to: 'picked' });
    expect(deps.workflow.settled).toEqual([{ kind: 'succeed', token: `subs-${w.order.id}`, payload: { settled: true } }]);

    const again = await decideSubstitution(w.order.id, w.cheddar, { decision: 'accept' }, w.shopper, deps);
    expect(again.version).toBe(accepted.version);
    expect(await appError(decideSubstitution(w.order.id, w.cheddar, { decision: 'reject' }, w.shopper, deps))).toMatchObject({ code: 'substitution-decided', extensions: { status: 'accepted', decidedBy: 'shopper' } });
  });

  it('rejects: nothing handed over for the line; the stock of both goes back when the order is committed', async () => {
    const w = await aPickingOrder(await aShelf());
    await proposed(w, w.shelf.sku.gouda);
    const deps = testDeps();
    const rejected = await decideSubstitution(w.order.id, w.cheddar, { decision: 'reject' }, w.shopper, deps);
    expect(proposalOf(rejected, w.cheddar)).toEqual({ total: 0, tax: 0, proposal: expect.objectContaining({ status: 'rejected', decidedBy: 'shopper' }) });
    // Nothing waited yet: the saga's AwaitSubstitutions will see for itself that nothing is pending.
    expect(deps.workflow.settled).toEqual([]);
    await awaitSubstitutions({ orderId: w.order.id, taskToken: `subs-${w.order.id}` }, deps);
    expect(deps.workflow.settled).toEqual([{ kind: 'succeed', token: `subs-${w.order.id}`, payload: { settled: true } }]);

    await commitStock(w.order.id, deps);
    expect(await stock(w, 'milk')).toEqual({ available: 18, reserved: 0, committed: 2 });
    expect(await stock(w, 'cheddar')).toEqual({ available: 5_000, reserved: 0, committed: 0 });
    expect(await stock(w, 'gouda')).toEqual({ available: 5_000, reserved: 0, committed: 0 });
  });

  it('refuses another shopper (404), staff (403), a line without a proposal or unknown (409, 404), and any answer past the cut-off (409)', async () => {
    const w = await aPickingOrder(await aShelf(), { milk: { substitution: 'best-match' } });
    await proposed(w, w.shelf.sku.gouda);
    const deps = testDeps();
    const stranger = { actor: 'someone', correlationId: 'x', access: { kind: 'shopper' as const, subject: 'someone' } };
    expect(await appError(decideSubstitution(w.order.id, w.cheddar, { decision: 'accept' }, stranger, deps))).toMatchObject({ kind: 'not-found' });
    expect(await appError(decideSubstitution(w.order.id, w.cheddar, { decision: 'accept' }, w.picker, deps))).toMatchObject({ kind: 'forbidden', code: 'shopper-only' });
    expect(await appError(decideSubstitution(w.order.id, w.milk, { decision: 'accept' }, w.shopper, deps))).toMatchObject({ code: 'no-substitution-proposed' });
    expect(await appError(decideSubstitution(w.order.id, ulid(), { decision: 'accept' }, w.shopper, deps))).toMatchObject({ kind: 'not-found' });
    const late = testDeps(recordingWorkflow(), () => later(WINDOW_SECONDS));
    expect(await appError(decideSubstitution(w.order.id, w.cheddar, { decision: 'accept' }, w.shopper, late))).toMatchObject({ code: 'substitution-cut-off-passed' });
    expect(proposalOf((await getOrderRecord(deps, w.order.id))!, w.cheddar)?.proposal?.status).toBe('proposed');
  });
});

describe('the cut-off', () => {
  it('decides what is left by the preference: a best match and the chosen SKU accepted at the protected price, another brand for same-brand rejected', async () => {
    const shelf = await aShelf();
    const w = await aPickingOrder(shelf, { milk: { substitution: 'specific', substituteSku: shelf.sku.oat }, cheddar: { substitution: 'same-brand' } });
    await proposed(w, shelf.sku.gouda, shelf.sku.oat);
    const deps = testDeps();
    clock = later(WINDOW_SECONDS);
    expect(await settleSubstitutionsAtCutoff(w.order.id, SAGA, deps)).toEqual({ decided: 2 });
    const order = (await getOrderRecord(deps, w.order.id))!;
    // The oat drink costs 1.60 each against the milk's 1.25: protected, the shopper pays 2.50 for both.
    expect(proposalOf(order, w.milk)).toMatchObject({ quantity: { count: 2 }, substitute: { sku: shelf.sku.oat }, total: 250, proposal: { status: 'accepted', decidedBy: 'cut-off', price: { total: 320 } } });
    expect(proposalOf(order, w.cheddar)).toMatchObject({ total: 0, proposal: { status: 'rejected', decidedBy: 'cut-off' } });
    expect(order.statusHistory.at(-1)).toMatchObject({ event: 'decide-substitutions', actor: 'checkout-saga' });
    expect(await settleSubstitutionsAtCutoff(w.order.id, SAGA, deps)).toEqual({ decided: 0 });

    await commitStock(w.order.id, deps);
    expect(await stock(w, 'oat')).toEqual({ available: 18, reserved: 0, committed: 2 });
    expect(await stock(w, 'milk')).toEqual({ available: 20, reserved: 0, committed: 0 });
    expect(await stock(w, 'gouda')).toEqual({ available: 5_000, reserved: 0, committed: 0 });
    expect(await stock(w, 'cheddar')).toEqual({ available: 5_000, reserved: 0, committed: 0 });
  });

  it('accepts a best match of the same brand for same-brand, and commits the substitute’s stock, not the original’s', async () => {
    const w = await aPickingOrder(await aShelf(), { cheddar: { substitution: 'same-brand' } });
    await proposed(w, w.shelf.sku.leicester);
    const deps = testDeps();
    await settleSubstitutionsAtCutoff(w.order.id, SAGA, deps);
    expect(proposalOf((await getOrderRecord(deps, w.order.id))!, w.cheddar)).toMatchObject({ total: 500, proposal: { status: 'accepted' } });
    await commitStock(w.order.id, deps);
    expect(await stock(w, 'leicester')).toEqual({ available: 4_500, reserved: 0, committed: 500 });
    expect(await stock(w, 'cheddar')).toEqual({ available: 5_000, reserved: 0, committed: 0 });
    expect((await getReservation(orderReservationId(w.order.id), deps))?.committedLines).toEqual([
      { sku: w.shelf.sku.milk, quantity: 2 },
      { sku: w.shelf.sku.leicester, quantity: 500 },
    ]);
  });

  it('races the shopper’s answer: exactly one decision commits, announced once, whichever it is', async () => {
    for (const decision of ['accept', 'reject'] as const) {
      const w = await aPickingOrder(await aShelf(), { cheddar: { substitution: 'same-brand' } });
      await proposed(w, w.shelf.sku.gouda);
      const deps = testDeps();
      const [shopper, cutoff] = await Promise.allSettled([
        decideSubstitution(w.order.id, w.cheddar, { decision }, w.shopper, deps),
        settleSubstitutionsAtCutoff(w.order.id, SAGA, deps),
      ]);
      const order = (await getOrderRecord(deps, w.order.id))!;
      const proposal = proposalOf(order, w.cheddar)!.proposal!;
      expect(order.statusHistory.filter((c) => c.event === 'decide-substitutions')).toHaveLength(1);
      if (proposal.decidedBy === 'shopper') {
        expect(shopper.status).toBe('fulfilled');
        expect(cutoff).toEqual({ status: 'fulfilled', value: { decided: 0 } });
        expect(proposal.status).toBe(decision === 'accept' ? 'accepted' : 'rejected');
      } else {
        expect(cutoff).toEqual({ status: 'fulfilled', value: { decided: 1 } });
        expect(shopper.status === 'rejected' && (shopper.reason as { code?: string }).code).toBe('substitution-decided');
        expect(proposal.status).toBe('rejected');
      }
      const announced = await outboxEnvelope(`substitution-decided-${w.order.id}-${w.cheddar}`);
      expect(announced?.data).toMatchObject({ outcome: proposal.status, decidedBy: proposal.decidedBy });
    }
  });
});

describe('cancelling an order whose substitutes wait for answers', () => {
  it('fails the saga’s wait, so that its compensations release the substitute’s stock with the rest', async () => {
    const w = await aPickingOrder(await aShelf());
    await proposed(w, w.shelf.sku.gouda);
    const deps = testDeps();
    await storeWait(deps, 'substitutions', w.order.id, { token: `subs-${w.order.id}`, orderId: w.order.id });
    const manager = { ...w.picker, actor: 'manager-1' };
    await cancelOrder(w.order.id, 'Shop closing', manager, deps);
    expect(deps.workflow.settled).toEqual([{ kind: 'fail', token: `subs-${w.order.id}`, payload: ORDER_CANCELLED }]);
    expect(await itemAt(keys.checkoutWait('substitutions', w.order.id))).toBeUndefined();
  });
});

type Handler = (event: APIGatewayProxyEvent, context: ReturnType<typeof lambdaContext>) => Promise<{ statusCode: number; body: string }>;

describe('POST /orders/{id}/substitutions/{lineId}', () => {
  const principal = (subject: string, roles: Principal['roles'], stores: string[] = []): Principal => ({ subject, kind: 'user', roles, scopes: scopesForRoles(roles), stores });
  const call = async (id: string, lineId: string, body: unknown, who: Principal) => {
    const event = apiEvent({ method: 'POST', resource: '/orders/{id}/substitutions/{lineId}', pathParameters: { id, lineId }, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), principal: who });
    const response = await (decideHandler as unknown as Handler)(event, lambdaContext());
    return { status: response.statusCode, json: JSON.parse(response.body) as Record<string, unknown> };
  };

  it('takes the shopper’s answer and answers with the order; bad input is a 400 naming the field and changes nothing', async () => {
    clock = new Date();
    const w = await aPickingOrder(await aShelf());
    await proposed(w, w.shelf.sku.gouda);
    const owner = principal(w.order.shopperId, ['shopper']);
    for (const [body, field] of [
      [{}, 'body.decision'],
      [{ decision: 'maybe' }, 'body.decision'],
      [{ decision: 'accept', price: 1 }, 'body'],
    ] as const) {
      const refused = await call(w.order.id, w.cheddar, body, owner);
      expect(refused.status).toBe(400);
      expect((refused.json.errors as { field: string }[]).map((e) => e.field)).toEqual([field]);
    }
    expect((await call(w.order.id, 'not-a-ulid', { decision: 'accept' }, owner)).status).toBe(400);
    expect(proposalOf((await getOrderRecord(testDeps(), w.order.id))!, w.cheddar)?.proposal?.status).toBe('proposed');

    expect((await call(w.order.id, w.cheddar, { decision: 'accept' }, principal('another-shopper', ['shopper']))).status).toBe(404);
    const ok = await call(w.order.id, w.cheddar, { decision: 'accept' }, owner);
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ id: w.order.id, status: 'picked' });
    expect((ok.json.statusHistory as { actor: string }[]).at(-2)?.actor).toBe('smartshelf');
    expect(ok.json).not.toHaveProperty('checkoutKey');
  });
});
