/**
 * The one family of typed errors DataMesh throws.
 *
 * Callers and tests branch on `err.name` (or `instanceof`), never on message
 * text. Every class has a default message that says what went wrong and, where
 * it helps, what to do about it.
 */

export type ErrorDetails = Record<string, unknown>

export class DataMeshError extends Error {
  static override name = 'DataMeshError'
  /** machine-readable context (shard id, stripe index, limits ...) */
  readonly details: ErrorDetails

  constructor (message: string, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options)
    this.name = (new.target as unknown as { name: string }).name
    this.details = details
  }
}

/** A shard's bytes do not hash to its id, or have the wrong length. */
export class CorruptShardError extends DataMeshError {
  static override name = 'CorruptShardError'
  constructor (message = 'Shard is corrupt: its bytes do not match its id', details?: ErrorDetails) {
    super(message, details)
  }
}

/** Fewer than k verified shards of a stripe could be found. */
export class TooFewShardsError extends DataMeshError {
  static override name = 'TooFewShardsError'
  constructor (message = 'Too few intact shards to rebuild the data', details?: ErrorDetails) {
    super(message, details)
  }
}

/** Authenticated decryption failed: the key is wrong or the ciphertext was altered. */
export class WrongKeyError extends DataMeshError {
  static override name = 'WrongKeyError'
  constructor (message = 'Decryption failed: wrong key, or the data was altered', details?: ErrorDetails) {
    super(message, details)
  }
}

/** A manifest failed its content id, decryption, signature or schema check. */
export class TamperedManifestError extends DataMeshError {
  static override name = 'TamperedManifestError'
  constructor (message = 'Manifest is damaged or was tampered with', details?: ErrorDetails) {
    super(message, details)
  }
}

/** The password does not open the sealed key. Nothing stored was changed. */
export class BadPasswordError extends DataMeshError {
  static override name = 'BadPasswordError'
  constructor (message = 'Wrong password', details?: ErrorDetails) {
    super(message, details)
  }
}

/** The password is too easy to guess (override with `allowWeak`). */
export class WeakPasswordError extends DataMeshError {
  static override name = 'WeakPasswordError'
  constructor (message = 'Password is too weak', details?: ErrorDetails) {
    super(message, details)
  }
}

/** A store or an owner has no room left for this write. */
export class QuotaExceededError extends DataMeshError {
  static override name = 'QuotaExceededError'
  constructor (message = 'Storage quota exceeded', details?: ErrorDetails) {
    super(message, details)
  }
}

/** A format or protocol version this build does not understand. */
export class UnsupportedVersionError extends DataMeshError {
  static override name = 'UnsupportedVersionError'
  constructor (message = 'Unsupported format version', details?: ErrorDetails) {
    super(message, details)
  }
}

/** Bytes that do not parse as the expected format (bad structure, over a size cap). */
export class MalformedDataError extends DataMeshError {
  static override name = 'MalformedDataError'
  constructor (message = 'Malformed data', details?: ErrorDetails) {
    super(message, details)
  }
}

/** A named thing (shard, key, file) is not there. */
export class NotFoundError extends DataMeshError {
  static override name = 'NotFoundError'
  constructor (message = 'Not found', details?: ErrorDetails) {
    super(message, details)
  }
}

/** An argument is out of range or of the wrong kind. */
export class InvalidParametersError extends DataMeshError {
  static override name = 'InvalidParametersError'
  constructor (message = 'Invalid parameters', details?: ErrorDetails) {
    super(message, details)
  }
}

/** The keystore is locked (or was re-sealed elsewhere): unlock it first. */
export class LockedError extends DataMeshError {
  static override name = 'LockedError'
  constructor (message = 'Keystore is locked: unlock it first', details?: ErrorDetails) {
    super(message, details)
  }
}

/** A name or item that must be unique already exists. */
export class AlreadyExistsError extends DataMeshError {
  static override name = 'AlreadyExistsError'
  constructor (message = 'Already exists', details?: ErrorDetails) {
    super(message, details)
  }
}

/** The operation was cancelled through its AbortSignal. */
export class AbortedError extends DataMeshError {
  static override name = 'AbortedError'
  constructor (message = 'The operation was aborted', details?: ErrorDetails) {
    super(message, details)
  }
}

/** The caller may not do this (e.g. delete a shard stored for another owner). */
export class NotAllowedError extends DataMeshError {
  static override name = 'NotAllowedError'
  constructor (message = 'Not allowed', details?: ErrorDetails) {
    super(message, details)
  }
}

/** A peer asked too much too fast (requests, bytes or concurrent streams): retry later. */
export class RateLimitedError extends DataMeshError {
  static override name = 'RateLimitedError'
  constructor (message = 'Too many requests: retry later', details?: ErrorDetails) {
    super(message, details)
  }
}

/** An operation took longer than its time limit. */
export class TimeoutError extends DataMeshError {
  static override name = 'TimeoutError'
  constructor (message = 'The operation timed out', details?: ErrorDetails) {
    super(message, details)
  }
}

/** Too few peers are reachable, or too few accepted a write, to store data as configured. */
export class InsufficientPeersError extends DataMeshError {
  static override name = 'InsufficientPeersError'
  constructor (message = 'Too few peers to store the data durably: connect to more storage peers', details?: ErrorDetails) {
    super(message, details)
  }
}

/**
 * A signed record was refused because a newer one is already known (a
 * lower sequence number: `details.reason` 'superseded') or because it is past
 * its expiry ('expired'). Nothing was stored.
 */
export class StaleRecordError extends DataMeshError {
  static override name = 'StaleRecordError'
  constructor (message = 'This record is older than the one already held, or expired', details?: ErrorDetails) {
    super(message, details)
  }
}

export function throwIfAborted (signal?: AbortSignal): void {
  if (signal?.aborted === true) throw new AbortedError()
}

type ErrorClass = new (message: string, details?: ErrorDetails) => DataMeshError

/**
 * The classes `reviveError` rebuilds, by name. A Map, not an object literal:
 * a name that arrives from a peer (`constructor`, `__proto__`, `toString`)
 * must never reach Object.prototype.
 */
const ERROR_CLASSES: ReadonlyMap<string, ErrorClass> = new Map<string, ErrorClass>([
  // the family's own name (an "Internal error" answer): revived as itself, no originalName
  DataMeshError,
  CorruptShardError,
  TooFewShardsError,
  WrongKeyError,
  TamperedManifestError,
  BadPasswordError,
  WeakPasswordError,
  QuotaExceededError,
  UnsupportedVersionError,
  MalformedDataError,
  NotFoundError,
  InvalidParametersError,
  LockedError,
  AlreadyExistsError,
  AbortedError,
  NotAllowedError,
  RateLimitedError,
  TimeoutError,
  InsufficientPeersError,
  StaleRecordError
].map(Class => [Class.name, Class]))

/** A plain-object form of an error, safe to post between threads or peers. */
export interface SerializedError {
  name: string
  message: string
  details?: ErrorDetails
}

export function serializeError (err: unknown): SerializedError {
  if (err instanceof DataMeshError) return { name: err.name, message: err.message, details: err.details }
  if (err instanceof Error) return { name: err.name, message: err.message }
  return { name: 'Error', message: String(err) }
}

/** Rebuild a typed error from its serialized form (unknown names become DataMeshError). */
export function reviveError (e: SerializedError): DataMeshError {
  const Class = ERROR_CLASSES.get(e.name)
  if (Class !== undefined) return new Class(e.message, e.details ?? {})
  return new DataMeshError(e.message, { ...e.details, originalName: e.name })
}
