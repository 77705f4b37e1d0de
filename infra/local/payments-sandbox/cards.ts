/** What confirming a PaymentIntent with a test card does, as on Stripe's test mode. */
export type CardBehaviour =
  | { kind: 'succeeds' }
  | { kind: 'declines'; code: string; declineCode: string; message: string }
  /**
   * Asks for authentication on session; off session it is declined with `authentication_required`, except, with
   * `unlessSetUp`, once the card was set up for off-session use (a SetupIntent with `usage=off_session`, or a
   * PaymentIntent with `setup_future_usage=off_session`), as Stripe's 4000 0025 0000 3155 does.
   */
  | { kind: 'requires-authentication'; unlessSetUp?: boolean };

export interface TestCard {
  paymentMethod: string;
  number: string;
  brand: string;
  behaviour: CardBehaviour;
}

/** Stripe's test payment methods and card numbers the sandbox knows; anything else is `resource_missing`. */
export const TEST_CARDS: readonly TestCard[] = [
  { paymentMethod: 'pm_card_visa', number: '4242424242424242', brand: 'visa', behaviour: { kind: 'succeeds' } },
  { paymentMethod: 'pm_card_mastercard', number: '5555555555554444', brand: 'mastercard', behaviour: { kind: 'succeeds' } },
  {
    paymentMethod: 'pm_card_chargeDeclined',
    number: '4000000000000002',
    brand: 'visa',
    behaviour: { kind: 'declines', code: 'card_declined', declineCode: 'generic_decline', message: 'Your card was declined.' },
  },
  {
    paymentMethod: 'pm_card_chargeDeclinedInsufficientFunds',
    number: '4000000000009995',
    brand: 'visa',
    behaviour: { kind: 'declines', code: 'card_declined', declineCode: 'insufficient_funds', message: 'Your card has insufficient funds.' },
  },
  {
    paymentMethod: 'pm_card_chargeDeclinedExpiredCard',
    number: '4000000000000069',
    brand: 'visa',
    behaviour: { kind: 'declines', code: 'expired_card', declineCode: 'expired_card', message: 'Your card has expired.' },
  },
  // Each of these asks for authentication on session. Off session 3184 and 3220 are always declined with
  // authentication_required; 3155 only until it has been set up for off-session use.
  { paymentMethod: 'pm_card_authenticationRequired', number: '4000002760003184', brand: 'visa', behaviour: { kind: 'requires-authentication' } },
  {
    paymentMethod: 'pm_card_authenticationRequiredOnSetup',
    number: '4000002500003155',
    brand: 'visa',
    behaviour: { kind: 'requires-authentication', unlessSetUp: true },
  },
  { paymentMethod: 'pm_card_threeDSecure2Required', number: '4000000000003220', brand: 'visa', behaviour: { kind: 'requires-authentication' } },
];

/**
 * The test card named by a payment method id, a raw test number (spaces allowed) or a test token (`tok_visa` is
 * `pm_card_visa`'s card, as on Stripe).
 */
export function testCard(reference: string): TestCard | undefined {
  const digits = reference.replace(/[ -]/g, '');
  const named = reference.startsWith('tok_') ? `pm_card_${reference.slice('tok_'.length)}` : reference;
  return TEST_CARDS.find((card) => card.paymentMethod === named || card.number === digits);
}

/** What confirming with a card does, given who is there and how the card was saved. */
export type CardOutcome = 'succeeds' | 'declines' | 'requires-action' | 'authentication-required';

/**
 * Stripe's rule for a test card: a declining card declines; a card that needs authentication asks the customer on
 * session (`requires_action`) and, with nobody there (`off_session`), is declined with `authentication_required`,
 * unless it only needs it until set up and was set up for off-session use.
 */
export function cardOutcome(card: TestCard, context: { offSession: boolean; setUpForOffSession: boolean }): CardOutcome {
  const behaviour = card.behaviour;
  if (behaviour.kind === 'succeeds') return 'succeeds';
  if (behaviour.kind === 'declines') return 'declines';
  if (!context.offSession) return 'requires-action';
  return behaviour.unlessSetUp && context.setUpForOffSession ? 'succeeds' : 'authentication-required';
}
