import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { AppError } from '../errors.js';

/**
 * Where a webhook may be sent. On AWS a webhook is a request our network makes to a URL an admin typed: pointed at
 * the instance metadata address, a VPC neighbour or the loopback, it would be server-side request forgery. So on AWS
 * only https, and only to public addresses: a host that is, or resolves to, a loopback, private, link-local (the
 * metadata address 169.254.169.254 among them), CGNAT, unspecified, multicast, reserved, documentation or unique-local
 * address is refused, and a name is refused if any one of its addresses is. The local platform, whose tests receive on
 * loopback, allows them (`WEBHOOK_ALLOW_PRIVATE_URLS=true`, `config.webhooks.allowPrivateUrls`), and plain http too.
 *
 * Checked when an endpoint is created or its URL changed (`checkWebhookUrl`), and again by the sender before each
 * attempt (`addressChecker`), which connects to the very address it checked, so a DNS answer that changes in between
 * (DNS rebinding) cannot redirect it.
 */

/** A resolver of every address of a host name, as `dns.promises.lookup(host, { all: true })` answers. */
export type ResolveAll = (hostname: string) => Promise<readonly { address: string; family: number }[]>;

export interface UrlPolicy {
  /** Locally only: private, loopback and link-local addresses allowed, and plain http. */
  allowPrivate: boolean;
  /** Every address of a name; the system resolver unless a test gives its own. */
  resolve?: ResolveAll;
}

/** The ranges no webhook goes to on AWS, each with what it is, for the refusal's message. */
export const REFUSED_RANGES: readonly { network: string; prefix: number; family: 'ipv4' | 'ipv6'; what: string }[] = [
  { network: '0.0.0.0', prefix: 8, family: 'ipv4', what: 'unspecified ("this network")' },
  { network: '10.0.0.0', prefix: 8, family: 'ipv4', what: 'private' },
  { network: '100.64.0.0', prefix: 10, family: 'ipv4', what: 'carrier-grade NAT (shared)' },
  { network: '127.0.0.0', prefix: 8, family: 'ipv4', what: 'loopback' },
  { network: '169.254.0.0', prefix: 16, family: 'ipv4', what: 'link-local (it holds the instance metadata address)' },
  { network: '172.16.0.0', prefix: 12, family: 'ipv4', what: 'private' },
  { network: '192.0.0.0', prefix: 24, family: 'ipv4', what: 'reserved for protocol assignments' },
  { network: '192.0.2.0', prefix: 24, family: 'ipv4', what: 'documentation' },
  { network: '192.168.0.0', prefix: 16, family: 'ipv4', what: 'private' },
  { network: '198.18.0.0', prefix: 15, family: 'ipv4', what: 'benchmarking' },
  { network: '198.51.100.0', prefix: 24, family: 'ipv4', what: 'documentation' },
  { network: '203.0.113.0', prefix: 24, family: 'ipv4', what: 'documentation' },
  { network: '224.0.0.0', prefix: 4, family: 'ipv4', what: 'multicast' },
  { network: '240.0.0.0', prefix: 4, family: 'ipv4', what: 'reserved (and broadcast)' },
  { network: '::', prefix: 128, family: 'ipv6', what: 'unspecified' },
  { network: '::1', prefix: 128, family: 'ipv6', what: 'loopback' },
  // IPv4 addresses written as IPv6 (::ffff:a.b.c.d) are checked against the IPv4 ranges by BlockList itself.
  { network: '64:ff9b::', prefix: 96, family: 'ipv6', what: 'NAT64, which reaches IPv4 addresses' },
  { network: '64:ff9b:1::', prefix: 48, family: 'ipv6', what: 'local-use NAT64' },
  { network: '100::', prefix: 64, family: 'ipv6', what: 'discard-only' },
  { network: '2001:db8::', prefix: 32, family: 'ipv6', what: 'documentation' },
  { network: 'fc00::', prefix: 7, family: 'ipv6', what: 'unique-local (private)' },
  { network: 'fe80::', prefix: 10, family: 'ipv6', what: 'link-local' },
  { network: 'fec0::', prefix: 10, family: 'ipv6', what: 'site-local (deprecated, private)' },
  { network: 'ff00::', prefix: 8, family: 'ipv6', what: 'multicast' },
];

