import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { handler as createOrder } from '../../../functions/orders/create-order.js';
import type { Principal } from '../../../shared/auth/principal.js';
import { scopesForRoles } from '../../../shared/auth/roles.js';
import { catalogDeps } from '../../../shared/catalog/deps.js';
import { createProduct } from '../../../shared/catalog/products.js';
import { getProductRecord } from '../../../shared/catalog/repository.js';
import { checkoutDeps, type CheckoutDeps } from '../../../shared/checkout/deps.js';
import { createPosOrder, type PosOrderRequest } from '../../../shared/checkout/pos.js';
import type { SagaInput, Workflow } from '../../../shared/checkout/workflow.js';
import { ensureLoyaltyId } from '../../../shared/loyalty/loyalty-ids.js';
import { getOrderRecord, listOrdersByStoreDay } from '../../../shared/orders/repository.js';
import { engines } from '../../support/engines.js';
import { apiEvent, lambdaContext } from '../../support/lambda.js';
import { aSlot, aStore, aWorld, address, appError, NOW, type World } from '../carts/fixtures.js';

/**
 * Till and phone sales against DynamoDB Local: priced like a cart, frozen into a stored order whose POS reference is
 * claimed per store, and handed to the checkout saga, here a fake that records what it was started with. The handler
 * tests run the same through the HTTP stack, with Step Functions replaced the same way.
 */

const handlerStarts = vi.hoisted(() => [] as { orderId: string }[]);

vi.mock('../../../shared/checkout/workflow.js', async (importOriginal) => {
  const original: object = await importOriginal();
  return {
    ...original,
    stepFunctionsWorkflow: (): Workflow => ({
      start: async (input) => {
        handlerStarts.push(input);
      },
      succeed: async () => 'sent',
      fail: async () => 'sent',
    }),
  };
});

const token = () => randomBytes(4).toString('hex');
const SETTINGS = { captureOnConfirm: true, authenticationTimeoutSeconds: 900 };
const CLERK = { actor: 'till-operator-7', correlationId: 'it-pos' };

function testDeps(): { deps: CheckoutDeps; starts: SagaInput[] } {
  const starts: SagaInput[] = [];
  const workflow: Workflow = {
    start: async (input) => {
      starts.push(input);
    },
    succeed: async () => 'sent',
    fail: async () => 'sent',
  };
  const gateway = () => Promise.reject(new Error('creating an order never talks to the payment provider'));
  return { deps: checkoutDeps({ tableName: engines().tableName, now: () => NOW, workflow, gateway, settings: SETTINGS }), starts };
}

/** A till sale at the world's store: 2 milk and 500 g of bananas, handed over at once. */
function aSale(world: World, overrides: Partial<PosOrderRequest> = {}): PosOrderRequest {
  return {
    channel: 'pos',
    storeId: world.store.id,
    posReference: `TILL3-${token()}`,
    storeMetadata: { till: 3, operator: 'op-17', training: false },
    lines: [
      { sku: world.skus.milk, quantity: { count: 2 } },
      { sku: world.skus.bananas, quantity: { grams: 500 } },
    ],
    fulfillment: { mode: 'in-store' },
    paymentMethod: 'pm_card_visa',
    ...overrides,
  };
}

async function ordersOf(deps: CheckoutDeps, world: World) {
  return (await listOrdersByStoreDay(deps, { storeId: world.store.id, day: NOW.toISOString().slice(0, 10) }, { limit: 50 })).orders;
}

