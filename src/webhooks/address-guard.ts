import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/** Resolves a host name to its addresses; injected so tests never depend on real DNS. */
export type HostResolver = (
  hostname: string,
) => Promise<Array<{ address: string; family: number }>>;

export const systemResolver: HostResolver = (hostname) =>
  lookup(hostname, { all: true, verbatim: true });

/** Addresses a webhook must never reach: they lead into the operator's own network. */
const FORBIDDEN = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network", incl. the unspecified 0.0.0.0
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT (also Alibaba's metadata 100.100.100.200)
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, incl. the cloud metadata 169.254.169.254
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved and broadcast
] as const) {
  FORBIDDEN.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96], // NAT64: reaches IPv4 addresses, private ones too
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  FORBIDDEN.addSubnet(network, prefix, 'ipv6');
}

const MAPPED_IPV4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

/** True for loopback, private, link-local, CGNAT, metadata, multicast and unspecified addresses. */
export function isForbiddenAddress(address: string): boolean {
  const mapped = MAPPED_IPV4.exec(address)?.[1];
  if (mapped) return isForbiddenAddress(mapped);
  const family = isIP(address);
  if (family === 4) return FORBIDDEN.check(address, 'ipv4');
  if (family === 6) return FORBIDDEN.check(address, 'ipv6');
  return true;
}

/** The URL's host as an address or name, without IPv6 brackets. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

export interface AddressPolicy {
  allowPrivateNetworks: boolean;
  resolve: HostResolver;
}

/** Why `url` may not be a webhook endpoint, or undefined when it may. Resolves the host. */
export async function webhookUrlProblem(
  raw: string,
  policy: AddressPolicy,
): Promise<string | undefined> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'The url must be a valid URL.';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'The url must use https.';
  if (url.protocol === 'http:' && !policy.allowPrivateNetworks) return 'The url must use https.';
  if (url.username || url.password) return 'The url must not contain credentials.';
  if (policy.allowPrivateNetworks) return undefined;
  const host = hostOf(url);
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : (await policy.resolve(host)).map((a) => a.address);
  } catch {
    return 'The url host could not be resolved.';
  }
  if (addresses.length === 0) return 'The url host could not be resolved.';
  if (addresses.some(isForbiddenAddress)) {
    return 'The url must not point to a private, loopback, link-local or metadata address.';
  }
  return undefined;
}
