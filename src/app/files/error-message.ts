/**
 * What a person reads when a file operation failed: typed errors (branched
 * on `err.name`) get a word of guidance, never a stack.
 */
export function errorMessage (err: unknown): string {
  if (!(err instanceof Error)) return String(err)
  switch (err.name) {
    case 'AbortError':
    case 'AbortedError': return 'Cancelled'
    case 'QuotaExceededError': return `Not enough room on the peers: ${err.message}`
    case 'InsufficientPeersError': return err.message
    case 'NotFoundError': return `Not found: ${err.message}`
    case 'AlreadyExistsError': return 'A file with this name already exists'
    case 'BadPasswordError': return 'Wrong password'
    case 'TooFewShardsError': return 'Too few shards can be reached to rebuild this file right now'
    case 'TimeoutError': return 'The peers took too long to answer: try again'
    default: return err.message !== '' ? err.message : err.name
  }
}