describe('createPosOrder', () => {
  it('prices a till sale, stores it as a pending in-store order with no slot, and starts the saga for it', async () => {
    const { deps, starts } = testDeps();
    const world = await aWorld();
    const sale = aSale(world);
    const order = await createPosOrder(sale, 'key-1', CLERK, deps);

    expect(await getOrderRecord(deps, order.id)).toEqual(order);
    expect(order).toMatchObject({
      channel: 'pos',
      posReference: sale.posReference,
      storeMetadata: { till: 3, operator: 'op-17', training: false },
      shopperId: `pos:${world.store.id}`,
      storeId: world.store.id,
      fulfillment: { mode: 'in-store' },
      payment: { method: 'pm_card_visa', authorized: 0, captured: 0, refunded: 0, status: 'none' },
      status: 'pending',
      statusHistory: [],
      version: 1,
      createdAt: NOW.toISOString(),
    });
    expect(order).not.toHaveProperty('cartId');
    expect(order.lines.map((l) => [l.sku, l.quantity, l.total])).toEqual([
      [world.skus.milk, { count: 2 }, 250],
      [world.skus.bananas, { grams: 500 }, 100],
    ]);
    expect(order.totals).toMatchObject({ currency: 'GBP', taxMode: 'inclusive', subtotal: 350, fees: 0, total: 350, authorizationTotal: 250 + 115 });
    // A till sale has no slot: the saga is given a day from the sale to pick it.
    expect(starts).toEqual([{ orderId: order.id, reservationId: null, authenticationTimeoutSeconds: 900, pickTimeoutSeconds: 24 * 60 * 60 }]);
  });

  it('books a phone order for pickup into its slot, with the slot fee, for the shopper whose loyalty identifier was given', async () => {
    const { deps, starts } = testDeps();
    const world = await aWorld();
    const slot = await aSlot(world.store.id, { mode: 'pickup', fee: { amount: 150, currency: 'GBP' } });
    const caller = `shopper-on-the-phone-${token()}`;
    const loyaltyId = await ensureLoyaltyId(caller, deps);
    const order = await createPosOrder(aSale(world, { channel: 'phone', loyaltyId, fulfillment: { mode: 'pickup', slotId: slot.id } }), undefined, CLERK, deps);
    expect(order).toMatchObject({ channel: 'phone', shopperId: caller, fulfillment: { mode: 'pickup', slotId: slot.id }, totals: { fees: 150, total: 500 } });
    expect(order).not.toHaveProperty('checkoutKey');
    expect(starts).toEqual([{ orderId: order.id, reservationId: null, authenticationTimeoutSeconds: 900, pickTimeoutSeconds: (Date.parse(slot.endsAt) + 86_400_000 - NOW.getTime()) / 1000 }]);
  });

  it('delivers a phone order to the given address', async () => {
    const { deps } = testDeps();
    const world = await aWorld();
    const order = await createPosOrder(aSale(world, { channel: 'phone', fulfillment: { mode: 'delivery', slotId: world.slot.id, address } }), 'key-d', CLERK, deps);
    expect(order.fulfillment).toEqual({ mode: 'delivery', slotId: world.slot.id, address });
    expect(order.totals.fees).toBe(450);
  });

  it('refuses a second sale under a taken POS reference with 409, storing and starting nothing more', async () => {
    const { deps, starts } = testDeps();
    const world = await aWorld();
    const sale = aSale(world);
    const first = await createPosOrder(sale, 'key-1', CLERK, deps);
    const error = await appError(createPosOrder({ ...sale, lines: [{ sku: world.skus.oil, quantity: { millilitres: 500 } }] }, 'key-2', CLERK, deps));
    expect([error.kind, error.code, error.extensions]).toEqual(['conflict', 'pos-reference-taken', { storeId: world.store.id, posReference: sale.posReference }]);
    expect((await appError(createPosOrder(sale, undefined, CLERK, deps))).code).toBe('pos-reference-taken');
    expect((await appError(createPosOrder(sale, 'key-1', { actor: 'another-clerk' }, deps))).code).toBe('pos-reference-taken');
    expect((await ordersOf(deps, world)).map((o) => o.id)).toEqual([first.id]);
    expect(starts.map((s) => s.orderId)).toEqual([first.id]);
  });

  it('answers a repeat under the same Idempotency-Key with the same order and the same saga start', async () => {
    const { deps, starts } = testDeps();
    const world = await aWorld();
    const sale = aSale(world);
    const first = await createPosOrder(sale, 'key-1', CLERK, deps);
    expect(await createPosOrder(sale, 'key-1', CLERK, deps)).toEqual(first);
    expect(await ordersOf(deps, world)).toEqual([first]);
    expect(starts).toEqual([starts[0], starts[0]]);
  });

  it('takes the same POS reference at another store', async () => {
    const { deps } = testDeps();
    const [one, two] = [await aWorld(), await aWorld()];
    const reference = `SHARED-${token()}`;
    await createPosOrder(aSale(one, { posReference: reference }), undefined, CLERK, deps);
    const other = await createPosOrder({ ...aSale(two, { posReference: reference }) }, undefined, CLERK, deps);
    expect(other.posReference).toBe(reference);
  });

  it('names each unknown, repeated or no longer sold SKU and each ill-fitting quantity with a 400, storing nothing', async () => {
    const { deps, starts } = testDeps();
    const world = await aWorld();
    const fields = async (lines: PosOrderRequest['lines']) => {
      const error = await appError(createPosOrder(aSale(world, { lines }), undefined, CLERK, deps));
      expect(error.kind).toBe('invalid');
      return error.fields?.map((f) => f.field);
    };
    const milk = { sku: world.skus.milk, quantity: { count: 1 } };
    expect(await fields([milk, { sku: `NOPE-${token()}`.toUpperCase(), quantity: { count: 1 } }])).toEqual(['body.lines.1.sku']);
    expect(await fields([milk, { sku: world.skus.archived, quantity: { count: 1 } }])).toEqual(['body.lines.1.sku']);
    expect(await fields([milk, milk])).toEqual(['body.lines.1.sku']);
    expect(await fields([milk, { sku: world.skus.cheese, quantity: { count: 2 } }])).toEqual(['body.lines.1.quantity.count']);
    expect(await fields([{ sku: world.skus.oil, quantity: { count: 2 } }])).toEqual(['body.lines.0.quantity']);
    expect(await ordersOf(deps, world)).toEqual([]);
    expect(starts).toEqual([]);
  });

  it('refuses a slot of another mode (400), an unknown store (404) and a closed one (409)', async () => {
    const { deps } = testDeps();
    const world = await aWorld();
    const wrongMode = await appError(createPosOrder(aSale(world, { channel: 'phone', fulfillment: { mode: 'pickup', slotId: world.slot.id } }), undefined, CLERK, deps));
    expect(wrongMode.fields).toEqual([expect.objectContaining({ field: 'body.fulfillment.slotId' })]);
    expect((await appError(createPosOrder(aSale(world, { storeId: `store-${token()}` }), undefined, CLERK, deps))).kind).toBe('not-found');
    const closed = await aWorld();
    await aStore({ ...closed.store, status: 'closed' });
    expect((await appError(createPosOrder(aSale(closed), undefined, CLERK, deps))).code).toBe('store-closed');
  });

  it('marks a sale of age-restricted goods for an ID check at handover', async () => {
    const { deps } = testDeps();
    const world = await aWorld();
    const catalog = catalogDeps({ tableName: engines().tableName });
    const milkLine = (await createPosOrder(aSale(world, { lines: [{ sku: world.skus.milk, quantity: { count: 1 } }] }), undefined, CLERK, deps)).lines[0]!;
    const milk = (await getProductRecord(catalog, milkLine.productId))!;
    const sku = `WINE-${token()}`.toUpperCase();
    await createProduct(
      { name: 'Red wine', categoryId: milk.categoryId, taxCategory: 'alcohol', ageRestricted: true, variants: [{ sku, name: 'Red wine 75cl', soldBy: 'each', price: { amount: 899, currency: 'GBP' } }] },
      { actor: 'it-pos' },
      catalog,
    );
    const order = await createPosOrder(aSale(world, { lines: [{ sku, quantity: { count: 1 } }] }), undefined, CLERK, deps);
    expect(order.idCheckRequired).toBe(true);
  });
});

