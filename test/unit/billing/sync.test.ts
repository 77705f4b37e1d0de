import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BillingPermanentError, BillingTransientError } from '../../../shared/billing/client.js';
import {
  BILLING_RETRY,
  creditNoteRequestOf,
  FEES_SKU,
  invoiceRequestOf,
  refundsToCredit,
  retryDelayMs,
  withBillingRetries,
  type RetryPolicy,
} from '../../../shared/billing/sync.js';
import { BillingSyncDirectMessage, BillingSyncMessage } from '../../../shared/billing/sync-messages.js';
import { anOrder } from '../orders/fixtures.js';

/** A clock that only moves when the code under test sleeps, so budgets are exact. */
function fakeTime(random = 0.5) {
  let now = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    deps: (retry: RetryPolicy = BILLING_RETRY) => ({
      retry,
      random: () => random,
      clock: () => now,
      sleep: (ms: number) => {
        sleeps.push(ms);
        now += ms;
        return Promise.resolve();
      },
    }),
  };
}

describe('retryDelayMs', () => {
  it('doubles from the base with equal jitter, capped', () => {
    const policy: RetryPolicy = { attempts: 10, budgetMs: 60_000, baseDelayMs: 500, maxDelayMs: 4_000 };
    expect([1, 2, 3, 4, 5].map((attempt) => retryDelayMs(policy, attempt, 0))).toEqual([250, 500, 1000, 2000, 2000]);
    expect([1, 2, 3, 4, 5].map((attempt) => retryDelayMs(policy, attempt, 0.999999))).toEqual([500, 1000, 2000, 4000, 4000]);
  });

  it('never waits less than Retry-After, nor less than half the exponential step, nor more than the cap or Retry-After', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.option(fc.integer({ min: 0, max: 120 }), { nil: undefined }),
        (attempt, random, retryAfter) => {
          const delay = retryDelayMs(BILLING_RETRY, attempt, random, retryAfter);
          const step = Math.min(BILLING_RETRY.maxDelayMs, BILLING_RETRY.baseDelayMs * 2 ** (attempt - 1));
          expect(delay).toBeGreaterThanOrEqual(Math.floor(step / 2));
          if (retryAfter !== undefined) expect(delay).toBeGreaterThanOrEqual(retryAfter * 1000);
          expect(delay).toBeLessThanOrEqual(Math.max(step, (retryAfter ?? 0) * 1000));
        },
      ),
    );
  });
});

describe('withBillingRetries', () => {
  it('retries transient failures with backoff and returns the first success', async () => {
    const time = fakeTime();
    let calls = 0;
    const result = await withBillingRetries(
      'test',
      () => {
        calls += 1;
        return calls < 3 ? Promise.reject(new BillingTransientError('503', undefined, 503)) : Promise.resolve('ok');
      },
      time.deps(),
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);
    expect(time.sleeps).toEqual([375, 750]);
  });

  it('gives up after the policy’s tries with the last transient error', async () => {
    const time = fakeTime();
    let calls = 0;
    const failing = () => {
      calls += 1;
      return Promise.reject(new BillingTransientError(`503 #${calls}`));
    };
    await expect(withBillingRetries('test', failing, time.deps())).rejects.toThrow('503 #3');
    expect(calls).toBe(BILLING_RETRY.attempts);
  });

  it('waits as long as Retry-After asks, and gives up at once when that would overrun the budget', async () => {
    const time = fakeTime();
    let calls = 0;
    const limited = (retryAfterSeconds: number) => () => {
      calls += 1;
      return calls === 1 ? Promise.reject(new BillingTransientError('429', retryAfterSeconds, 429)) : Promise.resolve('ok');
    };
    await expect(withBillingRetries('test', limited(7), time.deps())).resolves.toBe('ok');
    expect(time.sleeps).toEqual([7_000]);

    calls = 0;
    await expect(withBillingRetries('test', limited(30), time.deps())).rejects.toBeInstanceOf(BillingTransientError);
    expect(calls).toBe(1);
    expect(time.sleeps).toEqual([7_000]);
  });

  it('stays within the budget: the waits never add up past it', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.option(fc.integer({ min: 0, max: 15 }), { nil: undefined }), { minLength: 1, maxLength: 10 }), async (retryAfters) => {
        const time = fakeTime(0.9);
        let calls = 0;
        const policy: RetryPolicy = { attempts: 10, budgetMs: 20_000, baseDelayMs: 500, maxDelayMs: 8_000 };
        await withBillingRetries('test', () => Promise.reject(new BillingTransientError('503', retryAfters[calls++ % retryAfters.length])), time.deps(policy)).catch(
          () => undefined,
        );
        expect(time.sleeps.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(policy.budgetMs);
      }),
    );
  });

  it('does not retry a permanent error', async () => {
    const time = fakeTime();
    let calls = 0;
    const refused = () => {
      calls += 1;
      return Promise.reject(new BillingPermanentError('422', 422));
    };
    await expect(withBillingRetries('test', refused, time.deps())).rejects.toBeInstanceOf(BillingPermanentError);
    expect(calls).toBe(1);
    expect(time.sleeps).toEqual([]);
  });
});

