/** peers, health, network, discover, distribution, bandwidth: this tab's place in the mesh. */
import { InvalidValueError } from '../errors.ts'
import type { Command, CommandContext } from '../types.ts'
import { describeIndexBackup, formatBytes, formatBytesPerSecond, formatDurationMs, plural, shortId } from '../../api/format.ts'
import { parseSize } from '../units.ts'
import { refPassword } from './common.ts'

/** A connected peer by its id, or by a part of it (any case) that only one connected peer's id contains. */
export function resolvePeer (ctx: CommandContext, text: string): string {
  const ids = [...new Set(ctx.backend.connections().map(c => c.peerId))]
  if (ids.includes(text)) return text
  const part = text.toLowerCase()
  const matches = text.length >= 4 ? ids.filter(id => id.toLowerCase().includes(part)) : []
  if (matches.length === 1) return matches[0] as string
  if (matches.length > 1) throw new InvalidValueError(`'${text}' matches ${matches.length} connected peers: give more of the id`)
  // not connected (or not known yet): let the node try the id as given
  return text
}

export const peers: Command = {
  name: 'peers',
  group: 'Network',
  summary: 'Connected peers: node type, direct or relayed, transport, latency, free space, reputation',
  description: 'Reputation is this tab\'s score for the peer, 0 to 100, from what it observed (audits, data served, uptime, latency, misbehaviour): new peers start at 40, trusted ones at 80; below 25 a peer gets no new data.',
  flags: [
    { name: 'json', type: 'boolean', summary: 'Print the full details as JSON' },
    { name: 'long', type: 'boolean', short: 'l', summary: 'Show whole peer ids' }
  ],
  examples: [
    { line: 'peers', says: 'a table of connected peers' },
    { line: 'peers --json', says: 'every detail, as JSON' }
  ],
  run: async (ctx, p) => {
    const list = await ctx.backend.peers()
    if (p.bool('json')) { ctx.out.text(JSON.stringify(list, null, 2)); return }
    if (list.length === 0) { ctx.out.text('No peers connected: discover looks for some.', 'muted'); return }
    const id = (s: string): string => p.bool('long') ? s : shortId(s)
    ctx.out.table(['Peer', 'Type', 'Link', 'Transport', 'Latency', 'Free', 'Reputation'], list.map(x => [
      id(x.peerId),
      x.nodeType ?? x.role ?? '—',
      x.direct ? 'direct' : 'relayed',
      x.transport ?? '—',
      x.latency !== undefined ? `${Math.round(x.latency)} ms` : '—',
      x.free !== undefined ? formatBytes(x.free) : '—',
      x.trust === 'denied' ? 'blocked' : `${x.reputation}${x.trust === 'trusted' ? ' (trusted)' : ''}`
    ]))
    ctx.out.text(`${plural(list.length, 'peer')}, ${list.filter(x => x.direct).length} direct.`, 'muted')
  }
}

export const health: Command = {
  name: 'health',
  group: 'Network',
  summary: 'This tab\'s node at a glance',
  examples: [{ line: 'health', says: 'uptime, relays, connections, data peers, storage' }],
  run: async (ctx) => {
    const h = await ctx.backend.health()
    const relaysUp = h.relays.filter(r => r.connected).length
    ctx.out.pairs([
      ['Peer id', h.peerId],
      ['Uptime', formatDurationMs(h.uptime)],
      ['Keys', h.unlocked ? 'unlocked' : 'locked'],
      ['Reachable', h.reachable ? 'yes: a relay holds a reservation for this tab' : 'no: other tabs cannot reach this one yet'],
      ['Relays', `${relaysUp} of ${h.relays.length} connected`],
      ['Connections', `${h.connections.total} (${h.connections.direct} direct, ${h.connections.relayed} relayed)`],
      ['Data peers', `${h.dataPeers} (a put wants ${h.wanted})`],
      ['Contribution', `${formatBytes(h.storage.used)} of ${formatBytes(h.storage.quota)}, ${plural(h.storage.shards, 'shard')}${h.storage.persisted ? ', persistent' : ''}`],
      ['Index backup', describeIndexBackup(h.indexBackup, ctx.now())]
    ])
    const backupFailed = h.indexBackup.state === 'failed'
    if (backupFailed) ctx.out.text('The file list is not backed up to the mesh: another device restoring your keys would miss the latest changes. index backup tries now.', 'warn')
    if (h.dataPeers < h.wanted) ctx.out.text(`Fewer than ${h.wanted} data peers: new files are stored with less redundancy. discover looks for more.`, 'warn')
    else if (!backupFailed) ctx.out.text('Healthy.', 'ok')
  }
}