const refused = new BlockList();
for (const range of REFUSED_RANGES) refused.addSubnet(range.network, range.prefix, range.family);

/** Each range on its own, to name the one an address is in. */
const byRange = REFUSED_RANGES.map((range) => {
  const list = new BlockList();
  list.addSubnet(range.network, range.prefix, range.family);
  return { range, list };
});

/** What makes an address refused on AWS (`private (10.0.0.0/8)`), or `undefined` for a public one. */
export function refusedRange(address: string): string | undefined {
  const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
  if (!refused.check(address, family)) return undefined;
  const hit = byRange.find(({ list }) => list.check(address, family));
  return hit ? `${hit.range.what} (${hit.range.network}/${hit.range.prefix})` : 'not public';
}

/** Why a URL was refused: not https on AWS, a refused address, or a name that does not resolve. */
export type UrlRefusal = 'scheme' | 'refused-address' | 'dns';

/** A webhook URL the policy refuses: a 400 naming the field and why. */
export class WebhookUrlRefusedError extends AppError {
  override readonly name = 'WebhookUrlRefusedError';
  constructor(
    readonly reason: UrlRefusal,
    message: string,
  ) {
    super('invalid', 'webhook-url-refused', `The webhook URL is refused: ${message}.`, { fields: [{ field: 'body.url', message }], extensions: { reason } });
  }
}

const systemResolve: ResolveAll = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/** A URL's host as an address or name: IPv6 literals lose their brackets. */
const hostOf = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, '$1');

/** Every address `host` stands for: itself when it is an address, else what the resolver answers (none: a `dns` refusal). */
async function addressesOf(host: string, resolve: ResolveAll): Promise<{ address: string; family: 4 | 6 }[]> {
  const literal = isIP(host);
  if (literal !== 0) return [{ address: host, family: literal as 4 | 6 }];
  let answers: readonly { address: string; family: number }[];
  try {
    answers = await resolve(host);
  } catch {
    throw new WebhookUrlRefusedError('dns', `its host ${host} does not resolve`);
  }
  if (answers.length === 0) throw new WebhookUrlRefusedError('dns', `its host ${host} does not resolve`);
  return answers.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
}

/**
 * Checks an endpoint's URL against the policy: on AWS https, and every address of its host public.
 * @throws WebhookUrlRefusedError (400 `webhook-url-refused`, naming `body.url`)
 */
export async function checkWebhookUrl(text: string, policy: UrlPolicy): Promise<void> {
  const url = new URL(text);
  if (policy.allowPrivate) return;
  if (url.protocol !== 'https:') throw new WebhookUrlRefusedError('scheme', 'it must be https');
  const host = hostOf(url);
  for (const { address } of await addressesOf(host, policy.resolve ?? systemResolve)) {
    const why = refusedRange(address);
    if (why !== undefined) {
      const where = address === host ? `it points at ${address}` : `its host ${host} resolves to ${address}`;
      throw new WebhookUrlRefusedError('refused-address', `${where}, a ${why} address; webhooks go to public addresses only`);
    }
  }
}

/**
 * For the sender, before each attempt: the one address to connect to for `hostname`, when every address of it is
 * allowed (any address, locally), or `{ allowed: false }`.
 * @throws WebhookUrlRefusedError `dns` when the name does not resolve
 */
export function addressChecker(policy: UrlPolicy): (hostname: string) => Promise<{ allowed: true; address: string; family: 4 | 6 } | { allowed: false }> {
  return async (hostname) => {
    const addresses = await addressesOf(hostname.replace(/^\[(.*)\]$/, '$1'), policy.resolve ?? systemResolve);
    if (!policy.allowPrivate && addresses.some((a) => refusedRange(a.address) !== undefined)) return { allowed: false };
    const [first] = addresses;
    return { allowed: true, address: first!.address, family: first!.family };
  };
}
