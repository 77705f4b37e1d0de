import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pointsToTakeBack, takeFromBalance } from '../../../shared/loyalty/clawback.js';

const refundOf = fc.integer({ min: 1, max: 10_000_000 }).chain((captured) => fc.tuple(fc.integer({ min: 0, max: 1_000_000 }), fc.constant(captured), fc.integer({ min: 0, max: captured })));

describe('points taken back by a refund', () => {
  it('keeps what the unrefunded share of the payment earns, rounded down, and takes back everything for a full refund', () => {
    expect(pointsToTakeBack(35, 1000, 3949)).toBe(9);
    expect(pointsToTakeBack(35, 3949, 3949)).toBe(35);
    expect(pointsToTakeBack(35, 0, 3949)).toBe(0);
    expect(pointsToTakeBack(35, 1, 3949)).toBe(1);
    expect(pointsToTakeBack(0, 3949, 3949)).toBe(0);
    expect(pointsToTakeBack(35, 5000, 3949)).toBe(35);
  });

  it('is never negative nor more than was earned, all of it for a full refund, nothing for no refund', () => {
    fc.assert(
      fc.property(refundOf, ([earned, captured, refunded]) => {
        const back = pointsToTakeBack(earned, refunded, captured);
        expect(Number.isInteger(back)).toBe(true);
        expect(back).toBeGreaterThanOrEqual(0);
        expect(back).toBeLessThanOrEqual(earned);
        expect(pointsToTakeBack(earned, captured, captured)).toBe(earned);
        expect(pointsToTakeBack(earned, 0, captured)).toBe(0);
      }),
    );
  });

  it('never shrinks as more is refunded, so a late event for a smaller refund takes nothing more', () => {
    fc.assert(
      fc.property(refundOf, fc.integer({ min: 0, max: 10_000_000 }), ([earned, captured, refunded], more) => {
        expect(pointsToTakeBack(earned, Math.min(captured, refunded + more), captured)).toBeGreaterThanOrEqual(pointsToTakeBack(earned, refunded, captured));
      }),
    );
  });

  it('takes back no more than the refunded share rounded up', () => {
    fc.assert(
      fc.property(refundOf, ([earned, captured, refunded]) => {
        expect(pointsToTakeBack(earned, refunded, captured)).toBeLessThanOrEqual(Math.ceil((earned * refunded) / captured));
      }),
    );
  });
});

describe('taking points from a balance', () => {
  it('takes what the balance has, never below zero, and records the rest as a shortfall', () => {
    expect(takeFromBalance(50, 35)).toEqual({ taken: 35, shortfall: 0 });
    expect(takeFromBalance(5, 35)).toEqual({ taken: 5, shortfall: 30 });
    expect(takeFromBalance(0, 35)).toEqual({ taken: 0, shortfall: 35 });
    fc.assert(
      fc.property(fc.nat(1_000_000), fc.nat(1_000_000), (balance, due) => {
        const { taken, shortfall } = takeFromBalance(balance, due);
        expect(taken + shortfall).toBe(due);
        expect(taken).toBeGreaterThanOrEqual(0);
        expect(balance - taken).toBeGreaterThanOrEqual(0);
        expect(shortfall === 0 || taken === balance).toBe(true);
      }),
    );
  });
});
