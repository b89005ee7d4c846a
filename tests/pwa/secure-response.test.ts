/** The service worker's cached responses get today's security headers, whatever they were cached with. */
import { describe, it, expect } from 'vitest'
import { withSecurityHeaders } from '../../src/app/pwa/secure-response.ts'
import { CONTENT_SECURITY_POLICY, SECURITY_HEADERS } from '../../src/net/security-headers.ts'

describe('withSecurityHeaders', () => {
  it('adds the headers to a response cached without them, keeping status, type and body', async () => {
    const cached = new Response('<!doctype html><title>shell</title>', { status: 200, statusText: 'OK', headers: { 'content-type': 'text/html; charset=utf-8', etag: '"1"' } })
    const served = withSecurityHeaders(cached)
    expect(served.status).toBe(200)
    expect(served.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(served.headers.get('etag')).toBe('"1"')
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(served.headers.get(name)).toBe(value)
    expect(await served.text()).toBe('<!doctype html><title>shell</title>')
  })

  it('replaces an older policy', () => {
    const cached = new Response('x', { headers: { 'content-security-policy': "default-src *; script-src 'unsafe-inline'", 'referrer-policy': 'unsafe-url' } })
    const served = withSecurityHeaders(cached)
    expect(served.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY)
    expect(served.headers.get('referrer-policy')).toBe('no-referrer')
  })

  it('leaves an error response alone', () => {
    const failed = Response.error()
    expect(withSecurityHeaders(failed)).toBe(failed)
  })
})
