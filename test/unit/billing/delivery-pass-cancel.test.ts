import { describe, expect, it } from 'vitest';
import { cancellationOf, passWaivesDeliveryFee, type Subscription } from '../../../shared/billing/subscriptions.js';

const pass = (extra: Partial<Subscription>): Subscription => ({
  id: 'sub-1',
  shopperId: 's1',
  plan: 'delivery-pass-monthly',
  status: 'active',
  createdAt: '2026-11-01T00:00:00.000Z',
  updatedAt: '2026-11-01T00:00:00.000Z',
  ...extra,
});

describe('cancelling a delivery pass', () => {
  it('ends a pass at once only while it is ours alone, else at the end of its paid period', () => {
    expect(cancellationOf(pass({ status: 'pending' }))).toBe('now');
    expect(cancellationOf(pass({ status: 'pending', billingSubscriptionId: 'bsub' }))).toBe('at-period-end');
    for (const status of ['incomplete', 'active', 'past_due'] as const) expect(cancellationOf(pass({ status, billingSubscriptionId: 'bsub' }))).toBe('at-period-end');
  });

  it('does nothing to a pass already cancelled or ended', () => {
    expect(cancellationOf(pass({ status: 'cancelled' }))).toBe('already');
    expect(cancellationOf(pass({ cancelRequestedAt: '2026-11-05T00:00:00.000Z', cancelAtPeriodEnd: true }))).toBe('already');
  });
});

describe('the delivery fee waiver', () => {
  const end = '2026-12-01T00:00:00.000Z';
  it('waives while active, until the end of a cancelled pass’s period', () => {
    const cancelled = pass({ cancelRequestedAt: '2026-11-05T00:00:00.000Z', cancelAtPeriodEnd: true, currentPeriodEnd: end });
    expect(passWaivesDeliveryFee(cancelled, new Date('2026-11-30T23:59:59.000Z'))).toBe(true);
    expect(passWaivesDeliveryFee(cancelled, new Date(end))).toBe(false);
    // A pass not cancelled renews: its period's end does not stop the waiver.
    expect(passWaivesDeliveryFee(pass({ currentPeriodEnd: end }), new Date('2027-01-01T00:00:00.000Z'))).toBe(true);
  });

  it('never waives for a pass that is not active', () => {
    for (const status of ['pending', 'incomplete', 'past_due', 'cancelled'] as const) expect(passWaivesDeliveryFee(pass({ status }), new Date('2026-11-10T00:00:00.000Z'))).toBe(false);
  });
});
