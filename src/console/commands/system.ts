/** config, metrics, benchmark: settings and measurements of this device. */
import { multiaddr } from '@multiformats/multiaddr'
import { didYouMean, InvalidValueError } from '../errors.ts'
import { suggest } from '../suggest.ts'
import type { Command, CommandContext, Metric } from '../types.ts'
import { formatBytes, formatBytesPerSecond, formatDurationMs, MB, plural } from '../../api/format.ts'
import { parseSize } from '../units.ts'

const SETTINGS = ['contribution'] as const
/** the local benchmark keeps the data, its copy and every shard in memory: keep it phone-sized */
const MAX_BENCHMARK = 128 * MB
const DEFAULT_BENCHMARK = 16 * MB

function showRelays (ctx: CommandContext): void {
  const relays = ctx.backend.settings().relays
  if (relays.length === 0) { ctx.out.text('None set: the relays of the server this app came from are used.', 'muted'); return }
  ctx.out.table(['Relay', 'Priority'], relays.map(r => [r.multiaddr, r.priority !== undefined ? String(r.priority) : '—']))
}

function checkRelay (text: string): void {
  try {
    multiaddr(text)
  } catch {
    throw new InvalidValueError(`'${text}' is not a multiaddr, e.g. /dns4/relay.example.org/tcp/443/wss/p2p/12D3KooW…`)
  }
  if (!text.includes('/p2p/')) throw new InvalidValueError(`'${text}' must end in /p2p/<peer id> so the relay can be checked`)
}

export const config: Command = {
  name: 'config',
  group: 'System',
  summary: 'Show or change settings: contribution size, relays',
  default: 'show',
  examples: [],
  subcommands: [
    {
      name: 'show',
      summary: 'The current settings',
      examples: [{ line: 'config', says: 'show the settings' }],
      run: async (ctx) => {
        const s = ctx.backend.settings()
        ctx.out.pairs([
          ['Contribution', `${formatBytes(s.contribution)} of this device's storage offered to the mesh`],
          ['Relays', s.relays.length === 0 ? 'the serving relay\'s list' : plural(s.relays.length, 'relay')]
        ])
      }
    },
    {
      name: 'set',
      summary: 'Change a setting (the contribution applies at once)',
      args: [
        { name: 'setting', summary: `One of: ${SETTINGS.join(', ')}` },
        { name: 'value', summary: 'Its new value' }
      ],
      examples: [{ line: 'config set contribution 2GB', says: 'offer 2 GB to the mesh' }],
      run: async (ctx, p) => {
        const setting = (p.arg('setting') as string).toLowerCase()
        const value = p.arg('value') as string
        if (!(SETTINGS as readonly string[]).includes(setting)) {
          const suggestions = suggest(setting, SETTINGS)
          throw new InvalidValueError(`Unknown setting '${setting}': the settings are ${SETTINGS.join(', ')}.${didYouMean(suggestions)}`, { suggestions })
        }
        const bytes = parseSize(value)
        if (bytes < MB) throw new InvalidValueError('The contribution must be at least 1 MB')
        const saved = ctx.backend.configure({ contribution: bytes })
        ctx.out.text(`Contribution set to ${formatBytes(saved.contribution)} (${saved.contribution} bytes).`, 'ok')
      }
    },
    {
      name: 'relays',
      summary: 'The relays you set (else the serving relay\'s list is used)',
      examples: [{ line: 'config relays', says: 'list your relays' }],
      run: async (ctx) => { showRelays(ctx) }
    },
    {
      name: 'add-relay',
      summary: 'Add a relay (used from the next start)',
      args: [{ name: 'multiaddr', summary: 'Its address, ending in /p2p/<peer id>' }],
      flags: [{ name: 'priority', type: 'count', value: 'n', summary: 'Lower is tried first; equal ones in parallel (default 0)' }],
      examples: [{ line: 'config add-relay /dns4/relay.example.org/tcp/443/wss/p2p/12D3KooW… --priority 1', says: 'add a fallback relay' }],
      run: async (ctx, p) => {
        const address = p.arg('multiaddr') as string
        checkRelay(address)
        const relays = ctx.backend.settings().relays.filter(r => r.multiaddr !== address)
        const priority = p.count('priority')
        ctx.backend.configure({ relays: [...relays, { multiaddr: address, ...(priority !== undefined ? { priority } : {}) }] })
        showRelays(ctx)
        ctx.out.text('Relays change the next time the app starts.', 'muted')
      }
    },
    {
      name: 'remove-relay',
      summary: 'Remove one of your relays (from the next start)',
      args: [{ name: 'multiaddr', summary: 'Its address, as config relays shows it' }],
      examples: [{ line: 'config remove-relay /dns4/relay.example.org/tcp/443/wss/p2p/12D3KooW…', says: 'stop using that relay' }],
      run: async (ctx, p) => {
        const address = p.arg('multiaddr') as string
        const relays = ctx.backend.settings().relays
        if (!relays.some(r => r.multiaddr === address)) throw new InvalidValueError(`'${address}' is not one of your relays (config relays lists them)`)
        ctx.backend.configure({ relays: relays.filter(r => r.multiaddr !== address) })
        showRelays(ctx)
        ctx.out.text('Relays change the next time the app starts.', 'muted')
      }
    }
  ]
}

