import { SlotInPastError, SlotNotFoundError } from '../fulfillment/errors.js';
import { assertBookable, getSlot, parseSlotId } from '../fulfillment/slots.js';
import { requireAddress } from '../accounts/addresses.js';
import { ValidationError } from '../errors.js';
import { assertDeliversTo } from '../stores/areas.js';
import type { Address } from '../stores/model.js';
import { requirePostcode } from '../stores/postcodes.js';
import { requireStore } from '../stores/repository.js';
import { changeCart } from './change.js';
import { cartDeps, type CartActor, type CartDeps } from './deps.js';
import type { Cart, DeliveryRecipient, Fulfillment } from './model.js';
import type { FulfillmentInput } from './requests.js';

/**
 * The delivery address a request names, as the cart will hold it: inline, or copied from one of the cart's shopper's
 * saved addresses with its recipient (name, phone, instructions); its postcode checked and written as its country
 * writes it.
 * @throws NotFoundError (404 `Address`) for an `addressId` that is not one of the shopper's (another shopper's included)
 * @throws ValidationError (400) naming `body.address.postcode` when it is malformed; AppError (422 `country-not-served`)
 */
async function deliveryAddress(
  shopperId: string,
  input: { address?: Address | undefined; addressId?: string | undefined },
  deps: CartDeps,
): Promise<{ address: Address; recipient?: DeliveryRecipient }> {
  if (input.addressId !== undefined) {
    const saved = await requireAddress(shopperId, input.addressId, deps);
    return {
      address: { line1: saved.line1, ...(saved.line2 ? { line2: saved.line2 } : {}), city: saved.city, postcode: saved.postcode, country: saved.country },
      recipient: { name: saved.recipientName, ...(saved.phone ? { phone: saved.phone } : {}), ...(saved.instructions ? { instructions: saved.instructions } : {}) },
    };
  }
  const address = input.address!;
  return { address: { ...address, postcode: requirePostcode(address.postcode, address.country, 'body.address.postcode').normalised } };
}

/**
 * Chooses how the cart is fulfilled: delivery to an address or pickup at the cart's store, in one
 * of that store's slots. The slot is checked bookable now for a clear answer; its capacity is only
 * held with the stock, at checkout (`hold.ts`), because a choice in an open cart promises nothing.
 * A delivery address must be in the store's delivery area (checkout checks it again).
 *
 * @throws ValidationError (400) when the slot's mode is not the mode asked for, or the postcode is malformed
 * @throws SlotNotFoundError (404) when the cart's store has no such slot; NotFoundError (404) for an unknown `addressId`
 * @throws SlotInPastError or SlotCutOffError (422), SlotFullError or SlotClosedError (409)
 * @throws OutsideDeliveryAreaError (422 `address-outside-delivery-area`) naming the store and postcode; nothing is written
 */
export async function chooseFulfillment(cartId: string, input: FulfillmentInput, actor: CartActor, deps: CartDeps = cartDeps()): Promise<Cart> {
  const ref = parseSlotId(input.slotId);
  if (ref?.mode !== input.mode) {
    throw new ValidationError([{ field: 'body.slotId', message: `${input.slotId} is a ${ref?.mode ?? 'different'} slot; ${input.mode} needs a ${input.mode} slot` }]);
  }
  // A slot that has started is refused as such even when it no longer exists (slots are removed long after they end).
  if (Date.parse(ref.startsAt) <= deps.now().getTime()) throw new SlotInPastError(input.slotId, ref.startsAt);
  return changeCart(deps, cartId, actor, async (cart) => {
    const slot = await getSlot(cart.storeId, input.slotId, deps);
    if (!slot) throw new SlotNotFoundError(cart.storeId, input.slotId);
    assertBookable(slot, deps.now());
    let fulfillment: Fulfillment = { mode: 'pickup', slotId: input.slotId };
    if (input.mode === 'delivery') {
      const { address, recipient } = await deliveryAddress(cart.shopperId, input, deps);
      assertDeliversTo(await requireStore(cart.storeId, deps), address);
      fulfillment = { mode: 'delivery', slotId: input.slotId, address, ...(recipient ? { recipient } : {}) };
    }
    if (JSON.stringify(cart.fulfillment) === JSON.stringify(fulfillment)) return undefined;
    return { changes: { fulfillment }, event: { kind: 'update', change: 'fulfillment-changed', slotId: input.slotId } };
  });
}
