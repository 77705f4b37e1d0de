import { AppError, ConflictError } from '../errors.js';

/**
 * Errors the checkout saga's tasks fail with. Their `name` is what the state machine's `Retry` and `Catch` match and
 * what `failOrder` turns into the order's `failureCode`, so each is a stable identifier, never reworded.
 */

/** The card was refused (on confirmation, after 3-D Secure, or on re-authorization). */
export class PaymentDeclinedError extends ConflictError {
  override readonly name = 'PaymentDeclined';
  constructor(
    orderId: string,
    readonly declineCode: string,
    message: string,
  ) {
    super('payment-declined', `The payment for order ${orderId} was declined (${declineCode}): ${message}`, { extensions: { orderId, declineCode } });
  }
}

/** The picked goods cost more than the hold, and a new authorization for the final amount was refused. */
export class ReauthorizationDeclinedError extends ConflictError {
  override readonly name = 'ReauthorizationDeclined';
  constructor(orderId: string, amount: number, authorized: number, declineCode: string) {
    super(
      'reauthorization-declined',
      `Order ${orderId} was picked for ${amount}, above the ${authorized} authorized, and the card refused a new authorization (${declineCode}).`,
      { extensions: { orderId, amount, authorized, declineCode } },
    );
  }
}

/**
 * The picked goods cost more than the hold, and the bank wants the shopper to authenticate the new authorization
 * (`authentication_required` off session): the order now asks them (`payment.action`), and the saga waits for it
 * (AwaitReauthentication) as it waits on 3-D Secure for the first hold.
 */
export class ReauthenticationRequiredError extends ConflictError {
  override readonly name = 'ReauthenticationRequired';
  constructor(orderId: string, intentId: string) {
    super('reauthentication-required', `Order ${orderId} needs its shopper to authenticate the payment ${intentId} for what was picked.`, { extensions: { orderId, intentId } });
  }
}

/** The cart was checked out already, under another `Idempotency-Key`. */
export class CartCheckedOutError extends ConflictError {
  override readonly name = 'CartCheckedOutError';
  constructor(cartId: string, orderId: string | undefined) {
    super('cart-checked-out', `Cart ${cartId} is already checked out${orderId ? ` as order ${orderId}` : ''}.`, {
      extensions: { cartId, ...(orderId ? { orderId } : {}) },
    });
  }
}

/** The basket holds age-restricted goods and the shopper has not declared an adult date of birth. */
export class AgeVerificationError extends AppError {
  override readonly name = 'AgeVerificationError';
  constructor(skus: readonly string[], detail: string) {
    super('unprocessable', 'age-verification-required', detail, { extensions: { skus } });
  }
}
