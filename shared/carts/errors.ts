import { AppError, ConflictError, NotFoundError } from '../errors.js';
import { MAX_LINES } from './model.js';

/**
 * The cart's errors. A cart that does not exist and a cart of another shopper are the same 404,
 * so that a cart id reveals nothing about carts that are not the caller's.
 */

export class CartNotFoundError extends NotFoundError {
  override readonly name = 'CartNotFoundError';
  constructor(cartId: string) {
    super('Cart', cartId);
  }
}

export class LineNotFoundError extends NotFoundError {
  override readonly name = 'LineNotFoundError';
  constructor(cartId: string, lineId: string) {
    super('Line', `${lineId} in cart ${cartId}`);
  }
}

/** The cart is held for checkout (or checked out): its lines and choices are frozen until the hold is released. */
export class CartNotOpenError extends ConflictError {
  override readonly name = 'CartNotOpenError';
  constructor(cartId: string, status: string) {
    const advice = status === 'held' ? 'release the hold (DELETE /carts/{id}/hold) to change it' : 'start a new cart';
    super('cart-not-open', `Cart ${cartId} is ${status}; ${advice}.`, { extensions: { cartId, status } });
  }
}

export class TooManyLinesError extends AppError {
  override readonly name = 'TooManyLinesError';
  constructor(cartId: string) {
    super('unprocessable', 'cart-too-many-lines', `Cart ${cartId} already has ${MAX_LINES} lines, the most a cart takes; change a line instead.`, {
      extensions: { cartId, maxLines: MAX_LINES },
    });
  }
}

/** The product is in the catalog but no longer sold. */
export class ProductArchivedError extends ConflictError {
  override readonly name = 'ProductArchivedError';
  constructor(sku: string, productId: string) {
    super('product-archived', `The product with SKU ${sku} is no longer sold.`, { extensions: { sku, productId } });
  }
}

/** Another writer kept moving the cart on while this one retried; rare enough to hand back to the client. */
export class CartBusyError extends ConflictError {
  override readonly name = 'CartBusyError';
  constructor(cartId: string) {
    super('cart-busy', `Cart ${cartId} is being changed by another request; try again.`, { extensions: { cartId } });
  }
}

/** The basket is below the slot's minimum order. */
export class MinimumOrderError extends AppError {
  override readonly name = 'MinimumOrderError';
  constructor(required: number, currency: string) {
    super('unprocessable', 'minimum-order-not-met', `The basket is below the slot's minimum order of ${required} (${currency} minor units).`, {
      extensions: { required, currency },
    });
  }
}
