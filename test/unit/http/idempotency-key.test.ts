import { describe, expect, it } from 'vitest';
import { idempotencyScope, requireIdempotencyKey } from '../../../shared/http/idempotency-key.js';

describe('idempotencyScope', () => {
  const route = { method: 'POST', path: '/carts/{id}/items' };

  it('scopes a key to the path as called, so one key on two carts is two requests', () => {
    const a = idempotencyScope(route, { id: 'cart-a' }, 'shopper-1', 'k1');
    const b = idempotencyScope(route, { id: 'cart-b' }, 'shopper-1', 'k1');
    expect(a).toBe('POST /carts/cart-a/items shopper-1 k1');
    expect(b).not.toBe(a);
  });

  it('is the same for a retry of the same request', () => {
    expect(idempotencyScope(route, { id: 'cart-a' }, 'shopper-1', 'k1')).toBe(idempotencyScope(route, { id: 'cart-a' }, 'shopper-1', 'k1'));
  });

  it('keeps callers apart, and names an anonymous caller', () => {
    expect(idempotencyScope(route, { id: 'c' }, 'shopper-1', 'k')).not.toBe(idempotencyScope(route, { id: 'c' }, 'shopper-2', 'k'));
    expect(idempotencyScope({ method: 'POST', path: '/webhooks/orders' }, null, undefined, 'k')).toBe('POST /webhooks/orders anonymous k');
  });

  it('encodes parameter values, so a value holding a slash cannot stand for another path', () => {
    const forged = idempotencyScope({ method: 'POST', path: '/orders/{id}/returns' }, { id: 'x/returns' }, 's', 'k');
    expect(forged).toBe('POST /orders/x%2Freturns/returns s k');
    expect(forged).not.toBe(idempotencyScope({ method: 'POST', path: '/orders/{id}/returns' }, { id: 'x' }, 's', 'k'));
  });
});

describe('requireIdempotencyKey', () => {
  it('returns the trimmed key and refuses a missing or overlong one', () => {
    expect(requireIdempotencyKey({ 'idempotency-key': ' abc ' })).toBe('abc');
    expect(() => requireIdempotencyKey({})).toThrow(/Idempotency-Key/);
    expect(() => requireIdempotencyKey({ 'idempotency-key': 'x'.repeat(256) })).toThrow(/longer than 255/);
  });
});
