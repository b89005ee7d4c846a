/** Starts the tab's node (loaded lazily, after the shell is on screen) and exposes `window.datamesh`. */
import { createApi, type DataMeshApi } from './api.ts'
import { TabKeys } from './keys.ts'
import { loadSettings } from './settings.ts'

declare global {
  interface Window { datamesh: DataMeshApi }
}

const NAMESPACE = 'datamesh'

/**
 * The keystore opens at once (the wizard and the unlock screen need nothing
 * else); the network joins alongside, and calls that need it wait for it.
 * The network stack (libp2p, the mesh, the workers) is a chunk of its own,
 * loaded here, so the keystore does not wait for it to download.
 */
export function start (): DataMeshApi {
  const settings = loadSettings(NAMESPACE)
  const keys = TabKeys.open(NAMESPACE)
  const stack = Promise.all([import('./network.ts'), import('./runtime.ts')])
  const net = stack.then(async ([{ joinNetwork }]) => await joinNetwork({ namespace: NAMESPACE, contribution: settings.contribution, ownerShare: settings.ownerShare, allowedPeers: settings.allowedPeers ?? [], deniedPeers: settings.deniedPeers ?? [], ...(settings.relays.length > 0 ? { bootstrap: settings.relays } : {}) }))
  const runtime = Promise.all([net, keys, stack]).then(([n, k, [, { Runtime }]]) => new Runtime(n, k, NAMESPACE))
  const api = createApi({ namespace: NAMESPACE, keys, runtime })
  window.datamesh = api
  return api
}
