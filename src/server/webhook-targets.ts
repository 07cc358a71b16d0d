// Where the server may send webhook notifications. A WebhookChannel2023 subscriber names any `sendTo` URL and
// the server POSTs there with its own token, so without a rule anyone who may read a public resource could make
// the server call its own loopback, the machine's private network or a cloud metadata endpoint. By default only
// public unicast addresses are allowed: checked on the URL at subscription, and again on the very connection of
// every send (the `lookup` below), so a name that resolves elsewhere later (DNS rebinding) gets nowhere.
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { HearthError } from '../errors.js';

/**
 * A webhook target the server refuses: not http(s), unresolvable, or on a loopback, private or other non-public
 * address.
 */
export class WebhookTargetError extends HearthError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('WEBHOOK_TARGET_REFUSED', message, options);
  }
}

function blockList(family: 'ipv4' | 'ipv6', ranges: string[]): BlockList {
  const list = new BlockList();
  for (const range of ranges) {
    const [network, bits] = range.split('/');
    list.addSubnet(network!, Number(bits), family);
  }
  return list;
}

/** IANA special-purpose IPv4 ranges that are not globally reachable unicast (RFC 6890 and successors). */
const refusedIpv4 = blockList('ipv4', [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.0.2.0/24',
  '192.88.99.0/24',
  '192.168.0.0/16',
  '198.18.0.0/15',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '224.0.0.0/4',
  '240.0.0.0/4',
]);
/**
 * IPv6 global unicast; everything outside it (loopback, unspecified, ULA, link-local, multicast, NAT64, ...) is
 * refused.
 */
const globalIpv6 = blockList('ipv6', ['2000::/3']);
/** Special ranges inside 2000::/3: IETF protocol assignments (Teredo, ...), documentation, 6to4. */
const refusedIpv6 = blockList('ipv6', ['2001::/23', '2001:db8::/32', '2002::/16', '3fff::/20']);

/**
 * Whether `address`, an IPv4 or IPv6 literal, is a public unicast address; IPv4-mapped IPv6 is judged as its IPv4
 * address.
 */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return !refusedIpv4.check(address, 'ipv4');
  // A zone index (`fe80::1%eth0`) only exists for link-local addresses.
  if (family !== 6 || address.includes('%')) return false;
  const canonical = new URL(`http://[${address}]/`).hostname;
  const mapped = /^\[::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})\]$/u.exec(canonical);
  if (mapped) {
    const high = parseInt(mapped[1]!, 16);
    const low = parseInt(mapped[2]!, 16);
    return isPublicAddress(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`);
  }
  return globalIpv6.check(address, 'ipv6') && !refusedIpv6.check(address, 'ipv6');
}

/** The host of a parsed URL without IPv6 brackets or a trailing dot. */
function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/u, '$1').replace(/\.$/u, '');
}

/**
 * Parses a webhook target: an absolute http(s) URL whose host (unless `allowPrivate`) is neither a `localhost`
 * name nor a non-public IP literal. Throws {@link WebhookTargetError}.
 */
export function parseWebhookTarget(target: string, allowPrivate = false): URL {
  let url: URL;
  try {
    url = new URL(target);
  } catch (error: unknown) {
    if (!(error instanceof TypeError)) throw error;
    throw new WebhookTargetError(`The webhook target ${target} is not a URL.`, { cause: error });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new WebhookTargetError(`The webhook target ${target} is not an http or https URL.`);
  }
  const host = hostOf(url).toLowerCase();
  if (allowPrivate) return url;
  if (host === 'localhost' || host.endsWith('.localhost') || (isIP(host) !== 0 && !isPublicAddress(host))) {
    throw refused(target, host);
  }
  return url;
}

function refused(target: string, address: string): WebhookTargetError {
  return new WebhookTargetError(
    `The webhook target ${target} is on a loopback, private or otherwise non-public address (${address}); ` +
      'this server only sends webhooks to public addresses.',
  );
}

/**
 * Checks a webhook target when a channel is made: {@link parseWebhookTarget}, then (unless `allowPrivate`) every
 * address its host name resolves to must be public. Throws {@link WebhookTargetError}.
 */
export async function checkWebhookTarget(target: string, allowPrivate = false): Promise<void> {
  const url = parseWebhookTarget(target, allowPrivate);
  const host = hostOf(url);
  if (allowPrivate || isIP(host) !== 0) return;
  const addresses = await new Promise<LookupAddress[]>((resolve, reject) => {
    dnsLookup(host, { all: true, verbatim: true }, (error, found) => (error ? reject(error) : resolve(found)));
  }).catch((error: unknown) => {
    throw new WebhookTargetError(
      `The webhook target ${target} does not resolve (${(error as { code?: string }).code ?? 'DNS error'}).`,
    );
  });
  const bad = addresses.find((entry) => !isPublicAddress(entry.address));
  if (bad || addresses.length === 0) throw refused(target, bad?.address ?? 'no address');
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for `http.request` that resolves like `dns.lookup` but fails when any address of the name is not
 * public: the check is made on the addresses the connection then uses, so a rebinding DNS answer cannot slip in.
 */
export function publicOnlyLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const bad = addresses.find((entry) => !isPublicAddress(entry.address));
    const first = addresses[0];
    if (bad || !first) return callback(refused(hostname, bad?.address ?? 'no address'), []);
    if (options.all) return callback(null, addresses);
    callback(null, first.address, first.family);
  });
}