describe('invoiceRequestOf', () => {
  const completed = anOrder({
    status: 'completed',
    channel: 'pos',
    posReference: 'TILL-7/0042',
    payment: { authorized: 1090, captured: 1048, refunded: 0, status: 'captured', intentId: 'pi_1' },
    // 42 of the tax is the milk's, 25 the fee's (20 % of 150, prices including tax).
    totals: { currency: 'GBP', taxMode: 'inclusive', subtotal: 850, discount: 20, tax: 67, fees: 150, total: 1000, authorizationTotal: 1090 },
    loyalty: { pointsRedeemed: 100, redemptionAmount: 10, pointsEarned: 0 },
  });

  it('invoices what was handed over at the picked price, fees as their own line with their tax, and the captured total', () => {
    const [milk, cheddar] = completed.lines;
    const order = {
      ...completed,
      lines: [
        { ...milk!, tax: { rateBasisPoints: 2000, amount: 42 } },
        { ...cheddar!, picked: { quantity: { grams: 540 }, total: 648, tax: 18 } },
      ],
    };
    expect(invoiceRequestOf(order, 'cus_1')).toEqual({
      orderId: order.id,
      billingCustomerId: 'cus_1',
      customerReference: 'shopper-1',
      currency: 'GBP',
      lines: [
        { sku: 'MILK-1', description: 'Milk', quantity: 2, amount: 250, tax: 42 },
        { sku: 'CHEDDAR-1', description: 'Cheddar', quantity: 540, amount: 648, tax: 18 },
        { sku: FEES_SKU, description: 'Delivery and service fees', quantity: 1, amount: 150, tax: 25 },
      ],
      discount: 30,
      tax: 85,
      total: 1048,
      metadata: { storeId: 'store-1', channel: 'pos', posReference: 'TILL-7/0042' },
    });
  });

  it('charges the fee with its tax on top when prices exclude tax, so the lines add up to the captured total', () => {
    const [milk, cheddar] = completed.lines;
    const order = {
      ...completed,
      lines: [{ ...milk!, tax: { rateBasisPoints: 2000, amount: 42 } }, cheddar!],
      totals: { ...completed.totals, taxMode: 'exclusive' as const, fees: 125 },
      payment: { ...completed.payment, captured: 250 + 600 + 150 },
    };
    const request = invoiceRequestOf(order);
    expect(request.lines.at(-1)).toEqual({ sku: FEES_SKU, description: 'Delivery and service fees', quantity: 1, amount: 150, tax: 25 });
    expect(request.lines.reduce((sum, line) => sum + line.amount, 0)).toBe(request.total);
    expect(request.tax).toBe(67);
  });

  it('leaves out lines nothing was handed over for, names substitutes, and omits what the order does not have', () => {
    const [milk, cheddar] = completed.lines;
    const order = {
      ...completed,
      posReference: undefined,
      totals: { ...completed.totals, fees: 0, tax: 0 },
      lines: [
        { ...milk!, picked: { total: 0, tax: 0 } },
        { ...cheddar!, picked: { quantity: { grams: 480 }, substitute: { sku: 'GOUDA-1', productId: '01JBQ8Y00000000000000000B9', name: 'Gouda' }, total: 576, tax: 0 } },
      ],
    };
    const request = invoiceRequestOf(order);
    expect(request.lines).toEqual([{ sku: 'GOUDA-1', description: 'Gouda', quantity: 480, amount: 576, tax: 0 }]);
    expect(request).not.toHaveProperty('billingCustomerId');
    expect(request.metadata).toEqual({ storeId: 'store-1', channel: 'pos' });
  });
});