function metricValue (m: Metric): string {
  return m.unit === 'bytes' ? formatBytes(m.value) : m.unit === 'ms' ? formatDurationMs(m.value) : String(m.value)
}

export const metrics: Command = {
  name: 'metrics',
  group: 'System',
  summary: 'Counters of this console, this node and this device',
  flags: [{ name: 'json', type: 'boolean', summary: 'Print them as JSON (raw numbers)' }],
  examples: [{ line: 'metrics', says: 'show the counters' }],
  run: async (ctx, p) => {
    const c = ctx.counters
    const [storage, host] = await Promise.all([ctx.backend.storage(), ctx.host.metrics()])
    const conns = ctx.backend.connections()
    const all: Metric[] = [
      { name: 'console.commands', value: c.commands, unit: 'count' },
      { name: 'console.failed', value: c.failed, unit: 'count' },
      { name: 'console.put', value: c.bytesPut, unit: 'bytes' },
      { name: 'console.saved', value: c.bytesGot, unit: 'bytes' },
      { name: 'console.open', value: ctx.now() - c.startedAt, unit: 'ms' },
      { name: 'node.connections', value: conns.length, unit: 'count' },
      { name: 'node.connections.direct', value: conns.filter(x => x.direct).length, unit: 'count' },
      { name: 'node.storage.used', value: storage.used, unit: 'bytes' },
      { name: 'node.storage.shards', value: storage.shards, unit: 'count' },
      { name: 'node.storage.quota', value: storage.quota, unit: 'bytes' },
      ...host
    ]
    if (p.bool('json')) { ctx.out.text(JSON.stringify(Object.fromEntries(all.map(m => [m.name, m.value])), null, 2)); return }
    ctx.out.table(['Metric', 'Value'], all.map(m => [m.name, metricValue(m)]))
  }
}

export const benchmark: Command = {
  name: 'benchmark',
  aliases: ['bench'],
  group: 'System',
  summary: 'Time the local pipeline: encrypt, erasure-code, hash, rebuild with shards missing',
  description: 'Random bytes run through the same code as put and get, here on this device; two shards of every stripe are dropped and rebuilt from parity. Nothing leaves the device. Once started it runs to the end.',
  flags: [{ name: 'size', type: 'size', summary: `How much data (default ${formatBytes(DEFAULT_BENCHMARK)}, at most ${formatBytes(MAX_BENCHMARK)})` }],
  examples: [
    { line: 'benchmark', says: `run over ${formatBytes(DEFAULT_BENCHMARK)}` },
    { line: 'bench --size 64MB', says: 'run over 64 MB' }
  ],
  run: async (ctx, p) => {
    const size = p.size('size') ?? DEFAULT_BENCHMARK
    if (size < 1 || size > MAX_BENCHMARK) throw new InvalidValueError(`--size must be between 1 byte and ${formatBytes(MAX_BENCHMARK)}`)
    ctx.out.text(`Running over ${formatBytes(size)}…`, 'muted')
    const r = await ctx.host.benchmark(size, { signal: ctx.signal })
    ctx.out.pairs([
      ['Data', `${formatBytes(r.size)} in ${plural(r.stripes, 'stripe')}, ${plural(r.shards, 'shard')}`],
      ['Encrypt + encode', formatBytesPerSecond(r.encodeMBps * 1e6)],
      ['Rebuild + decrypt', `${formatBytesPerSecond(r.decodeMBps * 1e6)} (two shards of every stripe missing)`],
      ['Result', r.identical ? 'identical to the original' : 'DIFFERENT from the original']
    ])
    if (!r.identical) ctx.out.text('The rebuilt bytes differ: this device\'s pipeline is broken. Please report it.', 'warn')
  }
}
