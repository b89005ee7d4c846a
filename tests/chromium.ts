/**
 * Where the browser tests find Chromium, and the flags they start it with.
 * CHROMIUM_PATH overrides the search.
 */
import { existsSync } from 'node:fs'

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable']

export function chromiumPath (): string {
  const fromEnv = process.env.CHROMIUM_PATH
  if (fromEnv != null && fromEnv !== '') return fromEnv
  const found = CANDIDATES.find(p => existsSync(p))
  if (found === undefined) throw new Error(`No Chromium found (looked at ${CANDIDATES.join(', ')}); install it or set CHROMIUM_PATH`)
  return found
}

/** Flags that keep a headless Chromium off every network but loopback. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
  '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1, EXCLUDE localhost'
]
