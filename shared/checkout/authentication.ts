import type { TokenDelivery } from '../orders/deps.js';
import { settleWait } from '../orders/waits.js';
import type { CheckoutDeps } from './deps.js';

export type AuthenticationOutcome = { outcome: 'authorized' } | { outcome: 'declined'; declineCode: string; message: string };

/**
 * Resumes a checkout waiting on 3-D Secure for this intent: on to ConfirmOrder when the hold is in place, into the
 * compensations with `PaymentDeclined` when authentication failed. Nothing happens when no checkout waits on it.
 * Called by the saga's AwaitAuthentication (the customer may have finished first) and by the payment webhook.
 */
export async function settleAuthentication(intentId: string, result: AuthenticationOutcome, deps: CheckoutDeps): Promise<TokenDelivery | 'none'> {
  return settleWait(deps, 'authentication', intentId, (token) =>
    result.outcome === 'authorized'
      ? deps.workflow.succeed(token, { status: 'authorized' })
      : deps.workflow.fail(token, 'PaymentDeclined', JSON.stringify({ errorMessage: `${result.message} (${result.declineCode})` })),
  );
}
