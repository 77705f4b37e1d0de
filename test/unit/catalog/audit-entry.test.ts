import { describe, expect, it } from 'vitest';
import { attributedTo, auditActor, auditItem, systemActor } from '../../../shared/audit/audit-entry.js';
import { priceChangeAuditItem } from '../../../shared/catalog/price-changes.js';

const at = '2026-03-14T09:26:53.589Z';

describe('audit items', () => {
  it('files a price change under its product and under its day, with prices keyed by SKU', () => {
    const item = priceChangeAuditItem(
      'P1',
      [{ sku: 'BEANS-415', before: { amount: 120, currency: 'GBP' }, after: { amount: 135, currency: 'GBP' } }],
      { actor: 'user-7', actorKind: 'person', correlationId: 'req-7' },
      at,
    );
    expect(item).toMatchObject({
      pk: 'AUDIT#product#P1',
      sk: expect.stringMatching(/^AT#2026-03-14T09:26:53\.589Z#/),
      gsi1pk: 'AUDIT#2026-03-14',
      gsi1sk: expect.stringMatching(/^2026-03-14T09:26:53\.589Z#/),
      gsi2pk: 'AUDIT_ACTOR#user-7',
      gsi2sk: expect.stringMatching(/^2026-03-14T09:26:53\.589Z#/),
      entityType: 'AuditEntry',
      schemaVersion: 2,
      entity: 'product',
      entityId: 'P1',
      action: 'price-changed',
      actor: 'user-7',
      actorKind: 'person',
      correlationId: 'req-7',
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

  it('names the kind of an actor its caller did not: an API key is an integration, a job the system, anyone else a person', () => {
    const kindOf = (actor: string) => auditItem({ entity: 'product', entityId: 'P1', action: 'x', actor, at, before: {}, after: {} }).actorKind;
    expect(['client:till-7', 'import:01J', 'checkout-saga', 'seed', 'courier:dpd', 'system:retention', 'user-7', 'seedling'].map(kindOf)).toEqual([
      'integration',
      'system',
      'system',
      'system',
      'system',
      'system',
      'person',
      'person',
    ]);
    expect(auditItem({ entity: 'product', entityId: 'P1', action: 'x', actor: 'seed', actorKind: 'person', at, before: {}, after: {} }).actorKind).toBe('person');
  });

  it('takes a principal as a person or an integration, and keeps no correlation id that is not there', () => {
    expect(auditActor({ subject: 'u-1', kind: 'user' }, 'c-1')).toEqual({ actor: 'u-1', actorKind: 'person', correlationId: 'c-1' });
    expect(auditActor({ subject: 'client:feed', kind: 'integration' }, undefined)).toMatchObject({ actor: 'client:feed', actorKind: 'integration' });
    const item = auditItem({ ...attributedTo(systemActor('seed')), entity: 'product', entityId: 'P1', action: 'x', at, before: {}, after: {} });
    expect(item).not.toHaveProperty('correlationId');
    expect(item.actorKind).toBe('system');
  });

  it('refuses a malformed entry instead of writing it', () => {
    expect(() => auditItem({ entity: 'Product!', entityId: 'P1', action: 'x', actor: 'u', at: 'yesterday', before: {}, after: {} })).toThrow();
  });
});
