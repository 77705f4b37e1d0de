import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signRequest, signWebhook, verifyRequest, verifyWebhook } from '../../../shared/billing/signing.js';

const AT = Date.UTC(2026, 10, 26, 6, 0, 0);
const seconds = AT / 1000;
const body = JSON.stringify({ id: 'evt_1', type: 'invoice.paid', created: seconds, data: { object: { invoiceReference: 'in_1' } } });

describe('signWebhook', () => {
  it('signs "<t>.<body>" with HMAC-SHA256, one v1 per key, in the header the contract names', () => {
    const expected = createHmac('sha256', 'whsec_new').update(`${seconds}.${body}`).digest('hex');
    const old = createHmac('sha256', 'whsec_old').update(`${seconds}.${body}`).digest('hex');
    expect(signWebhook(body, 'whsec_new', AT)).toBe(`t=${seconds},v1=${expected}`);
    expect(signWebhook(body, ['whsec_new', 'whsec_old'], new Date(AT))).toBe(`t=${seconds},v1=${expected},v1=${old}`);
    expect(signWebhook(body, { current: 'whsec_new', previous: 'whsec_old' }, AT)).toBe(`t=${seconds},v1=${expected},v1=${old}`);
  });
});

describe('verifyWebhook', () => {
  it('accepts a fresh webhook signed with a key it holds', () => {
    expect(verifyWebhook(body, signWebhook(body, 'k1', AT), 'k1', AT + 1000)).toBe('ok');
    expect(verifyWebhook(body, signWebhook(body, 'k1', AT), { current: 'k1' }, new Date(AT + 299_000))).toBe('ok');
  });

  it('during a rotation accepts the new key and the old, then only the new once the old is retired', () => {
    const byOld = signWebhook(body, 'k_old', AT);
    const byNew = signWebhook(body, 'k_new', AT);
    const byBoth = signWebhook(body, ['k_new', 'k_old'], AT);
    const rotating = { current: 'k_new', previous: 'k_old' };
    expect([byOld, byNew, byBoth].map((h) => verifyWebhook(body, h, rotating, AT))).toEqual(['ok', 'ok', 'ok']);
    const retired = { current: 'k_new' };
    expect([byOld, byNew, byBoth].map((h) => verifyWebhook(body, h, retired, AT))).toEqual(['bad-signature', 'ok', 'ok']);
  });

  it('calls a genuine webhook dated beyond the tolerance either way stale, and a forged one bad whatever its age', () => {
    const old = signWebhook(body, 'k1', AT - 301_000);
    expect(verifyWebhook(body, old, 'k1', AT)).toBe('stale');
    // Dated in the future: a signature made ahead of time must not stay usable for ever.
    expect(verifyWebhook(body, signWebhook(body, 'k1', AT + 301_000), 'k1', AT)).toBe('stale');
    expect(verifyWebhook(body, signWebhook(body, 'k1', AT + 299_000), 'k1', AT)).toBe('ok');
    expect(verifyWebhook(body, old, 'k1', AT, 600)).toBe('ok');
    expect(verifyWebhook(body, signWebhook(body, 'forger', AT - 301_000), 'k1', AT)).toBe('bad-signature');
  });

  it('refuses a tampered body, a moved timestamp, and missing or malformed headers', () => {
    const header = signWebhook(body, 'k1', AT);
    expect(verifyWebhook(body.replace('in_1', 'in_2'), header, 'k1', AT)).toBe('bad-signature');
    expect(verifyWebhook(body, header.replace(`t=${seconds}`, `t=${seconds + 1}`), 'k1', AT)).toBe('bad-signature');
    for (const bad of [undefined, '', 'v1=abc', `t=${seconds}`, `t=x,v1=${'0'.repeat(64)}`, `t=${seconds},t=${seconds},${header.split(',')[1]}`]) {
      expect(verifyWebhook(body, bad, 'k1', AT), String(bad)).toBe('bad-signature');
    }
    expect(verifyWebhook(body, header, [], AT)).toBe('bad-signature');
    expect(verifyWebhook(body, signWebhook(body, '', AT), '', AT)).toBe('bad-signature');
  });

  it('accepts any body signed with its key and refuses it under any other key', () => {
    fc.assert(
      fc.property(fc.string(), fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (raw, key, other) => {
        const header = signWebhook(raw, key, AT);
        expect(verifyWebhook(raw, header, key, AT)).toBe('ok');
        if (other !== key) expect(verifyWebhook(raw, header, other, AT)).toBe('bad-signature');
      }),
    );
  });
});

describe('request signatures', () => {
  const request = { method: 'post', path: '/billing/invoices', body: '{"orderId":"o1"}' };

  it('sign "<timestamp>.<METHOD>.<path>.<body>" as X-Signature v1=<hex>', () => {
    const headers = signRequest(request, 'sign_key', AT);
    const hex = createHmac('sha256', 'sign_key').update(`${seconds}.POST./billing/invoices.{"orderId":"o1"}`).digest('hex');
    expect(headers).toEqual({ 'X-Signature-Timestamp': String(seconds), 'X-Signature': `v1=${hex}` });
  });

  it('verify: ok when fresh, stale beyond the tolerance either way, bad when anything signed was changed', () => {
    const headers = signRequest(request, 'sign_key', AT);
    const given = { timestamp: headers['X-Signature-Timestamp'], signature: headers['X-Signature'] };
    expect(verifyRequest(request, given, 'sign_key', AT + 5000)).toBe('ok');
    expect(verifyRequest(request, given, 'sign_key', AT + 301_000)).toBe('stale');
    expect(verifyRequest(request, given, 'sign_key', AT - 301_000)).toBe('stale');
    expect(verifyRequest({ ...request, method: 'PUT' }, given, 'sign_key', AT)).toBe('bad-signature');
    expect(verifyRequest({ ...request, path: '/billing/credit-notes' }, given, 'sign_key', AT)).toBe('bad-signature');
    expect(verifyRequest({ ...request, body: '{"orderId":"o2"}' }, given, 'sign_key', AT)).toBe('bad-signature');
    expect(verifyRequest(request, given, 'other_key', AT)).toBe('bad-signature');
    expect(verifyRequest(request, { timestamp: undefined, signature: given.signature }, 'sign_key', AT)).toBe('bad-signature');
    expect(verifyRequest(request, { timestamp: given.timestamp, signature: undefined }, 'sign_key', AT)).toBe('bad-signature');
  });
});
