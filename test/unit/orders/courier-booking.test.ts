import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Id } from '../../../shared/catalog/model.js';
import { BookingRequest, MAX_PARCEL_GRAMS } from '../../../shared/couriers/model.js';
import { bookingRequestOf, NOMINAL_ITEM_GRAMS } from '../../../shared/orders/courier-booking.js';
import { shipmentIdOf } from '../../../shared/orders/fulfilment-actions.js';
import { fulfil } from '../../../shared/orders/fulfilment.js';
import type { Order } from '../../../shared/orders/model.js';
import type { Store } from '../../../shared/stores/model.js';
import { anOrder, AT } from './fixtures.js';

const store: Store = {
  id: 'store-1',
  name: 'Store one',
  address: { line1: '12 Tooley Street', city: 'London', postcode: 'SE1 2TU', country: 'GB' },
  timezone: 'Europe/London',
  taxJurisdiction: 'GB',
  currency: 'GBP',
  fulfillmentModes: ['delivery', 'pickup'],
  deliveryArea: { districts: ['SE1'], prefixes: [] },
  collectionArea: { districts: ['SE1'], prefixes: [] },
  status: 'open',
  createdAt: AT.toISOString(),
  updatedAt: AT.toISOString(),
};

/** The fixture's order, completed, for delivery, packed: the milk (2 items) ambient in one bag, the cheddar (500 g) frozen in two. */
function packed(overrides: Partial<Order> = {}): Order {
  const order = anOrder({
    status: 'completed',
    fulfillment: { mode: 'delivery', slotId: '2030-03-05T17:00Z~delivery', address: { line1: '4 Bermondsey Square', city: 'London', postcode: 'SE1 3UN', country: 'GB' } },
    ...overrides,
  });
  const [milk, cheddar] = order.lines as [Order['lines'][number], Order['lines'][number]];
  return fulfil(order, { type: 'pack', zones: [{ zone: 'ambient', bags: 1, lineIds: [milk.lineId] }, { zone: 'frozen', bags: 2, lineIds: [cheddar.lineId] }] }, AT, 'pat').order;
}

describe('bookingRequestOf', () => {
  it('asks for a timed delivery in the slot, collected at the store once packed, its bags as parcels by zone, within the contract', () => {
    const order = packed({ idCheckRequired: true });
    const [milk, cheddar] = order.lines as [Order['lines'][number], Order['lines'][number]];
    const lines = [
      { lineId: milk.lineId, sku: milk.sku, quantity: 2 },
      { lineId: cheddar.lineId, sku: cheddar.sku, quantity: 500 },
    ];
    const request = bookingRequestOf(order, store, 'SHIP1', lines, order.packing!.bags);
    expect(BookingRequest.parse(request)).toEqual(request);
    expect(request).toMatchObject({
      reference: `${order.id}/SHIP1`,
      service: 'timed',
      collection: { locationReference: 'store-1', address: store.address, readyAt: AT.toISOString() },
      delivery: { address: { postcode: 'SE1 3UN' }, window: { from: '2030-03-05T17:00:00.000Z', to: '2030-03-05T18:00:00.000Z' } },
      ageVerification: true,
    });
    expect(request.parcels.map((p) => [p.temperature, p.weightGrams])).toEqual([
      ['ambient', 2 * NOMINAL_ITEM_GRAMS],
      ['frozen', 250],
      ['frozen', 250],
    ]);
    // The same shipment asks for the same booking, whenever it is asked: nothing in it comes from the clock.
    expect(bookingRequestOf(order, store, 'SHIP1', lines, order.packing!.bags)).toEqual(request);
  });

  it('sends only the bags of the zones its lines travel in, and keeps every parcel within what a courier takes', () => {
    const order = packed();
    const milk = order.lines[0]!;
    const request = bookingRequestOf(order, store, 'SHIP2', [{ lineId: milk.lineId, sku: milk.sku, quantity: 200 }], order.packing!.bags);
    expect(request.parcels).toEqual([{ reference: order.packing!.bags[0]!.label, weightGrams: MAX_PARCEL_GRAMS, temperature: 'ambient', description: 'Groceries, ambient' }]);
    expect(request.ageVerification).toBe(false);
  });

  it('names the recipient of the order’s delivery snapshot, with their phone and instructions, and only in the delivery', () => {
    const order = packed();
    const recipient = { name: 'Alice Example', phone: '+447700900123', instructions: 'Ring the top bell' };
    const delivery = { mode: 'delivery' as const, slotId: '2030-03-05T17:00Z~delivery', address: { line1: '4 Bermondsey Square', city: 'London', postcode: 'SE1 3UN', country: 'GB' }, recipient };
    const request = bookingRequestOf({ ...order, fulfillment: delivery }, store, 'SHIP3', [], order.packing!.bags);
    expect(BookingRequest.parse(request)).toEqual(request);
    expect(request.delivery).toMatchObject({ recipient: { name: 'Alice Example', phone: '+447700900123' }, instructions: 'Ring the top bell' });
    // The courier's metadata, references and parcels carry none of it.
    const { delivery: _delivery, ...rest } = request;
    for (const personal of ['Alice', '+447700900123', 'bell']) expect(JSON.stringify(rest)).not.toContain(personal);

    // Without a recipient (an inline address, an order from before): the order names the parcel, no phone, no instructions.
    const unnamed = bookingRequestOf(order, store, 'SHIP3', [], order.packing!.bags);
    expect(unnamed.delivery.recipient).toEqual({ name: `SmartShelf order ${order.id}` });
    expect(unnamed.delivery).not.toHaveProperty('instructions');
  });

  it('refuses an order that is not a packed delivery order', () => {
    expect(() => bookingRequestOf(anOrder({ status: 'completed' }), store, 'S', [], [])).toThrow(/not a packed delivery order/);
  });
});

describe('shipmentIdOf', () => {
  it('is a ULID-shaped id, the same for the same order and request and another for another', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (orderId, key, other) => {
        const id = shipmentIdOf(orderId, key);
        expect(Id.safeParse(id).success).toBe(true);
        expect(shipmentIdOf(orderId, key)).toBe(id);
        if (other !== key) expect(shipmentIdOf(orderId, other)).not.toBe(id);
      }),
    );
  });
});
