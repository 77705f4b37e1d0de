import { describe, expect, it } from 'vitest';
import { cardOutcome, testCard } from '../../../infra/local/payments-sandbox/cards.js';

/** The payments sandbox's rule for Stripe's test cards, by who is there and how the card was saved. */

const card = (reference: string) => {
  const found = testCard(reference);
  if (!found) throw new Error(`no test card ${reference}`);
  return found;
};
const contexts = [
  { offSession: false, setUpForOffSession: false },
  { offSession: false, setUpForOffSession: true },
  { offSession: true, setUpForOffSession: false },
  { offSession: true, setUpForOffSession: true },
];

describe('cardOutcome', () => {
  it('lets a plain card through and declines a declining card, whoever is there', () => {
    for (const context of contexts) {
      expect(cardOutcome(card('pm_card_visa'), context)).toBe('succeeds');
      expect(cardOutcome(card('pm_card_chargeDeclined'), context)).toBe('declines');
    }
  });

  it('asks for authentication on session and declines off session for 3184 and 3220, set up or not', () => {
    for (const reference of ['pm_card_authenticationRequired', 'pm_card_threeDSecure2Required']) {
      expect(contexts.map((context) => cardOutcome(card(reference), context))).toEqual([
        'requires-action',
        'requires-action',
        'authentication-required',
        'authentication-required',
      ]);
    }
  });

  it('lets 3155 through off session only once it is set up for off-session use, and always asks on session', () => {
    expect(contexts.map((context) => cardOutcome(card('pm_card_authenticationRequiredOnSetup'), context))).toEqual([
      'requires-action',
      'requires-action',
      'authentication-required',
      'succeeds',
    ]);
  });

  it('finds a test card by name, by token and by number', () => {
    expect(testCard('tok_visa')).toBe(testCard('pm_card_visa'));
    expect(testCard('4000 0025 0000 3155')).toBe(testCard('pm_card_authenticationRequiredOnSetup'));
    expect(testCard('tok_nonexistent')).toBeUndefined();
  });
});