type Handler = (event: APIGatewayProxyEvent, context: ReturnType<typeof lambdaContext>) => Promise<{ statusCode: number; headers?: Record<string, unknown>; body: string }>;

const staff = (role: 'store-manager' | 'pos' | 'shopper'): Principal => ({ subject: `${role}-${token()}`, kind: 'user', roles: [role], scopes: scopesForRoles([role]), stores: role === 'shopper' ? [] : ['*'] });

async function post(body: unknown, principal: Principal, key?: string) {
  const headers: Record<string, string> = { 'Content-Type': 'application/json', ...(key === undefined ? {} : { 'Idempotency-Key': key }) };
  const response = await (createOrder as unknown as Handler)(apiEvent({ method: 'POST', resource: '/orders', headers, body: JSON.stringify(body), principal }), lambdaContext());
  return { status: response.statusCode, headers: response.headers ?? {}, json: JSON.parse(response.body) as Record<string, unknown> & { errors?: { field: string }[] } };
}

describe('POST /orders', () => {
  it('answers 202 with the order and its Location, and refuses its POS reference under another key with 409', async () => {
    const world = await aWorld();
    const manager = staff('store-manager');
    const sale = aSale(world);
    const first = await post(sale, manager, `k-${token()}`);
    expect(first.status).toBe(202);
    expect(first.headers.location).toBe(`/orders/${first.json.id as string}`);
    expect(first.json).toMatchObject({ channel: 'pos', posReference: sale.posReference, fulfillment: { mode: 'in-store' }, status: 'pending' });
    expect(handlerStarts.filter((s) => s.orderId === first.json.id)).toHaveLength(1);

    const another = await post(sale, manager, `k-${token()}`);
    expect([another.status, another.json.type]).toEqual([409, expect.stringMatching(/\/pos-reference-taken$/)]);
  });

  it('replays the first answer to a repeat with the same key', async () => {
    const world = await aWorld();
    const integration = staff('pos');
    const sale = aSale(world);
    const key = `k-${token()}`;
    const first = await post(sale, integration, key);
    const again = await post(sale, integration, key);
    expect([again.status, again.json]).toEqual([202, first.json]);
    expect(handlerStarts.filter((s) => s.orderId === first.json.id)).toHaveLength(1);
  });

  it('refuses a shopper (403), a phone order handed over at the till and an unknown field (400)', async () => {
    const world = await aWorld();
    expect((await post(aSale(world), staff('shopper'))).status).toBe(403);
    const phone = await post(aSale(world, { channel: 'phone' }), staff('store-manager'));
    expect([phone.status, phone.json.errors?.map((e) => e.field)]).toEqual([400, ['body.fulfillment.mode']]);
    const extra = await post({ ...aSale(world), discount: 100 }, staff('store-manager'));
    expect(extra.status).toBe(400);
    const tooMany = await post(aSale(world, { lines: Array.from({ length: 91 }, (_, i) => ({ sku: `SKU-${i}`, quantity: { count: 1 } })) }), staff('store-manager'));
    expect([tooMany.status, tooMany.json.errors?.map((e) => e.field)]).toEqual([400, ['body.lines']]);
  });
});

