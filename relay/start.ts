/**
 * `npm start`: the local mesh (relay + storage peers) and the built app.
 * See config.ts for flags and environment variables.
 */
import { ConfigError, loadConfig } from './config.ts'
import { createLogger } from './log.ts'
import { startMesh } from './mesh.ts'

let config
try {
  config = loadConfig()
} catch (err) {
  if (err instanceof ConfigError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') === true) {
    process.stderr.write(`datamesh: ${(err as Error).message}\n`)
    process.exit(2)
  }
  throw err
}
const log = createLogger(config.logLevel, { service: 'datamesh-relay' })
const mesh = await startMesh(config, log)
process.stdout.write(`DataMesh is running at http://${config.host}:${mesh.port}/\n`)

const shutdown = (signal: string): void => {
  log.info('shutting down', { signal })
  const force = setTimeout(() => { process.exit(1) }, 10_000)
  force.unref()
  mesh.stop().then(() => { process.exit(0) }, (err: unknown) => { log.error('shutdown failed', { error: String(err) }); process.exit(1) })
}
process.once('SIGTERM', () => { shutdown('SIGTERM') })
process.once('SIGINT', () => { shutdown('SIGINT') })
