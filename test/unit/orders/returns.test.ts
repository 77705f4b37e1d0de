import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../shared/errors.js';
import { chargedLines } from '../../../shared/orders/charges.js';
import { RETURN_POLICY, returnDecision, ruleFor, type ReturnReason } from '../../../shared/orders/return-policy.js';
import { Id } from '../../../shared/catalog/model.js';
import { lineRefundShare, planReturn, receivedGoods, returnIdOf, ReturnNotAllowedError, returnView, type OrderReturn, type ReturnRequest } from '../../../shared/orders/returns.js';
import { AT } from './fixtures.js';
import { aReceivedOrder, CHEDDAR, GOODS, MILK, WASHING_UP } from './return-fixtures.js';

const days = (n: number) => new Date(AT.getTime() + n * 86_400_000);
const context = (now = days(1), returned: ReadonlyMap<string, number> = new Map()) => ({ goods: GOODS, returned, policy: RETURN_POLICY, now });

function fieldsOf(call: () => unknown): { field: string; message: string }[] {
  try {
    call();
  } catch (error) {
    if (error instanceof ValidationError || error instanceof ReturnNotAllowedError) return error.fields ?? [];
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('the returns policy', () => {
  const decide = (goods: Parameters<typeof ruleFor>[1], reason: ReturnReason, after: number) => returnDecision(RETURN_POLICY, goods, reason, AT, days(after));

  it('never takes medicines back', () => {
    expect(decide({ categoryPath: 'health-beauty/medicines', taxCategory: 'non-food' }, 'faulty', 0)).toEqual({ returnable: false, why: 'medicines cannot be returned' });
  });

  it('refunds fresh food without it coming back, for 3 days, when it was not what was paid for', () => {
    const milk = { categoryPath: 'dairy-eggs/milk-cream', taxCategory: 'food' } as const;
    expect(decide(milk, 'past-date', 3)).toMatchObject({ returnable: true, handling: 'refund-only', rule: 'fresh food' });
    expect(decide(milk, 'past-date', 3.01)).toMatchObject({ returnable: false, why: expect.stringContaining('within 3 days') });
    expect(decide(milk, 'changed-mind', 1)).toMatchObject({ returnable: false, why: expect.stringContaining('not changed-mind') });
  });

  it('treats anything that travelled chilled or frozen as fresh, whatever its category', () => {
    expect(decide({ categoryPath: 'pantry/tins', taxCategory: 'food', zone: 'frozen' }, 'damaged', 1)).toMatchObject({ handling: 'refund-only' });
    expect(decide({ categoryPath: 'pantry/tins', taxCategory: 'food', zone: 'ambient' }, 'damaged', 1)).toMatchObject({ handling: 'send-back' });
  });

  it('takes alcohol back only when it was not what was paid for, other goods for any reason, within 30 days', () => {
    const wine = { categoryPath: 'drinks/beer-wine/wine', taxCategory: 'alcohol' } as const;
    expect(decide(wine, 'changed-mind', 1)).toMatchObject({ returnable: false });
    expect(decide(wine, 'faulty', 1)).toMatchObject({ returnable: true, handling: 'send-back', rule: 'alcohol' });
    const mop = { categoryPath: 'household/cleaning', taxCategory: 'non-food' } as const;
    expect(decide(mop, 'changed-mind', 30)).toMatchObject({ returnable: true, handling: 'send-back', rule: 'other goods' });
    expect(decide(mop, 'changed-mind', 30.5)).toMatchObject({ returnable: false });
    expect(decide({}, 'damaged', 1)).toMatchObject({ rule: 'other goods' });
  });

  it('matches a category by its path, not a prefix of a word', () => {
    expect(ruleFor(RETURN_POLICY, { categoryPath: 'frozen-yoghurt-machines' }).name).toBe('other goods');
    expect(ruleFor(RETURN_POLICY, { categoryPath: 'frozen/ice-cream' }).name).toBe('fresh food');
  });
});

describe('what the shopper received', () => {
  it('is what delivered shipments carried, with their stock, from the delivery', () => {
    const received = receivedGoods(aReceivedOrder());
    expect(received.get(WASHING_UP)).toEqual({ quantity: 3, receivedAt: AT.toISOString(), stock: [{ lineId: WASHING_UP, sku: 'WASH-UP-500', quantity: 3 }] });
    expect(received.get(CHEDDAR)?.quantity).toBe(540);
  });

  it('is nothing of a shipment still travelling, and everything handed over once a pickup order is collected', () => {
    const order = aReceivedOrder();
    const travelling = { ...order, shipments: order.shipments!.map((s) => ({ ...s, status: 'out-for-delivery' as const })) };
    expect(receivedGoods(travelling).size).toBe(0);
    const collectedAt = days(2).toISOString();
    const collected = aReceivedOrder({
      fulfillment: { mode: 'pickup', slotId: '2030-03-05T08:00Z~pickup' },
      shipments: [],
      collection: { status: 'collected', readyAt: AT.toISOString(), readyBy: 'pat', codeSalt: 'x'.repeat(16), failedAttempts: 0, collectedAt, collectedBy: 'pat', stockMoves: [] },
    });
    expect([...receivedGoods(collected)].map(([lineId, r]) => [lineId, r.quantity, r.receivedAt])).toEqual([
      [MILK, 2, collectedAt],
      [CHEDDAR, 540, collectedAt],
      [WASHING_UP, 3, collectedAt],
    ]);
  });
});

describe('planReturn', () => {
  const request = (lines: ReturnRequest['lines'], method?: ReturnRequest['method']): ReturnRequest => ({ lines, ...(method ? { method } : {}) });

  it('refunds fresh food at once and has other goods sent back, each line its share of what was paid and of its tax', () => {
    const plan = planReturn(
      aReceivedOrder(),
      request(
        [
          { lineId: MILK, quantity: 1, reason: 'past-date' },
          { lineId: WASHING_UP, quantity: 1, reason: 'changed-mind', note: 'Bought two by mistake' },
        ],
        'collection',
      ),
      context(),
    );
    expect(plan.lines).toEqual([
      { lineId: MILK, sku: 'MILK-1', description: 'Milk', quantity: 1, reason: 'past-date', handling: 'refund-only', rule: 'fresh food', zone: 'chilled', amount: 125, tax: 0, stock: [{ sku: 'MILK-1', quantity: 1 }] },
      {
        lineId: WASHING_UP,
        sku: 'WASH-UP-500',
        description: 'Washing-up liquid 500 ml',
        quantity: 1,
        reason: 'changed-mind',
        note: 'Bought two by mistake',
        handling: 'send-back',
        rule: 'other goods',
        zone: 'ambient',
        amount: 180,
        tax: 30,
        stock: [{ sku: 'WASH-UP-500', quantity: 1 }],
      },
    ]);
    expect([plan.amount, plan.tax]).toEqual([305, 30]);
  });

  it('prices weighed goods by the grams returned, from what earlier returns took', () => {
    const plan = planReturn(aReceivedOrder(), request([{ lineId: CHEDDAR, quantity: 270, reason: 'poor-quality' }]), context(days(1), new Map([[CHEDDAR, 270]])));
    expect(plan.lines[0]).toMatchObject({ quantity: 270, amount: 324, handling: 'refund-only', stock: [{ sku: 'CHEDDAR-1', quantity: 270 }] });
  });

  it('names every field it refuses at once: unknown, repeated, never received, too much', () => {
    const order = aReceivedOrder();
    const undelivered = { ...order, shipments: order.shipments!.map((s) => ({ ...s, lines: s.lines.filter((l) => l.lineId !== CHEDDAR) })) };
    expect(
      fieldsOf(() =>
        planReturn(
          undelivered,
          request(
            [
              { lineId: '01JBQ8Y00000000000000000ZZ', quantity: 1, reason: 'damaged' },
              { lineId: WASHING_UP, quantity: 4, reason: 'damaged' },
              { lineId: WASHING_UP, quantity: 1, reason: 'damaged' },
              { lineId: CHEDDAR, quantity: 10, reason: 'damaged' },
            ],
            'drop-off',
          ),
          context(),
        ),
      ).map((f) => f.field),
    ).toEqual(['body.lines.0.lineId', 'body.lines.1.quantity', 'body.lines.2.lineId', 'body.lines.3.lineId']);
    expect(fieldsOf(() => planReturn(order, request([{ lineId: WASHING_UP, quantity: 1, reason: 'damaged' }], 'drop-off'), context(days(1), new Map([[WASHING_UP, 3]]))))).toEqual([
      { field: 'body.lines.0.quantity', message: expect.stringContaining('returned already') },
    ]);
  });

  it('refuses lines the policy does not allow with a 422 naming each, and asks for a method only when something goes back', () => {
    let refusal: unknown;
    try {
      planReturn(aReceivedOrder(), request([{ lineId: MILK, quantity: 1, reason: 'changed-mind' }, { lineId: WASHING_UP, quantity: 1, reason: 'damaged' }], 'drop-off'), context(days(4)));
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(ReturnNotAllowedError);
    expect((refusal as ReturnNotAllowedError).extensions).toMatchObject({ lines: [{ lineId: MILK, why: expect.stringContaining('fresh food') }] });
    expect((refusal as ReturnNotAllowedError).fields).toEqual([{ field: 'body.lines.0.reason', message: expect.any(String) }]);

    expect(fieldsOf(() => planReturn(aReceivedOrder(), request([{ lineId: WASHING_UP, quantity: 1, reason: 'damaged' }]), context()))).toEqual([
      { field: 'body.method', message: expect.stringContaining('collection or drop-off') },
    ]);
    expect(fieldsOf(() => planReturn(aReceivedOrder(), request([{ lineId: MILK, quantity: 1, reason: 'damaged' }], 'drop-off'), context()))).toEqual([
      { field: 'body.method', message: expect.stringContaining('nothing in this return goes back') },
    ]);
    const collected = aReceivedOrder({
      fulfillment: { mode: 'pickup', slotId: '2030-03-05T08:00Z~pickup' },
      shipments: [],
      collection: { status: 'collected', readyAt: AT.toISOString(), readyBy: 'pat', codeSalt: 'x'.repeat(16), failedAttempts: 0, collectedAt: AT.toISOString() },
    });
    expect(fieldsOf(() => planReturn(collected, request([{ lineId: WASHING_UP, quantity: 1, reason: 'damaged' }], 'collection'), context()))).toEqual([
      { field: 'body.method', message: expect.stringContaining('bring the goods in') },
    ]);
  });

  it('takes the substitute’s product to the policy, and credits what was handed over', () => {
    const order = aReceivedOrder();
    const substituted = {
      ...order,
      lines: order.lines.map((line) =>
        line.lineId === MILK ? { ...line, picked: { ...line.picked!, substitute: { sku: 'SOAP-1', productId: '01JBQ8Y00000000000000000B3', name: 'Soap' } } } : line,
      ),
      packing: undefined,
    };
    const plan = planReturn(substituted, request([{ lineId: MILK, quantity: 2, reason: 'changed-mind' }], 'drop-off'), context());
    expect(plan.lines[0]).toMatchObject({ sku: 'SOAP-1', description: 'Soap', handling: 'send-back', rule: 'other goods', amount: 250 });
  });
});

describe('a line’s refund share', () => {
  it('adds up to exactly what was paid for the line and its tax, however it is returned in parts', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2000 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 0, max: 5000 }),
        fc.array(fc.integer({ min: 1, max: 2000 }), { minLength: 1, maxLength: 6 }),
        (quantity, amount, rate, cuts) => {
          const tax = Math.round((amount * rate) / (10_000 + rate));
          const parts: number[] = [];
          let left = quantity;
          for (const cut of cuts) {
            if (left === 0) break;
            const part = Math.min(left, cut);
            parts.push(part);
            left -= part;
          }
          if (left > 0) parts.push(left);
          let before = 0;
          let sum = { amount: 0, tax: 0 };
          for (const part of parts) {
            const share = lineRefundShare({ amount, tax, quantity }, before, part);
            expect(share.amount).toBeGreaterThanOrEqual(0);
            expect(share.tax).toBeGreaterThanOrEqual(0);
            sum = { amount: sum.amount + share.amount, tax: sum.tax + share.tax };
            before += part;
            expect(sum.amount).toBeLessThanOrEqual(amount);
            expect(sum.tax).toBeLessThanOrEqual(tax);
          }
          expect(sum).toEqual({ amount, tax });
        },
      ),
    );
  });

  it('is the order’s charged line at the whole quantity', () => {
    const washingUp = chargedLines(aReceivedOrder()).find((line) => line.lineId === WASHING_UP)!;
    expect(lineRefundShare(washingUp, 0, 3)).toEqual({ amount: 540, tax: 90 });
    expect([lineRefundShare(washingUp, 0, 1), lineRefundShare(washingUp, 1, 1), lineRefundShare(washingUp, 2, 1)]).toEqual([
      { amount: 180, tax: 30 },
      { amount: 180, tax: 30 },
      { amount: 180, tax: 30 },
    ]);
  });
});

