import { isIP } from 'node:net';

/** An IP address, or a CIDR range when `prefix` is set. */
export interface AddressRange {
  address: string;
  prefix?: number;
  family: 'ipv4' | 'ipv6';
}

/**
 * `a.b.c.d` or an IPv6 address, optionally with a `/prefix` no longer than the family allows; null
 * when the entry is not one. The one reading of addresses for the moderation lists and COLLOQUY_TRUST_PROXY.
 */
export function parseAddressRange(entry: string): AddressRange | null {
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (!family || rest.length) return null;
  const max = family === 4 ? 32 : 128;
  if (prefix !== undefined && !(/^\d{1,3}$/.test(prefix) && Number(prefix) <= max)) return null;
  return { address, family: family === 4 ? 'ipv4' : 'ipv6', ...(prefix === undefined ? {} : { prefix: Number(prefix) }) };
}