describe('POST /orders credits a shopper only through their own loyalty identifier (issue 11)', () => {
  it('refuses a sale naming another shopper by account id (400), and makes a sale with an identifier nobody holds a walk-in’s that credits nobody', async () => {
    const world = await aWorld();
    const till = staff('pos');
    const victim = `victim-${token()}`;
    const named = await post({ ...aSale(world), shopperId: victim }, till);
    expect([named.status, named.json.errors?.map((e) => e.field)]).toEqual([400, ['body']]);

    const unknown = await post(aSale(world, { loyaltyId: '7K3M9QX2D4HZP8TB' }), till, `k-${token()}`);
    expect(unknown.status).toBe(202);
    expect(unknown.headers['loyalty-credit']).toBe('unknown-id');
    expect(unknown.json.shopperId).toBe(`pos:${world.store.id}`);

    const walkIn = await post(aSale(world), till);
    expect([walkIn.headers['loyalty-credit'], walkIn.json.shopperId]).toEqual(['none', `pos:${world.store.id}`]);

    // The shopper who shows their own identifier is credited.
    const loyaltyId = await ensureLoyaltyId(victim, testDeps().deps);
    const theirs = await post(aSale(world, { loyaltyId: loyaltyId.toLowerCase() }), till);
    expect([theirs.status, theirs.headers['loyalty-credit'], theirs.json.shopperId]).toEqual([202, 'shopper', victim]);
  });
});