describe('returnIdOf', () => {
  it('names one return per order, caller and key, spelt like a ULID', () => {
    const id = returnIdOf('o-1', 'alice', 'key-1');
    expect(Id.safeParse(id).success).toBe(true);
    expect(returnIdOf('o-1', 'alice', 'key-1')).toBe(id);
    expect(new Set([id, returnIdOf('o-2', 'alice', 'key-1'), returnIdOf('o-1', 'bob', 'key-1'), returnIdOf('o-1', 'alice', 'key-2')]).size).toBe(4);
  });
});

describe('returnView', () => {
  it('shows the shopper the business, not the staff member, for what others did', () => {
    const ret = {
      shopperId: 'alice',
      history: [
        { to: 'awaiting-goods', at: AT.toISOString(), actor: 'alice' },
        { from: 'awaiting-goods', to: 'received', at: AT.toISOString(), actor: 'manager-7' },
      ],
    } as unknown as OrderReturn;
    expect(returnView(ret, { kind: 'shopper', subject: 'alice' }).history.map((c) => c.actor)).toEqual(['alice', 'smartshelf']);
    expect(returnView(ret, { kind: 'staff', subject: 'manager-7', stores: ['s'] }).history.map((c) => c.actor)).toEqual(['alice', 'manager-7']);
  });
});
