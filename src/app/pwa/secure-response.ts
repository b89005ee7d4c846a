/**
 * The service worker answers the app shell from its precache. A response
 * cached by an earlier version keeps the headers it was cached with, so the
 * worker sets today's SECURITY_HEADERS on every response it takes from the
 * cache: a policy change reaches a cached shell without waiting for its
 * bytes to change.
 */
import { SECURITY_HEADERS } from '../../net/security-headers.ts'

/** `response` with SECURITY_HEADERS set (replacing any older values); an opaque response is returned as it is. */
export function withSecurityHeaders (response: Response): Response {
  if (response.type === 'opaque' || response.type === 'opaqueredirect' || response.type === 'error') return response
  const headers = new Headers(response.headers)
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) headers.set(name, value)
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers })
}
