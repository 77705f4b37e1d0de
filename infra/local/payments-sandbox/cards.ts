/** What confirming a PaymentIntent with a test card does, as on Stripe's test mode. */
export type CardBehaviour =
  | { kind: 'succeeds' }
  | { kind: 'declines'; code: string; declineCode: string; message: string }
  | { kind: 'requires-authentication' };

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
  // The sandbox does not model cards saved by a SetupIntent: each of these asks for authentication
  // on session and is declined with authentication_required off session.
  { paymentMethod: 'pm_card_authenticationRequired', number: '4000002760003184', brand: 'visa', behaviour: { kind: 'requires-authentication' } },
  { paymentMethod: 'pm_card_authenticationRequiredOnSetup', number: '4000002500003155', brand: 'visa', behaviour: { kind: 'requires-authentication' } },
  { paymentMethod: 'pm_card_threeDSecure2Required', number: '4000000000003220', brand: 'visa', behaviour: { kind: 'requires-authentication' } },
];

/** The test card named by a payment method id or a raw test number (spaces allowed). */
export function testCard(reference: string): TestCard | undefined {
  const digits = reference.replace(/[ -]/g, '');
  return TEST_CARDS.find((card) => card.paymentMethod === reference || card.number === digits);
}
