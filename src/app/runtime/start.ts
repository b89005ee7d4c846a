/** Starts the tab's node (loaded lazily, after the shell is on screen) and exposes `window.datamesh`. */
import { joinNetwork } from './network.ts'
import { createApi, type DataMeshApi } from './api.ts'
import { TabKeys } from './keys.ts'
import { Runtime } from './runtime.ts'
import { loadSettings } from './settings.ts'

declare global {
  interface Window { datamesh: DataMeshApi }
}

const NAMESPACE = 'datamesh'

/**
 * The keystore opens at once (the wizard and the unlock screen need nothing
 * else); the network joins alongside, and calls that need it wait for it.
 */
export function start (): DataMeshApi {
  const settings = loadSettings(NAMESPACE)
  const keys = TabKeys.open(NAMESPACE)
  const net = joinNetwork({ namespace: NAMESPACE, contribution: settings.contribution, ...(settings.relays.length > 0 ? { bootstrap: settings.relays } : {}) })
  const runtime = Promise.all([net, keys]).then(([n, k]) => new Runtime(n, k, NAMESPACE))
  const api = createApi({ namespace: NAMESPACE, keys, runtime })
  window.datamesh = api
  return api
}
