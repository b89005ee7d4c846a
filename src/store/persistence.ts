/**
 * Ask the browser to keep our storage (StorageManager.persist) and report
 * what it granted and how much room it estimates.
 *
 * Until persistence is granted, IndexedDB is best-effort: the browser may
 * evict it under pressure (and WebKit deletes data of sites not installed
 * after 7 days unused). Headless Chromium answers `persisted: false`.
 * Safe to call anywhere: without `navigator.storage` it reports `supported: false`.
 */

export interface StoragePersistence {
  /** the StorageManager API exists here */
  supported: boolean
  /** persistence is granted (now or earlier) */
  persisted: boolean
  /** bytes this origin uses, as the browser estimates */
  usage?: number
  /** bytes this origin may use, as the browser estimates */
  quota?: number
}

export async function requestPersistentStorage (): Promise<StoragePersistence> {
  const storage = typeof navigator === 'undefined' ? undefined : (navigator as Partial<Navigator>).storage
  if (storage === undefined) return { supported: false, persisted: false }
  let persisted = typeof storage.persisted === 'function' ? await storage.persisted() : false
  if (!persisted && typeof storage.persist === 'function') persisted = await storage.persist()
  const report: StoragePersistence = { supported: true, persisted }
  if (typeof storage.estimate === 'function') {
    const estimate = await storage.estimate()
    if (estimate.usage !== undefined) report.usage = estimate.usage
    if (estimate.quota !== undefined) report.quota = estimate.quota
  }
  return report
}
