import { SlotInPastError, SlotNotFoundError } from '../fulfillment/errors.js';
import { assertBookable, getSlot, parseSlotId } from '../fulfillment/slots.js';
import { ValidationError } from '../errors.js';
import { changeCart } from './change.js';
import { cartDeps, type CartActor, type CartDeps } from './deps.js';
import type { Cart } from './model.js';
import type { FulfillmentInput } from './requests.js';

/**
 * Chooses how the cart is fulfilled: delivery to an address or pickup at the cart's store, in one
 * of that store's slots. The slot is checked bookable now for a clear answer; its capacity is only
 * held with the stock, at checkout (`hold.ts`), because a choice in an open cart promises nothing.
 *
 * @throws ValidationError (400) when the slot's mode is not the mode asked for
 * @throws SlotNotFoundError (404) when the cart's store has no such slot
 * @throws SlotInPastError or SlotCutOffError (422), SlotFullError or SlotClosedError (409)
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
    if (JSON.stringify(cart.fulfillment) === JSON.stringify(input)) return undefined;
    return { changes: { fulfillment: input }, event: { kind: 'update', change: 'fulfillment-changed', slotId: input.slotId } };
  });
}
