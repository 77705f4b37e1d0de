import { ulid } from 'ulid';
import { describe, expect, it } from 'vitest';
import { addAddress, updateAddress } from '../../../shared/accounts/addresses.js';
import { addCartLine, createCart } from '../../../shared/carts/carts.js';
import { chooseFulfillment } from '../../../shared/carts/fulfillment.js';
import { holdCart } from '../../../shared/carts/hold.js';
import { getCartRecord } from '../../../shared/carts/repository.js';
import { checkoutDeps, type CheckoutDeps } from '../../../shared/checkout/deps.js';
import { startCheckout } from '../../../shared/checkout/start.js';
import type { Workflow } from '../../../shared/checkout/workflow.js';
import { requireOrder } from '../../../shared/orders/repository.js';
import { engines } from '../../support/engines.js';
import { checkoutOnlyGateway } from '../../support/payment-provider.js';
import { aSlot, aStore, aWorld, appError, heldOf, NOW, shopper, stockOf, testDeps } from './fixtures.js';

/**
 * A cart's delivery address against its store's delivery area, on DynamoDB Local: outside it is a 422 naming the store
 * and postcode at cart time, changing nothing; a saved address is copied in by id (another shopper's is a 404); and
 * checkout checks again, refusing before anything is reserved when the area no longer covers the address.
 */

const workflow: Workflow = { start: async () => undefined, succeed: async () => 'sent', fail: async () => 'sent' };

function checkout(): CheckoutDeps {
  return checkoutDeps({
    tableName: engines().tableName,
    now: () => NOW,
    workflow,
    // Checking out asks the provider only for the shopper's Customer and the payment method; the saga is not run here.
    gateway: async () => checkoutOnlyGateway(),
    settings: { captureOnConfirm: true, authenticationTimeoutSeconds: 900 },
  });
}

const inside = { line1: '2 Shopper Road', city: 'London', postcode: 'se12bb', country: 'GB' };
const outside = { line1: '9 Camberwell Grove', city: 'London', postcode: 'SE5 8AA', country: 'GB' };
const saved = { label: 'Home', recipientName: 'Ada Lovelace', isDefault: false } as const;

describe('delivery areas at cart time', () => {
  it('refuses an address outside the store’s area with a 422 naming the store and postcode, changing nothing', async () => {
    const deps = testDeps();
    const { store, slot } = await aWorld();
    const alice = shopper();
    const cart = await createCart({ storeId: store.id }, alice, deps);
    const refused = await appError(chooseFulfillment(cart.id, { mode: 'delivery', slotId: slot.id, address: outside }, alice, deps));
    expect([refused.kind, refused.code, refused.extensions]).toEqual(['unprocessable', 'address-outside-delivery-area', { storeId: store.id, postcode: 'SE5 8AA', country: 'GB' }]);
    expect(refused.message).toBe(`SmartShelf London Bridge (${store.id}) does not deliver to SE5 8AA, GB.`);
    expect(await getCartRecord(deps, cart.id)).toEqual(cart);

    const malformed = await appError(chooseFulfillment(cart.id, { mode: 'delivery', slotId: slot.id, address: { ...inside, postcode: 'SE1' } }, alice, deps));
    expect([malformed.kind, malformed.fields?.map((f) => f.field)]).toEqual(['invalid', ['body.address.postcode']]);
    const abroad = await appError(chooseFulfillment(cart.id, { mode: 'delivery', slotId: slot.id, address: { ...inside, country: 'ZZ' } }, alice, deps));
    expect(abroad.code).toBe('country-not-served');
    const otherCountry = await appError(chooseFulfillment(cart.id, { mode: 'delivery', slotId: slot.id, address: { ...inside, postcode: 'D02 X285', country: 'IE' } }, alice, deps));
    expect(otherCountry.code).toBe('address-outside-delivery-area');
    expect(await getCartRecord(deps, cart.id)).toEqual(cart);

    const chosen = await chooseFulfillment(cart.id, { mode: 'delivery', slotId: slot.id, address: inside }, alice, deps);
    expect(chosen.fulfillment).toEqual({ mode: 'delivery', slotId: slot.id, address: { ...inside, postcode: 'SE1 2BB' } });
  });

  it('copies one of the shopper’s saved addresses by id, as it is then; another shopper’s id is a 404 like a missing one', async () => {
    const deps = testDeps();
    const { store, slot } = await aWorld();
    const alice = shopper();
    const bob = shopper();
    const far = await addAddress(alice.subject, { ...saved, ...outside }, deps);
    const near = await addAddress(alice.subject, { ...saved, ...inside, line2: 'Flat 3', instructions: 'Side door' }, deps);
    const bobs = await addAddress(bob.subject, { ...saved, ...inside }, deps);
    const cart = await createCart({ storeId: store.id }, alice, deps);

    expect((await appError(chooseFulfillment(cart.id, { mode: 'delivery', slotId: slot.id, addressId: far.id }, alice, deps))).code).toBe('address-outside-delivery-area');
    const stolen = await appError(chooseFulfillment(cart.id, { mode: 'delivery', slotId: slot.id, addressId: bobs.id }, alice, deps));
    const missing = await appError(chooseFulfillment(cart.id, { mode: 'delivery', slotId: slot.id, addressId: ulid() }, alice, deps));
    expect([stolen.kind, stolen.code]).toEqual(['not-found', 'not-found']);
    expect([missing.kind, missing.code]).toEqual(['not-found', 'not-found']);
    expect(stolen.message).toBe(`Address ${bobs.id} does not exist.`);
    expect(await getCartRecord(deps, cart.id)).toEqual(cart);

    const chosen = await chooseFulfillment(cart.id, { mode: 'delivery', slotId: slot.id, addressId: near.id }, alice, deps);
    // The cart holds the address with its recipient, for the order's delivery snapshot (phone: none was saved).
    expect(chosen.fulfillment).toEqual({
      mode: 'delivery',
      slotId: slot.id,
      address: { line1: '2 Shopper Road', line2: 'Flat 3', city: 'London', postcode: 'SE1 2BB', country: 'GB' },
      recipient: { name: 'Ada Lovelace', instructions: 'Side door' },
    });
  });
});

