import { describe, expect, it } from 'vitest';
import { addressChecker, checkWebhookUrl, refusedRange, WebhookUrlRefusedError, type ResolveAll } from '../../../shared/webhooks/url-policy.js';

/** A resolver that knows only the names given, each with its addresses; any other name does not resolve. */
function fakeResolver(names: Record<string, string[]>): ResolveAll & { asked: string[] } {
  const asked: string[] = [];
  const resolve = async (hostname: string) => {
    asked.push(hostname);
    const addresses = names[hostname];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(resolve, { asked });
}

const onAws = (names: Record<string, string[]> = {}) => ({ allowPrivate: false, resolve: fakeResolver(names) });

async function refusal(url: string, policy: Parameters<typeof checkWebhookUrl>[1]): Promise<WebhookUrlRefusedError> {
  const error = await checkWebhookUrl(url, policy).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, url).toBeInstanceOf(WebhookUrlRefusedError);
  return error as WebhookUrlRefusedError;
}

describe('the webhook URL policy on AWS', () => {
  it.each([
    ['loopback', 'https://127.0.0.1/hook'],
    ['loopback, anywhere in 127/8', 'https://127.8.9.10/hook'],
    ['private 10/8', 'https://10.1.2.3/hook'],
    ['private 172.16/12', 'https://172.16.0.1/hook'],
    ['private 172.16/12, its top', 'https://172.31.255.254/hook'],
    ['private 192.168/16', 'https://192.168.1.20:8443/hook'],
    ['the instance metadata address', 'https://169.254.169.254/latest/meta-data/'],
    ['carrier-grade NAT 100.64/10', 'https://100.100.100.200/hook'],
    ['unspecified 0.0.0.0', 'https://0.0.0.0/hook'],
    ['multicast', 'https://239.1.2.3/hook'],
    ['IPv6 loopback', 'https://[::1]/hook'],
    ['IPv6 unspecified', 'https://[::]/hook'],
    ['IPv6 unique-local fc00::/7', 'https://[fd12:3456:789a::1]/hook'],
    ['IPv6 link-local fe80::/10', 'https://[fe80::1]/hook'],
    ['IPv4 loopback written as IPv6', 'https://[::ffff:127.0.0.1]/hook'],
    ['the metadata address written as IPv6', 'https://[::ffff:169.254.169.254]/hook'],
    ['NAT64 of a private address', 'https://[64:ff9b::a00:1]/hook'],
    ['loopback written as one decimal number', 'https://2130706433/hook'],
    ['loopback written in hex', 'https://0x7f.0.0.1/hook'],
  ])('refuses an address that is %s, without asking DNS', async (_what, url) => {
    const policy = onAws();
    const error = await refusal(url, policy);
    expect(error.reason).toBe('refused-address');
    expect(error.kind).toBe('invalid');
    expect(error.fields).toEqual([{ field: 'body.url', message: expect.stringContaining('public addresses only') }]);
    expect(policy.resolve.asked).toEqual([]);
  });

  it('names the range it refused', async () => {
    expect((await refusal('https://169.254.169.254/', onAws())).message).toContain('link-local (it holds the instance metadata address) (169.254.0.0/16)');
    expect(refusedRange('10.0.0.5')).toBe('private (10.0.0.0/8)');
    expect(refusedRange('fd00::5')).toBe('unique-local (private) (fc00::/7)');
  });

  it('allows a public address, IPv4 or IPv6', async () => {
    await expect(checkWebhookUrl('https://93.184.215.14/hook', onAws())).resolves.toBeUndefined();
    await expect(checkWebhookUrl('https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/hook', onAws())).resolves.toBeUndefined();
    // Just outside the refused ranges.
    for (const address of ['172.15.255.255', '172.32.0.1', '100.63.255.255', '100.128.0.1', '169.253.255.255', '11.0.0.1']) {
      expect(refusedRange(address), address).toBeUndefined();
    }
  });

  it('allows a name whose every address is public', async () => {
    const policy = onAws({ 'hooks.example.com': ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'] });
    await expect(checkWebhookUrl('https://hooks.example.com/smartshelf?tenant=4', policy)).resolves.toBeUndefined();
    expect(policy.resolve.asked).toEqual(['hooks.example.com']);
  });

  it('refuses a name that resolves to one private address among public ones', async () => {
    const policy = onAws({ 'sneaky.example.com': ['93.184.215.14', '10.0.0.7', '93.184.215.15'] });
    const error = await refusal('https://sneaky.example.com/hook', policy);
    expect(error.reason).toBe('refused-address');
    expect(error.message).toContain('sneaky.example.com resolves to 10.0.0.7, a private (10.0.0.0/8) address');
  });

  it('refuses a name that resolves to the loopback (localhost) or the metadata address', async () => {
    expect((await refusal('https://localhost:8443/hook', onAws({ localhost: ['127.0.0.1', '::1'] }))).reason).toBe('refused-address');
    expect((await refusal('https://metadata.example/hook', onAws({ 'metadata.example': ['169.254.169.254'] }))).reason).toBe('refused-address');
  });

  it('refuses a name that does not resolve', async () => {
    const error = await refusal('https://nowhere.example/hook', onAws());
    expect(error.reason).toBe('dns');
    expect(error.fields?.[0]?.message).toBe('its host nowhere.example does not resolve');
  });

  it('refuses plain http, before any DNS', async () => {
    const policy = onAws({ 'hooks.example.com': ['93.184.215.14'] });
    const error = await refusal('http://hooks.example.com/hook', policy);
    expect(error.reason).toBe('scheme');
    expect(policy.resolve.asked).toEqual([]);
  });
});

describe('the webhook URL policy locally (WEBHOOK_ALLOW_PRIVATE_URLS)', () => {
  it('allows loopback, private addresses and plain http, and asks no DNS', async () => {
    const policy = { allowPrivate: true, resolve: fakeResolver({}) };
    for (const url of ['http://127.0.0.1:4010/hook', 'http://localhost:4010/hook', 'https://10.0.0.1/hook', 'http://[::1]:9000/']) {
      await expect(checkWebhookUrl(url, policy), url).resolves.toBeUndefined();
    }
    expect(policy.resolve.asked).toEqual([]);
  });
});

describe('the sender’s check before each attempt', () => {
  it('answers the one address to connect to when all are allowed, and refuses when one is not', async () => {
    const resolve = fakeResolver({ 'hooks.example.com': ['93.184.215.14', '93.184.215.15'], 'rebound.example.com': ['93.184.215.14', '127.0.0.1'] });
    const check = addressChecker({ allowPrivate: false, resolve });
    expect(await check('hooks.example.com')).toEqual({ allowed: true, address: '93.184.215.14', family: 4 });
    expect(await check('rebound.example.com')).toEqual({ allowed: false });
    expect(await check('169.254.169.254')).toEqual({ allowed: false });
    expect(await check('[::1]')).toEqual({ allowed: false });
    await expect(check('nowhere.example')).rejects.toMatchObject({ reason: 'dns' });
  });

  it('allows the loopback locally', async () => {
    const check = addressChecker({ allowPrivate: true, resolve: fakeResolver({ localhost: ['127.0.0.1'] }) });
    expect(await check('localhost')).toEqual({ allowed: true, address: '127.0.0.1', family: 4 });
    expect(await check('127.0.0.1')).toEqual({ allowed: true, address: '127.0.0.1', family: 4 });
  });
});
