/**
 * What the console works against: the node (a slice of `window.datamesh`'s
 * API) and a host for everything that depends on where it runs (a browser
 * tab, a terminal). Nothing here touches the DOM or storage directly.
 */
import type { DataMeshApi } from '../api/types.ts'
import type { Output } from './output.ts'
import type { DateBound } from './units.ts'

/** The part of the node's API the commands use; `window.datamesh` satisfies it. */
export type ConsoleBackend = Pick<DataMeshApi,
  | 'status' | 'put' | 'getStream' | 'list' | 'info' | 'delete' | 'distribution' | 'check' | 'audit' | 'repair' | 'shareLink'
  | 'rename' | 'setTags' | 'duplicate' | 'health' | 'discover' | 'settings' | 'configure'
  | 'keys' | 'createKey' | 'renameKey' | 'deleteKey' | 'useKey' | 'changePassword' | 'exportKeys' | 'importKeys'
  | 'peers' | 'connections' | 'storage' | 'bandwidth' | 'backupIndex' | 'restoreIndex' | 'cleanup' | 'renewLeases'
>

export interface SaveMeta {
  name: string
  type?: string
  size?: number
}

/** A run of the local pipeline: encrypt, erasure-code, hash, then rebuild with shards missing. */
export interface BenchmarkResult {
  /** plaintext bytes */
  size: number
  stripes: number
  shards: number
  /** 10^6 plaintext bytes per second */
  encodeMBps: number
  decodeMBps: number
  /** the rebuilt bytes equal the original */
  identical: boolean
}

/** A counter the host keeps (memory, storage estimate, uptime …). */
export interface Metric {
  name: string
  value: number
  unit: 'bytes' | 'ms' | 'count'
}

/** Where history lives between sessions (localStorage, a file). */
export interface HistoryStore {
  load: () => string[]
  save: (entries: readonly string[]) => void
}

export interface ConsoleHost {
  /** files to put (a file picker in a browser); empty when the person cancelled */
  pickFiles: () => Promise<File[]>
  /** write a download somewhere the person keeps it */
  save: (stream: ReadableStream<Uint8Array>, meta: SaveMeta, options?: { signal?: AbortSignal }) => Promise<unknown>
  /** empty the screen */
  clear: () => void
  /** leave the console */
  quit: () => void
  /** where the console runs, for pwd */
  location: () => string
  /** the local pipeline's speed over `size` random bytes; nothing leaves the device */
  benchmark: (size: number, options?: { signal?: AbortSignal }) => Promise<BenchmarkResult>
  /** the host's own counters */
  metrics: () => Promise<Metric[]>
  /** ask for a password without echoing it (never kept in history); undefined when cancelled */
  promptPassword: (label: string) => Promise<string | undefined>
  /** ask before something that cannot be undone */
  confirm: (question: string) => Promise<boolean>
  history: HistoryStore
}

export type FlagType = 'boolean' | 'string' | 'size' | 'date' | 'count'

export interface FlagSpec {
  /** without the leading dashes */
  name: string
  type: FlagType
  /** one letter, for -x */
  short?: string
  /** placeholder in the usage line (default: the name) */
  value?: string
  /** the only values allowed */
  choices?: readonly string[]
  summary: string
}

/** What Tab offers for an argument. */
export type CompleteKind = 'file' | 'command' | 'key' | 'peer'

export interface ArgSpec {
  name: string
  summary: string
  optional?: boolean
  /** takes every remaining argument (at least one unless optional) */
  variadic?: boolean
  complete?: CompleteKind
}

export interface Example {
  line: string
  /** what it does */
  says: string
}

export interface SessionCounters {
  /** ms since the epoch the console started */
  startedAt: number
  commands: number
  failed: number
  /** plaintext bytes put and saved through the console */
  bytesPut: number
  bytesGot: number
}

export interface CommandContext {
  backend: ConsoleBackend
  host: ConsoleHost
  out: Output
  /** cancels the command (Ctrl+C, Esc) */
  signal: AbortSignal
  now: () => number
  registry: Registry
  history: { entries: readonly string[], clear: () => void }
  counters: SessionCounters
}

/** The words of one command line, checked against its spec and converted. */
export interface Parsed {
  /** the command and subcommand names as declared (aliases resolved) */
  path: string[]
  /** a single argument (undefined when an optional one was left out) */
  arg: (name: string) => string | undefined
  /** a variadic argument's words */
  rest: (name: string) => string[]
  /** whether a boolean flag was given */
  bool: (name: string) => boolean
  string: (name: string) => string | undefined
  /** bytes */
  size: (name: string) => number | undefined
  date: (name: string) => DateBound | undefined
  count: (name: string) => number | undefined
}

export interface Spec {
  name: string
  aliases?: string[]
  summary: string
  /** a few sentences beyond the summary */
  description?: string
  args?: ArgSpec[]
  flags?: FlagSpec[]
  /** at least one, each a line that works as typed */
  examples: Example[]
  run?: (ctx: CommandContext, input: Parsed) => Promise<void>
}

export type Group = 'Files' | 'Find' | 'Sharing' | 'Network' | 'Keys' | 'System' | 'Console'
export const GROUPS: readonly Group[] = ['Files', 'Find', 'Sharing', 'Network', 'Keys', 'System', 'Console']

export interface Command extends Spec {
  group: Group
  subcommands?: Spec[]
  /** the subcommand run when the first word names none of them */
  default?: string
}

export interface Registry {
  readonly commands: readonly Command[]
  /** a command by name or alias (case-insensitive) */
  find: (name: string) => Command | undefined
  /** every name and alias */
  names: () => string[]
}
