/** Builds the app once for the end-to-end suite; the relays under test serve this build. */
import { build } from 'vite'
import { fileURLToPath } from 'node:url'

/** where the app is built for this run (tests/e2e/isolated.ts gives each run a folder of its own) */
export const E2E_DIST = process.env.DATAMESH_E2E_DIST ?? fileURLToPath(new URL('../../node_modules/.cache/datamesh-e2e-dist', import.meta.url))

export default async function setup (): Promise<void> {
  if (process.env.DATAMESH_E2E_ISOLATED !== '1' && process.env.DATAMESH_E2E_ALLOW_NETWORK !== '1') {
    throw new Error('Run the end-to-end suite through `node --import tsx tests/e2e/isolated.ts` (npm run test:e2e): it needs a loopback-only network namespace')
  }
  await build({ root: fileURLToPath(new URL('../..', import.meta.url)), logLevel: 'warn', build: { outDir: E2E_DIST, emptyOutDir: true } })
}
