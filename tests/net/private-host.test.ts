/** isPrivateHost: the ranges, the odd spellings a resolver accepts, and lookalikes that are public names. */
import { describe, expect, it } from 'vitest'
import { BlockList, isIP } from 'node:net'
import fc from 'fast-check'
import { isPrivateHost, parseIPv4, parseIPv6 } from '../../src/net/private-host.ts'

describe('isPrivateHost', () => {
  it('knows loopback, private, link-local and unspecified IPv4 addresses', () => {
    for (const h of ['127.0.0.1', '127.255.255.254', '10.0.0.1', '10.255.255.255', '172.16.0.1', '172.31.255.255', '192.168.1.1',
      '169.254.1.1', '100.64.0.1', '100.127.255.255', '0.0.0.0', '0.1.2.3', '192.0.2.5', '198.18.0.1', '198.19.255.255', '203.0.113.9', '240.0.0.1', '255.255.255.255']) {
      expect(isPrivateHost(h), h).toBe(true)
    }
  })

  it('reads IPv4 as resolvers do (short, octal, hex and integer forms) and a trailing dot', () => {
    for (const h of ['127.1', '0x7f.0.0.1', '0177.0.0.1', '2130706433', '0x7f000001', '10.1', '127.0.0.1.', 'LOCALHOST', 'localhost.', 'app.localhost']) {
      expect(isPrivateHost(h), h).toBe(true)
    }
  })

  it('knows private IPv6 addresses, with or without brackets and zones', () => {
    for (const h of ['::1', '[::1]', '::', '0:0:0:0:0:0:0:1', 'fc00::1', 'fd12:3456:789a::1', 'fe80::1', 'fe80::1%eth0', 'febf::1', 'ff02::1',
      '::ffff:127.0.0.1', '::ffff:7f00:1', '[::ffff:10.0.0.1]', '::ffff:192.168.0.1', '::127.0.0.1', '64:ff9b::10.0.0.1', '2001:db8::1']) {
      expect(isPrivateHost(h), h).toBe(true)
    }
  })

  it('does not take public addresses or lookalike names for private ones', () => {
    for (const h of ['8.8.8.8', '172.32.0.1', '172.15.255.255', '192.169.0.1', '11.0.0.1', '100.128.0.1', '169.255.0.1', '126.255.255.255', '128.0.0.1',
      '10.example.com', '127.0.0.1.example.com', 'localhost.example.com', 'mylocalhost', '192.168.1.1.nip.io', '2606:4700::1111', 'fec0::1', 'fb00::1',
      '::ffff:8.8.8.8', '64:ff9b::8.8.8.8', '2001:db9::1', 'example.com', '', '1.2.3.4.5', '256.0.0.1', '1.2.3.0x100', '::1::', '1::2::3', '[::1', 'fc00::1::']) {
      expect(isPrivateHost(h), h).toBe(false)
    }
  })

  it('parses IPv4 as the WHATWG URL parser does', () => {
    const asUrl = (h: string): string | undefined => {
      try {
        const host = new URL(`http://${h}/`).hostname
        return isIP(host) === 4 ? host : undefined
      } catch {
        return undefined
      }
    }
    const part = fc.oneof(fc.nat(300).map(String), fc.nat(0xffff).map(n => `0x${n.toString(16)}`), fc.nat(0o777).map(n => `0${n.toString(8)}`), fc.constantFrom('x', '', '1e3'))
    fc.assert(fc.property(fc.array(part, { minLength: 1, maxLength: 5 }), parts => {
      const h = parts.join('.')
      const ours = parseIPv4(h)
      const url = asUrl(h)
      if (url === undefined) return ours === undefined
      return ours !== undefined && [ours >>> 24, (ours >>> 16) & 255, (ours >>> 8) & 255, ours & 255].join('.') === url
    }), { numRuns: 2000 })
  })

  it('agrees with node:net BlockList on random IPv4 and IPv6 addresses', () => {
    const list = new BlockList()
    for (const [a, bits] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.0.0.0', 24],
      ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24], ['240.0.0.0', 4]] as const) list.addSubnet(a, bits, 'ipv4')
    const six = new BlockList()
    for (const [a, bits] of [['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['2001:db8::', 32]] as const) six.addSubnet(a, bits, 'ipv6')
    fc.assert(fc.property(fc.ipV4(), ip => isPrivateHost(ip) === list.check(ip, 'ipv4')), { numRuns: 5000 })
    // biased towards the interesting first groups
    const first = fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.constantFrom(0xfc00, 0xfdff, 0xfe80, 0xfebf, 0xfec0, 0xff00, 0x2001, 0xfbff))
    fc.assert(fc.property(first, fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 7, maxLength: 7 }), (a, rest) => {
      if (a === 0 || (a === 0x64 && rest[0] === 0xff9b)) return true // the embedded IPv4 forms are tested above
      const ip = [a, ...rest].map(g => g.toString(16)).join(':')
      return isPrivateHost(ip) === six.check(ip, 'ipv6')
    }), { numRuns: 5000 })
  })

  it('parses compressed IPv6 forms to the same groups as the full form', () => {
    expect(parseIPv6('::1')).toEqual([0, 0, 0, 0, 0, 0, 0, 1])
    expect(parseIPv6('fe80::1:2')).toEqual([0xfe80, 0, 0, 0, 0, 0, 1, 2])
    expect(parseIPv6('::ffff:1.2.3.4')).toEqual([0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304])
    expect(parseIPv6('1:2:3:4:5:6:7:8')).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    expect(parseIPv6('1:2:3:4:5:6:7')).toBeUndefined()
    expect(parseIPv6('1:2:3:4:5:6:7::8')).toBeUndefined()
    expect(parseIPv6('1.2.3.4')).toBeUndefined()
  })
})
