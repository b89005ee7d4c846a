/**
 * Whether a host is this machine or a network that is not the public
 * internet: the one answer to "may this address be dialled by default" (a
 * server node dials such hosts only when its operator allows it), "is a
 * plain ws:// relay acceptable" (the app) and "do loopback remote addresses
 * count per address" (the relay's limits).
 *
 * A host is private when it is
 * - `localhost`, or a name under `.localhost` (RFC 6761 §6.3: always loopback);
 * - an IPv4 address (in any form an IPv4 parser accepts: `127.1`, `0x7f.1`,
 *   `2130706433`, per the WHATWG URL Standard's IPv4 parser, which is what
 *   browsers and getaddrinfo read) in a range that is not globally reachable
 *   (IANA IPv4 Special-Purpose Address Registry): 0.0.0.0/8, 10/8,
 *   100.64/10, 127/8, 169.254/16, 172.16/12, 192.0.0/24, 192.0.2/24,
 *   192.168/16, 198.18/15, 198.51.100/24, 203.0.113/24, 240/4 (with
 *   255.255.255.255);
 * - an IPv6 address (brackets allowed) in ::/128, ::1/128, fc00::/7,
 *   fe80::/10, ff00::/8 (multicast), 2001:db8::/32 (documentation), or an
 *   IPv4-mapped (::ffff:0:0/96), IPv4-compatible (::/96) or NAT64
 *   (64:ff9b::/96) address whose IPv4 part is private.
 * Any other name is a DNS name and not private here: what it resolves to is
 * checked where it is dialled (server-policy.ts).
 */

/** [first address as a 32-bit number, prefix length] */
const PRIVATE_V4: ReadonlyArray<readonly [number, number]> = [
  [v4(0, 0, 0, 0), 8],
  [v4(10, 0, 0, 0), 8],
  [v4(100, 64, 0, 0), 10],
  [v4(127, 0, 0, 0), 8],
  [v4(169, 254, 0, 0), 16],
  [v4(172, 16, 0, 0), 12],
  [v4(192, 0, 0, 0), 24],
  [v4(192, 0, 2, 0), 24],
  [v4(192, 168, 0, 0), 16],
  [v4(198, 18, 0, 0), 15],
  [v4(198, 51, 100, 0), 24],
  [v4(203, 0, 113, 0), 24],
  [v4(240, 0, 0, 0), 4]
]

function v4 (a: number, b: number, c: number, d: number): number {
  return ((a << 24) >>> 0) + (b << 16) + (c << 8) + d
}

function privateV4 (n: number): boolean {
  return PRIVATE_V4.some(([base, bits]) => (n >>> (32 - bits)) === (base >>> (32 - bits)))
}

/** One part of an IPv4 address: decimal, octal (leading 0) or hex (0x); undefined when it is not a number. */
function v4Part (part: string): number | undefined {
  if (/^0[xX][0-9a-fA-F]*$/.test(part)) return part.length === 2 ? 0 : parseInt(part.slice(2), 16)
  if (/^0[0-7]+$/.test(part)) return parseInt(part.slice(1), 8)
  if (/^(0|[1-9][0-9]*)$/.test(part)) return Number(part)
  return undefined
}

/**
 * The WHATWG URL Standard's IPv4 parser: 1 to 4 numeric parts, the last one
 * filling the remaining bytes. A number, or undefined when `host` is not an
 * IPv4 address (a DNS name such as 10.example.com).
 */
export function parseIPv4 (host: string): number | undefined {
  const parts = host.split('.')
  if (parts.at(-1) === '' && parts.length > 1) parts.pop()
  if (parts.length === 0 || parts.length > 4) return undefined
  const numbers: number[] = []
  for (const p of parts) {
    const n = v4Part(p)
    if (n === undefined || !Number.isSafeInteger(n)) return undefined
    numbers.push(n)
  }
  const last = numbers.pop() as number
  if (numbers.some(n => n > 255) || last >= 256 ** (4 - numbers.length)) return undefined
  return numbers.reduce((acc, n, i) => acc + n * 256 ** (3 - i), 0) + last
}

/** Strict dotted-quad groups of an IPv4 tail ("1.2.3.4" -> two 16-bit groups), or undefined. */
function quadGroups (s: string): number[] | undefined {
  const quad = s.split('.')
  if (quad.length !== 4 || !quad.every(q => /^(0|[1-9][0-9]{0,2})$/.test(q) && Number(q) <= 255)) return undefined
  const [a, b, c, d] = quad.map(Number) as [number, number, number, number]
  return [(a << 8) + b, (c << 8) + d]
}

/** The groups of one side of "::" (the last may be a dotted IPv4 tail), or undefined. */
function groups (s: string, last: boolean): number[] | undefined {
  if (s === '') return []
  const parts = s.split(':')
  const out: number[] = []
  for (let i = 0; i < parts.length; i++) {
    const g = parts[i] as string
    if (last && i === parts.length - 1 && g.includes('.')) {
      const tail = quadGroups(g)
      if (tail === undefined) return undefined
      out.push(...tail)
    } else if (/^[0-9a-f]{1,4}$/i.test(g)) {
      out.push(parseInt(g, 16))
    } else {
      return undefined
    }
  }
  return out
}

/** The 8 groups of an IPv6 address (brackets and a zone allowed, a dotted IPv4 tail too), or undefined. */
export function parseIPv6 (host: string): number[] | undefined {
  let text = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host
  const zone = text.indexOf('%')
  if (zone !== -1) text = text.slice(0, zone)
  if (!text.includes(':')) return undefined
  const halves = text.split('::')
  if (halves.length > 2) return undefined
  const head = groups(halves[0] as string, halves.length === 1)
  const rest = halves.length === 2 ? groups(halves[1] as string, true) : []
  if (head === undefined || rest === undefined) return undefined
  const given = head.length + rest.length
  if (halves.length === 2 ? given > 7 : given !== 8) return undefined
  return [...head, ...new Array<number>(8 - given).fill(0), ...rest]
}

function privateV6 (g: number[]): boolean {
  const [a = 0, b = 0, c = 0, d = 0, e = 0, f = 0, h = 0, i = 0] = g
  const zeroHead = a === 0 && b === 0 && c === 0 && d === 0 && e === 0
  if (zeroHead && f === 0 && h === 0 && (i === 0 || i === 1)) return true // :: and ::1
  const embedded = v4(h >> 8, h & 0xff, i >> 8, i & 0xff)
  if (zeroHead && (f === 0xffff || f === 0)) return privateV4(embedded) // ::ffff:a.b.c.d and ::a.b.c.d
  if (a === 0x64 && b === 0xff9b && c === 0 && d === 0 && e === 0 && f === 0) return privateV4(embedded)
  if ((a & 0xfe00) === 0xfc00) return true // fc00::/7 unique local
  if ((a & 0xffc0) === 0xfe80) return true // fe80::/10 link-local
  if ((a & 0xff00) === 0xff00) return true // ff00::/8 multicast
  return a === 0x2001 && b === 0x0db8 // documentation
}

/** True for loopback, private, link-local and other hosts that are not on the public internet (see the module header). */
export function isPrivateHost (host: string): boolean {
  const h = host.trim().toLowerCase().replace(/\.$/, '')
  if (h === '') return false
  if (h === 'localhost' || h.endsWith('.localhost')) return true
  const six = parseIPv6(h)
  if (six !== undefined) return privateV6(six)
  const four = parseIPv4(h)
  return four !== undefined && privateV4(four)
}
