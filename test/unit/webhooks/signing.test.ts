import { randomBytes } from 'node:crypto';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { classifyError, responseExcerpt, signatureHeaders } from '../../../shared/webhooks/send.js';
import { deliveryIdOf, webhookPayload } from '../../../shared/webhooks/delivery-model.js';

const secret = () => `whsec_${randomBytes(32).toString('base64')}`;
const payload = webhookPayload({ id: '01J0EVENT', type: 'inventory.adjusted', version: 1, occurredAt: '2030-05-01T12:00:00.000Z', data: { sku: 'A', delta: 3 } });

describe('webhook signing', () => {
  it('signs so that standardwebhooks verifies the request with the endpoint secret', () => {
    const key = secret();
    const headers = signatureHeaders(deliveryIdOf('01J0EVENT'), payload, [key], new Date());
    expect(headers['webhook-id']).toBe('msg_01J0EVENT');
    expect(new Webhook(key).verify(payload, headers)).toEqual(JSON.parse(payload));
  });

  it('signs with every active secret during a rotation, so the old key and the new one both verify', () => {
    const [old, current] = [secret(), secret()];
    const headers = signatureHeaders('msg_1', payload, [old, current], new Date());
    expect(headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(() => new Webhook(old).verify(payload, headers)).not.toThrow();
    expect(() => new Webhook(current).verify(payload, headers)).not.toThrow();
    expect(() => new Webhook(secret()).verify(payload, headers)).toThrow(WebhookVerificationError);
  });

  it('gives each attempt its own timestamp and signature under the same webhook-id', () => {
    const key = secret();
    const first = signatureHeaders('msg_1', payload, [key], new Date('2030-05-01T12:00:00Z'));
    const retry = signatureHeaders('msg_1', payload, [key], new Date('2030-05-01T12:05:00Z'));
    expect(retry['webhook-id']).toBe(first['webhook-id']);
    expect(retry['webhook-timestamp']).toBe(String(Date.parse('2030-05-01T12:05:00Z') / 1000));
    expect(retry['webhook-signature']).not.toBe(first['webhook-signature']);
  });

  it('refuses to sign with no secret at all', () => {
    expect(() => signatureHeaders('msg_1', payload, [], new Date())).toThrow(/at least one signing secret/);
  });

  it('sends the contract data under Standard Webhooks type, timestamp and data', () => {
    expect(JSON.parse(payload)).toEqual({ type: 'inventory.adjusted', timestamp: '2030-05-01T12:00:00.000Z', id: '01J0EVENT', version: 1, data: { sku: 'A', delta: 3 } });
  });
});

describe('webhook attempt outcomes', () => {
  it('names a failed request by what the network said', () => {
    const failed = (code: string) => classifyError(Object.assign(new Error(code), { code }));
    expect(failed('ECONNREFUSED')).toBe('connection-refused');
    expect(failed('ECONNRESET')).toBe('connection-reset');
    expect(failed('ENOTFOUND')).toBe('dns');
    expect(failed('ETIMEDOUT')).toBe('timeout');
    expect(failed('DEPTH_ZERO_SELF_SIGNED_CERT')).toBe('tls');
    expect(failed('ERR_TLS_CERT_ALTNAME_INVALID')).toBe('tls');
    expect(failed('EHOSTUNREACH')).toBe('network');
    expect(classifyError(Object.assign(new Error('no such host'), { reason: 'dns' }))).toBe('dns');
    expect(classifyError(undefined)).toBe('network');
  });

  it('keeps at most 1,024 bytes of a response body, a character cut in half replaced', () => {
    expect(responseExcerpt(Buffer.from('ok'))).toBe('ok');
    const long = Buffer.from('é'.repeat(600));
    const excerpt = responseExcerpt(long);
    expect(Buffer.byteLength(excerpt.slice(0, 512))).toBe(1024);
    expect(excerpt).toBe('é'.repeat(512));
    const cut = responseExcerpt(Buffer.concat([Buffer.from('a'), long]));
    expect(cut.startsWith('a' + 'é'.repeat(511))).toBe(true);
    expect(cut.endsWith('\uFFFD')).toBe(true);
  });
});
