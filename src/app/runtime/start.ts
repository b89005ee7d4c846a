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

async function boot (): Promise<Runtime> {
  const settings = loadSettings(NAMESPACE)
  const [net, keys] = await Promise.all([
    joinNetwork({ namespace: NAMESPACE, contribution: settings.contribution, ...(settings.relays.length > 0 ? { bootstrap: settings.relays } : {}) }),
    TabKeys.open(NAMESPACE)
  ])
  return new Runtime(net, keys, NAMESPACE)
}

export function start (): DataMeshApi {
  const api = createApi(boot())
  window.datamesh = api
  api.ready.catch(() => {}) // the reason stays on the promise for whoever awaits it
  return api
}
