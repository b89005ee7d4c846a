/**
 * The few browser facts the wizard and the settings show: this origin's
 * storage estimate, the relays the serving relay publishes, and saving a
 * file the user downloads.
 */
import { MalformedDataError } from '../../core/errors.ts'
import { servedRelays, type ServedRelay } from './relays.ts'

/** The browser's estimate of what this site may store (bytes), when it gives one. */
export async function storageQuota (): Promise<number | undefined> {
  try {
    const estimate = await navigator.storage?.estimate()
    return typeof estimate?.quota === 'number' && estimate.quota > 0 ? estimate.quota : undefined
  } catch {
    return undefined
  }
}

/** The relays this server's /network.json lists (tried-first first). */
export async function fetchServedRelays (signal?: AbortSignal): Promise<ServedRelay[]> {
  const res = await fetch('/network.json', { cache: 'no-store', ...(signal !== undefined ? { signal } : {}) })
  if (!res.ok) throw new Error(`This server did not list its relays (HTTP ${res.status})`)
  return servedRelays(await res.json())
}

/**
 * Hand `bytes` to the browser as a download named `name`; returns the object
 * URL (for a visible link as well), which the caller revokes when done.
 */
export function downloadBytes (bytes: Uint8Array, name: string, type = 'application/octet-stream'): string {
  const url = URL.createObjectURL(new Blob([bytes.slice()], { type }))
  const a = document.createElement('a')
  a.href = url
  a.download = name
  a.rel = 'noopener'
  a.style.display = 'none'
  document.body.append(a)
  a.click()
  a.remove()
  return url
}

/** A file the user picked, as bytes (refusing anything larger than `max`). */
export async function readFile (file: File, max: number): Promise<Uint8Array> {
  if (file.size > max) throw new MalformedDataError('This file is too large to be a key backup', { size: file.size, max })
  return new Uint8Array(await file.arrayBuffer())
}