describe('creditNoteRequestOf', () => {
  const order = anOrder({
    status: 'partially-refunded',
    lines: anOrder().lines.map((line, i) => (i === 0 ? { ...line, tax: { rateBasisPoints: 2000, amount: 42 } } : line)),
    totals: { currency: 'GBP', taxMode: 'inclusive', subtotal: 850, discount: 0, tax: 67, fees: 150, total: 1000, authorizationTotal: 1090 },
    payment: { authorized: 1090, captured: 1000, refunded: 250, refundedTax: 42, status: 'partially-refunded', intentId: 'pi_1' },
  });
  const invoice = { invoiceReference: 'in_1', currency: 'GBP' };

  it('credits a refund with the tax and the lines it was recorded with', () => {
    const lines = [{ lineId: order.lines[0]!.lineId, sku: 'MILK-1', description: 'Milk', quantity: 2, amount: 250, tax: 42 }];
    expect(creditNoteRequestOf(order, invoice, { refundRef: 'ret-1', refundId: 're_1', amount: 250, tax: 42, lines, reason: 'sour' })).toEqual({
      orderId: order.id,
      invoiceReference: 'in_1',
      refundRef: 'ret-1',
      currency: 'GBP',
      amount: 250,
      tax: 42,
      lines: [{ sku: 'MILK-1', description: 'Milk', quantity: 2, amount: 250, tax: 42 }],
      reason: 'sour',
    });
  });

  it('gives a refund recorded without its tax its share of the captured tax, on one line, the same on every retry', () => {
    const request = creditNoteRequestOf(order, invoice, { refundRef: 'old', refundId: 're_0', amount: 100 });
    expect(request).toMatchObject({ amount: 100, tax: 7, lines: [{ sku: 'REFUND', description: 'Refund', quantity: 1, amount: 100, tax: 7 }] });
    expect(creditNoteRequestOf(order, invoice, { refundRef: 'old', refundId: 're_0', amount: 100 })).toEqual(request);
  });
});

describe('refundsToCredit', () => {
  it('is the refunds without a credit note, in order', () => {
    const refunds = ['a', 'b', 'c'].map((refundRef, i) => ({ refundRef, refundId: `re_${i}`, amount: 100 }));
    expect(refundsToCredit(refunds, new Set(['b'])).map((r) => r.refundRef)).toEqual(['a', 'c']);
    expect(refundsToCredit(refunds, new Set(['a', 'b', 'c']))).toEqual([]);
  });
});

describe('billing-sync messages', () => {
  it('accepts the direct messages and refuses anything else', () => {
    expect(BillingSyncDirectMessage.parse({ kind: 'invoice', orderId: 'o-1' })).toEqual({ kind: 'invoice', orderId: 'o-1' });
    expect(BillingSyncDirectMessage.parse({ kind: 'subscription', subscriptionId: 's-1' })).toEqual({ kind: 'subscription', subscriptionId: 's-1' });
    expect(BillingSyncDirectMessage.safeParse({ kind: 'invoice' }).success).toBe(false);
    expect(BillingSyncDirectMessage.safeParse({ kind: 'invoice', orderId: 'o-1', extra: 1 }).success).toBe(false);
    expect(BillingSyncMessage.safeParse({ kind: 'refund', orderId: 'o-1' }).success).toBe(false);
  });

  it('accepts order events in their EventBridge envelope', () => {
    const envelope = {
      version: '0',
      id: 'eb-1',
      'detail-type': 'order.completed',
      source: 'smartshelf.orders',
      detail: {
        id: 'evt-1',
        version: 1,
        occurredAt: '2030-03-04T09:00:00.000Z',
        data: {
          orderId: 'o-1',
          shopperId: 'shopper-1',
          storeId: 'store-1',
          currency: 'GBP',
          lines: [{ sku: 'MILK-1', productId: 'p-1', quantity: 2, total: 250 }],
          total: 250,
          tax: 0,
          completedAt: '2030-03-04T09:00:00.000Z',
        },
      },
    };
    expect(BillingSyncMessage.safeParse(envelope).success).toBe(true);
    expect(BillingSyncMessage.safeParse({ ...envelope, 'detail-type': 'order.shipped' }).success).toBe(false);
  });
});
