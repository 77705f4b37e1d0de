import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../infra/local/engines/credentials.js';
import { startPaymentsSandbox, type PaymentsSandbox } from '../../../infra/local/payments-sandbox/server.js';
import { addCartLine, createCart } from '../../../shared/carts/carts.js';
import { chooseFulfillment } from '../../../shared/carts/fulfillment.js';
import { checkoutDeps, type CheckoutDeps } from '../../../shared/checkout/deps.js';
import { startCheckout } from '../../../shared/checkout/start.js';
import { commitStock, completeOrder } from '../../../shared/checkout/steps/fulfilment.js';
import { authorizePayment, capturePayment, confirmOrder, createPayment } from '../../../shared/checkout/steps/payment.js';
import { reserveForOrder } from '../../../shared/checkout/steps/reservation.js';
import type { Workflow } from '../../../shared/checkout/workflow.js';
import type { Order } from '../../../shared/orders/model.js';
import { OrderChangedError, requireOrder, updateOrderStatus } from '../../../shared/orders/repository.js';
import { InvalidTransitionError } from '../../../shared/orders/status.js';
import type { PaymentGateway } from '../../../shared/payments/gateway.js';
import { stripeGateway } from '../../../shared/payments/stripe-gateway.js';
import { engines } from '../../support/engines.js';
import { aWorld, address, shopper, stockOf, type World } from '../carts/fixtures.js';

/**
 * The saga's steps that stopped re-reading the order (issue 15): each is run as Step Functions would, twice where a
 * retry could run it again, against DynamoDB Local and the payments sandbox, with every DynamoDB call the step makes
 * counted on a client of its own. What a step was handed (the saga's input, the step before's result) replaces a read;
 * a conditional write that finds the order changed returns it (`ALL_OLD`) and the step decides again on that.
 */

let sandbox: PaymentsSandbox;
let gateway: PaymentGateway;
const workflow: Workflow = { start: async () => undefined, succeed: async () => 'sent', fail: async () => 'sent' };

/** Calls made through {@link counted}'s client, as `<command> <key kind>` (`GetItemCommand ORDER`). */
const calls: string[] = [];
let counting: DynamoDBDocumentClient;

beforeAll(async () => {
  sandbox = await startPaymentsSandbox();
  gateway = stripeGateway({ ...sandbox.stripeOptions, maxNetworkRetries: 2 });
  counting = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: engines().endpoints.dynamodb, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }), {
    marshallOptions: { removeUndefinedValues: true },
  });
  counting.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { Key?: { pk?: string }; TransactItems?: unknown[] };
      calls.push(`${context.commandName ?? '?'} ${input.Key?.pk?.split('#')[0] ?? (input.TransactItems ? `${input.TransactItems.length} items` : '')}`.trim());
      return next(args);
    },
    { step: 'initialize', name: 'sagaStepCallCounter' },
  );
});

afterAll(async () => {
  counting.destroy();
  await sandbox.stop();
});

const SETTINGS = { captureOnConfirm: true, authenticationTimeoutSeconds: 900 };

function deps(overrides: Partial<CheckoutDeps> = {}): CheckoutDeps {
  return checkoutDeps({ tableName: engines().tableName, workflow, gateway: async () => gateway, settings: SETTINGS, ...overrides });
}

/** The same dependencies on the counting client; `calls` is emptied first. */
function counted(overrides: Partial<CheckoutDeps> = {}): CheckoutDeps {
  calls.length = 0;
  return deps({ db: counting, ...overrides });
}

/** An order from POST /checkout of 8 milk (fixed price, no substitutes: captured on confirm), stored reserved. */
async function aReservedOrder(): Promise<{ order: Order; world: World }> {
  const world = await aWorld();
  const who = shopper();
  const d = deps();
  const cart = await createCart({ storeId: world.store.id }, who, d);
  await addCartLine(cart.id, { sku: world.skus.milk, quantity: { count: 8 }, substitution: 'none' }, who, d);
  await chooseFulfillment(cart.id, { mode: 'delivery', slotId: world.slot.id, address }, who, d);
  const order = await startCheckout({ cartId: cart.id, paymentMethod: 'pm_card_visa' }, `saga-steps-${randomUUID()}`, who, d);
  expect(order.status).toBe('reserved');
  return { order, world };
}

const events = (order: Order) => order.statusHistory.map((change) => change.event);