describe('delivery areas at the basket hold', () => {
  it('refuses the hold with the same 422 when the store’s area no longer covers the cart’s address, holding nothing', async () => {
    const deps = testDeps();
    const world = await aWorld();
    const alice = shopper();
    const cart = await createCart({ storeId: world.store.id }, alice, deps);
    await addCartLine(cart.id, { sku: world.skus.milk, quantity: { count: 8 }, substitution: 'none' }, alice, deps);
    const chosen = await chooseFulfillment(cart.id, { mode: 'delivery', slotId: world.slot.id, address: inside }, alice, deps);
    await aStore({ ...world.store, deliveryArea: { districts: ['SE17'], prefixes: [] } });
    const stockBefore = await stockOf(world.skus.milk, world.store.id);

    const refused = await appError(holdCart(cart.id, alice, deps));
    expect([refused.kind, refused.code, refused.extensions]).toEqual(['unprocessable', 'address-outside-delivery-area', { storeId: world.store.id, postcode: 'SE1 2BB', country: 'GB' }]);
    expect(await stockOf(world.skus.milk, world.store.id)).toEqual(stockBefore);
    expect(await heldOf(world.slot)).toBe(0);
    expect(await getCartRecord(deps, cart.id)).toEqual(chosen);

    // A pickup from the same store is not about the area: it holds.
    const pickup = await createCart({ storeId: world.store.id }, alice, deps);
    await addCartLine(pickup.id, { sku: world.skus.milk, quantity: { count: 8 }, substitution: 'none' }, alice, deps);
    const pickupSlot = await aSlot(world.store.id, { mode: 'pickup' });
    await chooseFulfillment(pickup.id, { mode: 'pickup', slotId: pickupSlot.id }, alice, deps);
    expect((await holdCart(pickup.id, alice, deps)).status).toBe('held');
  });
});

describe('the order’s delivery snapshot', () => {
  it('freezes the saved address’s recipient, phone and instructions into the order at checkout; later address-book edits change no order', async () => {
    const deps = checkout();
    const world = await aWorld();
    const alice = shopper();
    const home = await addAddress(alice.subject, { ...saved, ...inside, phone: '+447700900123', instructions: 'Blue door' }, deps);
    const cart = await createCart({ storeId: world.store.id }, alice, deps);
    await addCartLine(cart.id, { sku: world.skus.milk, quantity: { count: 8 }, substitution: 'none' }, alice, deps);
    await chooseFulfillment(cart.id, { mode: 'delivery', slotId: world.slot.id, addressId: home.id }, alice, deps);

    const order = await startCheckout({ cartId: cart.id, paymentMethod: 'pm_card_visa' }, `snapshot-${cart.id}`, alice, deps);
    const recipient = { name: 'Ada Lovelace', phone: '+447700900123', instructions: 'Blue door' };
    expect(order.fulfillment).toEqual({ mode: 'delivery', slotId: world.slot.id, address: { ...inside, postcode: 'SE1 2BB' }, recipient });

    await updateAddress(alice.subject, home.id, { version: home.version, recipientName: 'Ada King', phone: null, instructions: 'Green door' }, {}, deps);
    expect((await requireOrder(deps, order.id)).fulfillment).toEqual(order.fulfillment);
  });
});

describe('delivery areas at checkout', () => {
  it('refuses with the same 422 before reserving anything when the store’s area no longer covers the cart’s address', async () => {
    const deps = checkout();
    const world = await aWorld();
    const alice = shopper();
    const cart = await createCart({ storeId: world.store.id }, alice, deps);
    await addCartLine(cart.id, { sku: world.skus.milk, quantity: { count: 8 }, substitution: 'none' }, alice, deps);
    const chosen = await chooseFulfillment(cart.id, { mode: 'delivery', slotId: world.slot.id, address: inside }, alice, deps);
    // The store stops delivering to SE1 after the shopper chose the address.
    await aStore({ ...world.store, deliveryArea: { districts: ['SE17'], prefixes: [] } });
    const stockBefore = await stockOf(world.skus.milk, world.store.id);

    const refused = await appError(startCheckout({ cartId: cart.id, paymentMethod: 'pm_card_visa' }, `areas-${cart.id}`, alice, deps));
    expect([refused.kind, refused.code, refused.extensions?.postcode]).toEqual(['unprocessable', 'address-outside-delivery-area', 'SE1 2BB']);
    expect(await stockOf(world.skus.milk, world.store.id)).toEqual(stockBefore);
    expect(await heldOf(world.slot)).toBe(0);
    expect(await getCartRecord(deps, cart.id)).toEqual(chosen);

    // Back in the area, the same cart checks out.
    await aStore({ ...world.store, deliveryArea: { districts: [], prefixes: ['SE1'] } });
    expect(await startCheckout({ cartId: cart.id, paymentMethod: 'pm_card_visa' }, `areas-${cart.id}`, alice, deps)).toMatchObject({ status: 'reserved' });
  });
});
