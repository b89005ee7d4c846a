/**
 * Errors of saving files to the user's disk. Callers branch on `err.name`.
 * A user who closes the save dialog or cancels the download gets the
 * platform's AbortError (a DOMException), like an aborted signal.
 */
import { DataMeshError, type ErrorDetails } from '../../core/errors.ts'

/** The way of saving that was asked for does not exist in this browser or page. */
export class SaveUnavailableError extends DataMeshError {
  static override name = 'SaveUnavailableError'
  constructor (message = 'This way of saving files is not available here', details?: ErrorDetails) {
    super(message, details)
  }
}

/** The service worker did not take the download in time. */
export class DownloadStartError extends DataMeshError {
  static override name = 'DownloadStartError'
  constructor (message = 'The service worker did not start the download', details?: ErrorDetails) {
    super(message, details)
  }
}
