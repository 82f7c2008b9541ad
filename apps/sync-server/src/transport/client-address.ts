/**
 * The address a client connects from, seen through trusted reverse proxies.
 *
 * Behind a proxy every TCP connection comes from the proxy. The proxy appends the address it
 * got the request from to `X-Forwarded-For`; everything left of that was written by whoever
 * sent the request and proves nothing. So the chain is read from the right: the connecting
 * address, then each forwarded one, and the client is the first that is not a trusted proxy.
 */
import { BlockList, isIP } from 'node:net'

/** Which addresses are trusted proxies, and what a request's client address is. */
export interface ProxyTrust {
  /** Whether `address` (as `socket.remoteAddress` gives it) is a trusted proxy. */
  isTrusted(address: string): boolean
  /**
   * The client of a request that arrived from `remote` with `forwardedFor` (the
   * `X-Forwarded-For` header): `remote` itself unless that is a trusted proxy.
   */
  clientAddress(remote: string, forwardedFor: string | readonly string[] | undefined): string
}

/** Trust in `entries` (addresses and CIDR ranges, as validated by the config), or null for none. */
export function createProxyTrust(entries: readonly string[]): ProxyTrust | null {
  if (entries.length === 0) return null
  const trusted = new BlockList()
  for (const entry of entries) {
    const [address = '', prefix] = entry.split('/')
    const type = isIP(address) === 4 ? 'ipv4' : 'ipv6'
    if (prefix === undefined) trusted.addAddress(address, type)
    else trusted.addSubnet(address, Number(prefix), type)
  }
  const isTrusted = (address: string): boolean => {
    const plain = unmapped(address)
    const family = isIP(plain)
    return family !== 0 && trusted.check(plain, family === 4 ? 'ipv4' : 'ipv6')
  }
  return {
    isTrusted,
    clientAddress(remote, forwardedFor) {
      if (!isTrusted(remote)) return remote
      const hops = (typeof forwardedFor === 'string' ? [forwardedFor] : (forwardedFor ?? []))
        .join(',')
        .split(',')
        .map((hop) => withoutBrackets(hop.trim()))
      let client = remote
      for (let i = hops.length - 1; i >= 0; i--) {
        const hop = hops[i] as string
        // Garbage where an address should be: the last trusted hop is all that is known.
        if (isIP(unmapped(hop)) === 0) break
        client = hop
        if (!isTrusted(hop)) break
      }
      return client
    },
  }
}

/** `::ffff:192.0.2.7` (an IPv4 client of an IPv6 socket) as `192.0.2.7`. */
function unmapped(address: string): string {
  const rest = address.startsWith('::ffff:') ? address.slice(7) : null
  return rest !== null && isIP(rest) === 4 ? rest : address
}

/** `[2001:db8::1]` as `2001:db8::1`. */
function withoutBrackets(hop: string): string {
  return hop.startsWith('[') && hop.endsWith(']') ? hop.slice(1, -1) : hop
}