describe('the checkout saga’s steps without re-reading the order', () => {
  it('Reserve takes the reservation the saga’s input names and makes no DynamoDB call', async () => {
    const { order } = await aReservedOrder();
    expect(await reserveForOrder(order.id, order.reservationId!, counted())).toEqual({ reservationId: order.reservationId });
    expect(calls).toEqual([]);
  });

  it('AuthorizePayment authorizes and confirms in one write; run again it changes nothing and answers the same; ConfirmOrder then makes no call', async () => {
    const { order } = await aReservedOrder();
    const { intentId } = await createPayment(order.id, deps());

    const first = await authorizePayment(order.id, intentId, counted());
    expect(first).toEqual({ status: 'authorized', confirmed: true, captureNow: true });
    expect(calls).toEqual(['GetItemCommand ORDER', 'TransactWriteItemsCommand 3 items']);
    const confirmed = await requireOrder(deps(), order.id);
    expect(confirmed).toMatchObject({ status: 'confirmed', version: order.version + 2, payment: { intentId, authorized: order.totals.authorizationTotal } });
    expect(events(confirmed)).toEqual([...events(order), 'authorize', 'confirm']);

    // A retried AuthorizePayment (the Lambda redelivered, the state retried) finds its own change: one read, no write.
    expect(await authorizePayment(order.id, intentId, counted())).toEqual(first);
    expect(calls).toEqual(['GetItemCommand ORDER']);
    expect(await requireOrder(deps(), order.id)).toEqual(confirmed);

    expect(await confirmOrder(order.id, counted(), first)).toEqual({ captureNow: true });
    expect(calls).toEqual([]);
    // Without what AuthorizePayment passed on (an older definition), ConfirmOrder reads the order and writes nothing.
    expect(await confirmOrder(order.id, counted())).toEqual({ captureNow: true });
    expect(calls).toEqual(['GetItemCommand ORDER']);
    expect(await requireOrder(deps(), order.id)).toEqual(confirmed);
  });

  it('AuthorizePayment whose write finds the order cancelled meanwhile refuses it from the order the write returned, without reading it again', async () => {
    const { order } = await aReservedOrder();
    const { intentId } = await createPayment(order.id, deps());
    // The shopper cancels while the card is being confirmed: the step's read is then stale when it writes.
    const racing: PaymentGateway = {
      ...gateway,
      confirm: async (...args) => {
        await updateOrderStatus(deps(), await requireOrder(deps(), order.id), { type: 'cancel', reason: 'changed my mind' }, { actor: 'shopper' });
        return gateway.confirm(...args);
      },
    };
    const error = await authorizePayment(order.id, intentId, counted({ gateway: async () => racing })).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InvalidTransitionError);
    expect(error).toMatchObject({ message: expect.stringContaining('cancelled') });
    // One read, one write refused; the order it returned was enough to decide.
    expect(calls).toEqual(['GetItemCommand ORDER', 'TransactWriteItemsCommand 3 items']);
    expect(await requireOrder(deps(), order.id)).toMatchObject({ status: 'cancelled', payment: { authorized: 0 } });
  });

  it('a write on a stale read fails with the order as it is now, and logs nothing of it', async () => {
    const { order } = await aReservedOrder();
    const now = await updateOrderStatus(deps(), order, { type: 'cancel', reason: 'first' }, { actor: 'shopper' });
    const error = await updateOrderStatus(deps(), order, { type: 'fail', reason: 'second', code: 'checkout-error' }, { actor: 'checkout-saga' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(OrderChangedError);
    expect((error as OrderChangedError).current).toEqual(now);
    // The order (with its delivery address) is not an enumerable property: a logged or serialised error leaves it out.
    expect(Object.keys(error as object)).not.toContain('current');
    expect(JSON.stringify(error)).not.toContain(address.postcode);
  });

  it('CommitStock commits what CapturePayment passed on without reading the order; run again it changes nothing', async () => {
    const { order, world } = await aReservedOrder();
    const { intentId } = await createPayment(order.id, deps());
    const authorization = await authorizePayment(order.id, intentId, deps());
    expect(await confirmOrder(order.id, deps(), authorization)).toEqual({ captureNow: true });
    const capture = await capturePayment(order.id, deps());
    expect(capture).toEqual({ intentId, amount: order.totals.total, reservationId: order.reservationId });
    const before = await stockOf(world.skus.milk, world.store.id);

    expect(await commitStock(order.id, counted(), capture)).toEqual({ committedLines: 1 });
    expect(calls.filter((call) => call.endsWith('ORDER'))).toEqual([]);
    const after = await stockOf(world.skus.milk, world.store.id);
    expect(after).toEqual({ available: before.available, reserved: before.reserved - 8 });

    // A retry finds the reservation committed and moves no stock.
    expect(await commitStock(order.id, counted(), capture)).toEqual({ committedLines: 1 });
    expect(calls.filter((call) => call.startsWith('TransactWrite'))).toEqual([]);
    expect(await stockOf(world.skus.milk, world.store.id)).toEqual(after);

    expect(await completeOrder(order.id, deps())).toEqual({ status: 'completed' });
    expect(await completeOrder(order.id, deps())).toEqual({ status: 'completed' });
    expect(events(await requireOrder(deps(), order.id))).toEqual([...events(order), 'authorize', 'confirm', 'capture', 'complete']);
  });
});
