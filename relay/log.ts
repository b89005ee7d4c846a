/** Structured logs: one JSON object per line on stderr, filtered by level. */
export type Level = 'debug' | 'info' | 'warn' | 'error'
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 }

export interface Logger {
  debug: (msg: string, fields?: Record<string, unknown>) => void
  info: (msg: string, fields?: Record<string, unknown>) => void
  warn: (msg: string, fields?: Record<string, unknown>) => void
  error: (msg: string, fields?: Record<string, unknown>) => void
  child: (fields: Record<string, unknown>) => Logger
}

export function isLevel (s: string): s is Level {
  return s in ORDER
}

export function createLogger (level: Level, base: Record<string, unknown> = {}, write: (line: string) => void = line => process.stderr.write(line)): Logger {
  const emit = (at: Level, msg: string, fields?: Record<string, unknown>): void => {
    if (ORDER[at] < ORDER[level]) return
    write(JSON.stringify({ time: new Date().toISOString(), level: at, msg, ...base, ...fields }, (_k, v: unknown) => typeof v === 'bigint' ? v.toString() : v) + '\n')
  }
  return {
    debug: (m, f) => { emit('debug', m, f) },
    info: (m, f) => { emit('info', m, f) },
    warn: (m, f) => { emit('warn', m, f) },
    error: (m, f) => { emit('error', m, f) },
    child: (fields) => createLogger(level, { ...base, ...fields }, write)
  }
}
