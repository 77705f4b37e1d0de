import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import sample from '../../../integration-files/couriers/samples/webhook.tracking.updated.json' with { type: 'json' };
import { signCourierWebhook, verifyCourierSignature } from '../../../shared/couriers/signing.js';
import { CourierWebhookSignatureError, MalformedCourierWebhookError, StaleCourierWebhookError, verifyCourierWebhook } from '../../../shared/couriers/webhooks.js';

const AT = Date.UTC(2026, 10, 27, 17, 2, 45);
const seconds = AT / 1000;
const body = JSON.stringify(sample);

describe('signCourierWebhook', () => {
  it('signs "<t>.<body>" with HMAC-SHA256, one v1 per key, as the contract says', () => {
    const byNew = createHmac('sha256', 'k_new').update(`${seconds}.${body}`).digest('hex');
    const byOld = createHmac('sha256', 'k_old').update(`${seconds}.${body}`).digest('hex');
    expect(signCourierWebhook(body, ['k_new'], AT)).toBe(`t=${seconds},v1=${byNew}`);
    expect(signCourierWebhook(body, ['k_new', 'k_old'], new Date(AT))).toBe(`t=${seconds},v1=${byNew},v1=${byOld}`);
  });
});

describe('verifyCourierSignature', () => {
  it('during a rotation accepts the new key and the old, then only the new once the old is retired', () => {
    const headers = [['k_old'], ['k_new'], ['k_new', 'k_old']].map((keys) => signCourierWebhook(body, keys, AT));
    expect(headers.map((h) => verifyCourierSignature(body, h, ['k_new', 'k_old'], AT))).toEqual(['ok', 'ok', 'ok']);
    expect(headers.map((h) => verifyCourierSignature(body, h, ['k_new'], AT))).toEqual(['bad-signature', 'ok', 'ok']);
  });

  it('calls a genuine webhook dated beyond 300 s either way stale, and a forged one bad whatever its age', () => {
    expect(verifyCourierSignature(body, signCourierWebhook(body, ['k'], AT - 301_000), ['k'], AT)).toBe('stale');
    expect(verifyCourierSignature(body, signCourierWebhook(body, ['k'], AT + 301_000), ['k'], AT)).toBe('stale');
    expect(verifyCourierSignature(body, signCourierWebhook(body, ['k'], AT - 299_000), ['k'], AT)).toBe('ok');
    expect(verifyCourierSignature(body, signCourierWebhook(body, ['forger'], AT - 301_000), ['k'], AT)).toBe('bad-signature');
  });

  it('refuses a tampered body, a moved timestamp, and missing or malformed headers', () => {
    const header = signCourierWebhook(body, ['k'], AT);
    expect(verifyCourierSignature(body.replace('out_for_delivery', 'delivered'), header, ['k'], AT)).toBe('bad-signature');
    expect(verifyCourierSignature(body, header.replace(`t=${seconds}`, `t=${seconds + 1}`), ['k'], AT)).toBe('bad-signature');
    for (const bad of [undefined, '', 'v1=abc', `t=${seconds}`, `t=x,${header.split(',')[1]}`, `t=${seconds},t=${seconds},${header.split(',')[1]}`]) {
      expect(verifyCourierSignature(body, bad, ['k'], AT), String(bad)).toBe('bad-signature');
    }
    expect(verifyCourierSignature(body, header, [], AT)).toBe('bad-signature');
    expect(verifyCourierSignature(body, signCourierWebhook(body, [''], AT), [''], AT)).toBe('bad-signature');
  });

  it('accepts any body signed with a key it holds and refuses it under any other', () => {
    fc.assert(
      fc.property(fc.string(), fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (raw, key, other) => {
        const header = signCourierWebhook(raw, [key], AT);
        expect(verifyCourierSignature(raw, header, [other, key], AT)).toBe('ok');
        if (other !== key) expect(verifyCourierSignature(raw, header, [other], AT)).toBe('bad-signature');
      }),
    );
  });
});

describe('verifyCourierWebhook', () => {
  const sign = (raw: string, at = AT) => signCourierWebhook(raw, ['k'], at);

  it('reads a verified tracking event, and leaves a signed event of another type alone', () => {
    const verified = verifyCourierWebhook(body, sign(body), ['k'], AT);
    expect(verified).toMatchObject({ kind: 'tracking', event: { id: sample.id, data: { object: { status: 'out_for_delivery', sequence: 4 } } } });
    const other = JSON.stringify({ id: 'evt_2', type: 'invoice.created', created: seconds, data: { object: {} } });
    expect(verifyCourierWebhook(other, sign(other), ['k'], AT)).toEqual({ kind: 'ignored', id: 'evt_2', type: 'invoice.created' });
  });

  it('is a 401 for a forged signature and a 400 for a stale one, before reading the body', () => {
    expect(() => verifyCourierWebhook(body, signCourierWebhook(body, ['forger'], AT), ['k'], AT)).toThrow(CourierWebhookSignatureError);
    expect(() => verifyCourierWebhook('not json', signCourierWebhook('not json', ['forger'], AT), ['k'], AT)).toThrow(CourierWebhookSignatureError);
    expect(() => verifyCourierWebhook(body, sign(body, AT - 600_000), ['k'], AT)).toThrow(StaleCourierWebhookError);
  });

  it('is a 400 for a signed body that is not a courier event, or a tracking event outside the contract', () => {
    const object = sample.data.object;
    for (const raw of [
      'not json',
      JSON.stringify({ id: 'evt_1' }),
      JSON.stringify({ ...sample, data: { object: { ...object, status: 'lost' } } }),
      JSON.stringify({ ...sample, data: { object: { ...object, status: 'delivery_failed' } } }),
      JSON.stringify({ ...sample, data: { object: { ...object, sequence: 0 } } }),
      JSON.stringify({ ...sample, id: 'evt_other' }),
    ]) {
      expect(() => verifyCourierWebhook(raw, sign(raw), ['k'], AT), raw).toThrow(MalformedCourierWebhookError);
    }
  });
});
