import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Order } from '../../../shared/orders/model.js';
import { anonymiseOrder, ERASED, isOrderInFlight, postcodeDistrict } from '../../../shared/personal-data/anonymise.js';
import { anOrder, AT } from '../orders/fixtures.js';

const delivered = (overrides: Partial<Order> = {}) =>
  anOrder({
    status: 'completed',
    fulfillment: {
      mode: 'delivery',
      slotId: '2030-03-05T08:00Z~delivery',
      address: { line1: '1 Jane Street', line2: 'Flat 2', city: 'London', postcode: 'SE1 9SG', country: 'GB' },
      recipient: { name: 'Jane Doe', phone: '+447700900456', instructions: 'Ring twice, the dog is friendly' },
    },
    fulfillmentStatus: 'delivered',
    payment: { intentId: 'pi_1', method: 'pm_1', authorized: 1000, captured: 1000, refunded: 0, status: 'captured', action: { type: 'use_stripe_sdk', clientSecret: 'pi_1_secret' } },
    statusHistory: [{ from: 'pending', to: 'reserved', event: 'checkout', at: AT.toISOString(), actor: 'shopper-1' }],
    ...overrides,
  });

describe('anonymising an order for the books', () => {
  it('keeps the money, lines, store and dates, and leaves nothing that names or reaches the shopper', () => {
    const order = delivered();
    const kept = anonymiseOrder(order, 'erased-01');
    expect(Order.parse(kept)).toEqual(kept);
    expect(kept).toMatchObject({ id: order.id, storeId: order.storeId, lines: order.lines, totals: order.totals, createdAt: order.createdAt, status: 'completed' });
    expect(kept.shopperId).toBe('erased-01');
    expect(kept.fulfillment).toEqual({ mode: 'delivery', slotId: '2030-03-05T08:00Z~delivery', address: { line1: ERASED, city: ERASED, postcode: 'SE1', country: 'GB' } });
    expect(kept.payment).toEqual({ intentId: 'pi_1', method: 'pm_1', authorized: 1000, captured: 1000, refunded: 0, status: 'captured' });
    const text = JSON.stringify(kept);
    for (const personal of ['shopper-1', 'Jane Street', 'Flat 2', 'London', '9SG', 'secret', 'Jane Doe', '+447700900456', 'dog']) expect(text).not.toContain(personal);
  });

  it('drops the delivery’s recipient, name, phone and instructions, and leaves an order without one as it was', () => {
    expect(anonymiseOrder(delivered(), 'erased-01').fulfillment).not.toHaveProperty('recipient');
    const inline = delivered({ fulfillment: { mode: 'delivery', slotId: '2030-03-05T08:00Z~delivery', address: { line1: '1 Jane Street', city: 'London', postcode: 'SE1 9SG', country: 'GB' } } });
    expect(anonymiseOrder(inline, 'erased-01').fulfillment).toEqual({ mode: 'delivery', slotId: '2030-03-05T08:00Z~delivery', address: { line1: ERASED, city: ERASED, postcode: 'SE1', country: 'GB' } });
    const pickup = anOrder({ status: 'completed', fulfillment: { mode: 'pickup', slotId: '2030-03-05T08:00Z~pickup' } });
    expect(anonymiseOrder(pickup, 'erased-01').fulfillment).toEqual(pickup.fulfillment);
  });

  it('gives the same order when applied twice', () => {
    const once = anonymiseOrder(delivered(), 'erased-01');
    expect(anonymiseOrder(once, 'erased-01')).toEqual(once);
  });

  it('reduces a UK postcode to its outward code, whatever its spacing and case', () => {
    fc.assert(
      fc.property(fc.constantFrom('SE1', 'EC1A', 'M1', 'B33', 'W1A', 'SW19'), fc.stringMatching(/^[0-9][A-Z]{2}$/), fc.constantFrom('', ' ', '  '), (outward, inward, gap) => {
        expect(postcodeDistrict(`${outward}${gap}${inward}`.toLowerCase(), 'GB')).toBe(outward);
      }),
    );
    expect(postcodeDistrict('D02 X285', 'IE')).toBe('D02');
    expect(postcodeDistrict('75001', 'FR')).toBe('75');
  });
});

describe('an order in flight', () => {
  it('is one not yet delivered, collected or cancelled', () => {
    expect(isOrderInFlight(anOrder({ status: 'confirmed' }))).toBe(true);
    expect(isOrderInFlight(delivered({ fulfillmentStatus: 'dispatched' }))).toBe(true);
    expect(isOrderInFlight(delivered({ fulfillmentStatus: undefined }))).toBe(true);
    expect(isOrderInFlight(delivered())).toBe(false);
    expect(isOrderInFlight(anOrder({ status: 'completed', fulfillmentStatus: 'collected' }))).toBe(false);
    expect(isOrderInFlight(anOrder({ status: 'cancelled' }))).toBe(false);
    expect(isOrderInFlight(anOrder({ status: 'failed' }))).toBe(false);
    expect(isOrderInFlight(anOrder({ status: 'completed', channel: 'pos', fulfillment: { mode: 'in-store' } }))).toBe(false);
  });
});