export const network: Command = {
  name: 'network',
  group: 'Network',
  summary: 'Relays, reachability and this tab\'s addresses',
  examples: [{ line: 'network', says: 'show relays and addresses' }],
  run: async (ctx) => {
    const h = await ctx.backend.health()
    const configured = ctx.backend.settings().relays
    ctx.out.pairs([
      ['Reachable', h.reachable ? 'yes (through a relay reservation)' : 'no'],
      ['Relays from', configured.length > 0 ? 'your settings (config relays)' : 'the serving relay'],
      ['Connections', `${h.connections.direct} direct, ${h.connections.relayed} relayed`]
    ])
    ctx.out.heading('Relays')
    if (h.relays.length === 0) ctx.out.text('No relays known.', 'warn')
    else ctx.out.table(['Relay', 'Connected'], h.relays.map(r => [r.peerId, r.connected ? 'yes' : 'no']))
    ctx.out.heading('Addresses')
    if (h.multiaddrs.length === 0) ctx.out.text('None yet: other peers cannot dial this tab.', 'muted')
    for (const a of h.multiaddrs) ctx.out.text(a)
  }
}

export const discover: Command = {
  name: 'discover',
  group: 'Network',
  summary: 'Look for other tabs through the relays now and connect to them directly',
  examples: [{ line: 'discover', says: 'find more peers' }],
  run: async (ctx) => {
    const found = await ctx.backend.discover()
    const h = await ctx.backend.health()
    ctx.out.text(`${found === 0 ? 'No' : String(found)} new direct connection${found === 1 ? '' : 's'}; ${plural(h.dataPeers, 'data peer')} now.`, found > 0 ? 'ok' : 'plain')
  }
}

export const distribution: Command = {
  name: 'distribution',
  aliases: ['dist'],
  group: 'Network',
  summary: 'Where each shard of a file was placed, and who holds it now',
  args: [{ name: 'file', summary: 'A name from list, a file key, or a share link', complete: 'file' }],
  flags: [
    { name: 'password', type: 'boolean', summary: 'Ask for the share link\'s password' },
    { name: 'long', type: 'boolean', short: 'l', summary: 'Show whole ids' }
  ],
  examples: [{ line: 'distribution report.pdf', says: 'the holders of report.pdf\'s shards' }],
  run: async (ctx, p) => {
    const ref = p.arg('file') as string
    const password = await refPassword(ctx, ref, p.bool('password'))
    const shards = await ctx.backend.distribution(ref, { signal: ctx.signal, ...(password !== undefined ? { password } : {}) })
    const id = (s: string): string => p.bool('long') ? s : shortId(s)
    ctx.out.table(['Stripe', 'Shard', 'Id', 'Placed on', 'Held by'], shards.map(s => [
      String(s.stripe), String(s.shard), id(s.id), s.hint === '' ? '—' : id(s.hint), s.holders.length === 0 ? 'nobody reachable' : s.holders.map(id).join(', ')
    ]))
    const held = shards.filter(s => s.holders.length > 0).length
    const stripes = new Set(shards.map(s => s.stripe)).size
    ctx.out.text(`${plural(stripes, 'stripe')}: ${held} of ${plural(shards.length, 'shard')} held by a reachable peer.`, held === shards.length ? 'ok' : 'warn')
  }
}

export const bandwidth: Command = {
  name: 'bandwidth',
  aliases: ['bw'],
  group: 'Network',
  summary: 'Raw stream throughput to a connected peer: upload, then download',
  description: 'Needs a direct connection (relayed ones carry signalling only). The size is sent each way.',
  args: [
    { name: 'peer', summary: 'A connected peer\'s id (or enough of it to be unique)', complete: 'peer' },
    { name: 'size', summary: 'Bytes each way, e.g. 32MB (default 16 MB)', optional: true }
  ],
  examples: [
    { line: 'bandwidth 12D3KooWabc… 32MB', says: 'send and receive 32 MB' },
    { line: 'bw wxyz', says: 'the connected peer whose id contains wxyz, 16 MB each way' }
  ],
  run: async (ctx, p) => {
    const text = p.arg('peer') as string
    const sizeText = p.arg('size')
    let size: number | undefined
    if (sizeText !== undefined) {
      try { size = parseSize(sizeText) } catch (err) { throw new InvalidValueError(`<size>: ${(err as Error).message}`) }
      if (size === 0) throw new InvalidValueError('<size> must be more than 0 bytes')
    }
    const peer = resolvePeer(ctx, text)
    ctx.out.text(`Measuring ${shortId(peer)}…`, 'muted')
    const r = await ctx.backend.bandwidth(peer, size)
    ctx.out.table(['Direction', 'Bytes', 'Time', 'Speed'], [
      ['upload', formatBytes(r.upload.bytes), formatDurationMs(r.upload.ms), formatBytesPerSecond(r.upload.MBps * 1e6)],
      ['download', formatBytes(r.download.bytes), formatDurationMs(r.download.ms), formatBytesPerSecond(r.download.MBps * 1e6)]
    ])
  }
}
