/** Starts the tab's node (loaded lazily, after the shell is on screen) and exposes `window.datamesh`. */
import { joinNetwork } from './network.ts'
import { createApi, type DataMeshApi } from './api.ts'

declare global {
  interface Window { datamesh: DataMeshApi }
}

export function start (): DataMeshApi {
  const api = createApi(joinNetwork())
  window.datamesh = api
  api.ready.catch(() => {}) // the reason stays on the promise for whoever awaits it
  return api
}
