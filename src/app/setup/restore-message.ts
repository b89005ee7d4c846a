/**
 * What the app says after looking for the file list of imported keys. A
 * list that was not found never means the files are gone: their shards stay
 * on their holders, and the list is kept by every device that uses these
 * keys, which publishes it again when it is unlocked (src/mesh/commands/sync.ts);
 * an unlocked tab looks for it again every hour by itself.
 */
import { errorMessage } from './messages.ts'

export interface RestoreOutcome {
  kind: 'ok' | 'none' | 'error'
  text: string
}

export function restoredText (total: number): RestoreOutcome {
  return { kind: 'ok', text: `Your file list is back: ${total} ${total === 1 ? 'file' : 'files'}.` }
}

export function restoreFailureText (err: unknown): RestoreOutcome {
  const name = (err as { name?: unknown } | null)?.name
  const reason = (err as { details?: { reason?: unknown } } | null)?.details?.reason
  const later = 'Your files are not deleted. This device keeps looking for the list while it is open and unlocked, and adds it as soon as it is found.'
  if (name === 'NotFoundError' && reason === 'backup-unreachable') {
    return { kind: 'none', text: `Your file list was found, but none of the peers keeping it is reachable right now. ${later}` }
  }
  if (name === 'NotFoundError') {
    return { kind: 'none', text: `No backup of your file list was found in the mesh yet. ${later} Opening DataMesh on a device that lists your files publishes the list again.` }
  }
  if (name === 'InsufficientPeersError') {
    return { kind: 'none', text: `Your file list cannot be looked up yet: this device has not reached the mesh. ${later}` }
  }
  return { kind: 'error', text: `Your file list could not be restored: ${errorMessage(err)} ${later}` }
}
