import { describe, expect, it } from 'vitest';
import { auditItem } from '../../../shared/audit/audit-entry.js';
import { priceChangeAuditItem } from '../../../shared/catalog/price-changes.js';

const at = '2026-03-14T09:26:53.589Z';

describe('audit items', () => {
  it('files a price change under its product and under its day, with prices keyed by SKU', () => {
    const item = priceChangeAuditItem(
      'P1',
      [{ sku: 'BEANS-415', before: { amount: 120, currency: 'GBP' }, after: { amount: 135, currency: 'GBP' } }],
      'user-7',
      at,
    );
    expect(item).toMatchObject({
      pk: 'AUDIT#product#P1',
      sk: expect.stringMatching(/^AT#2026-03-14T09:26:53\.589Z#/),
      gsi1pk: 'AUDIT#2026-03-14',
      gsi1sk: expect.stringMatching(/^2026-03-14T09:26:53\.589Z#/),
      entityType: 'AuditEntry',
      schemaVersion: 1,
      entity: 'product',
      entityId: 'P1',
      action: 'price-changed',
      actor: 'user-7',
      at,
      before: { 'BEANS-415': { amount: 120, currency: 'GBP' } },
      after: { 'BEANS-415': { amount: 135, currency: 'GBP' } },
    });
    expect(item.sk).toBe(`AT#${at}#${item.id as string}`);
  });

  it('gives two entries at the same instant distinct keys', () => {
    const entry = { entity: 'product', entityId: 'P1', action: 'price-changed', actor: 'u', at, before: {}, after: {} };
    expect(auditItem(entry).sk).not.toBe(auditItem(entry).sk);
  });

  it('refuses a malformed entry instead of writing it', () => {
    expect(() => auditItem({ entity: 'Product!', entityId: 'P1', action: 'x', actor: 'u', at: 'yesterday', before: {}, after: {} })).toThrow();
  });
});
