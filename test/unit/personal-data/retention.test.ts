import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CART_IDLE_DAYS } from '../../../shared/carts/repository.js';
import { DEFAULT_RETENTION, RETENTION_BY_JURISDICTION, retentionCutoff, retentionFor } from '../../../shared/personal-data/retention.js';

describe('retention periods per jurisdiction', () => {
  it('keeps GB financial records six years under the VAT Act, with the basis written beside the period', () => {
    const gb = retentionFor('GB').financialRecords;
    expect(gb.days).toBeGreaterThanOrEqual(6 * 365 + 1);
    expect(gb.basis).toMatch(/VAT Act 1994 Sch 11 para 6/);
  });

  it('reads a region by its country, and falls back to the strictest default for an unknown country', () => {
    expect(retentionFor('GB-SCT')).toBe(RETENTION_BY_JURISDICTION.GB);
    expect(retentionFor('US-NY')).toBe(DEFAULT_RETENTION);
    const longest = Math.max(...Object.values(RETENTION_BY_JURISDICTION).map((r) => r.financialRecords.days));
    expect(DEFAULT_RETENTION.financialRecords.days).toBeGreaterThanOrEqual(longest);
  });

  it('gives every period of every jurisdiction a positive length and a legal basis or reason', () => {
    for (const rules of [...Object.values(RETENTION_BY_JURISDICTION), DEFAULT_RETENTION]) {
      for (const period of Object.values(rules)) {
        expect(period.days).toBeGreaterThan(0);
        expect(period.basis.length).toBeGreaterThan(10);
      }
    }
  });

  it('states the carts period that the carts TTL enforces', () => {
    expect(retentionFor('GB').abandonedCarts.days).toBe(CART_IDLE_DAYS);
  });

  it('puts the cutoff exactly the period before now', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4000 }), fc.integer({ min: 0, max: 4_000_000_000_000 }), (days, ms) => {
        const now = new Date(ms);
        const cutoff = retentionCutoff({ days, basis: 'test' }, now);
        expect(now.getTime() - cutoff.getTime()).toBe(days * 86_400_000);
      }),
    );
  });
});
