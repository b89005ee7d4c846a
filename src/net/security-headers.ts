/**
 * The HTTP headers the relay puts on every response it serves (relay/http.ts)
 * and the service worker on every response it answers from its cache
 * (src/app/sw.ts), so a shell cached before a policy change still gets
 * today's policy. One home for both sides of this contract.
 */

/**
 * The app's Content-Security-Policy. Only the app's own files run; nothing
 * a file's sender controls can become a script, a plugin or a base URL.
 */
export const CONTENT_SECURITY_POLICY = [
  // anything not named below: the app's own origin only
  "default-src 'self'",
  // the built app's own files; 'wasm-unsafe-eval' compiles WebAssembly (Reed-Solomon, BLAKE3, Argon2id) and allows no JavaScript eval
  "script-src 'self' 'wasm-unsafe-eval'",
  // the built stylesheets only: no inline <style> or style attributes (styles set through the CSSOM stay allowed)
  "style-src 'self'",
  // icons; blob: for image previews; data: for the share dialog's QR code
  "img-src 'self' blob: data:",
  // blob: for video and audio previews
  "media-src 'self' blob:",
  // /network.json and /health here; ws: and wss: reach relays the user configured on any host (WebRTC is not governed by CSP)
  "connect-src 'self' ws: wss:",
  // the coding and Argon2id workers and the service worker, built into this origin
  "worker-src 'self'",
  // the hidden download frame (/__download/…, answered by the service worker); no blob: or foreign documents in frames
  "frame-src 'self'",
  // the web app manifest
  "manifest-src 'self'",
  // no <object> or <embed>: no plugin content at all
  "object-src 'none'",
  // no <base>: relative URLs always resolve against this origin
  "base-uri 'none'",
  // forms are handled by script; none may post elsewhere
  "form-action 'self'",
  // no other site may frame the app (clickjacking)
  "frame-ancestors 'none'"
].join('; ')

/** Headers on every response of the app: the relay's, and those the service worker answers from its cache. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy': CONTENT_SECURITY_POLICY,
  // a response is what its Content-Type says, never sniffed into HTML or script
  'x-content-type-options': 'nosniff',
  // share links carry secrets in the fragment (never sent); no path, query or origin goes to other sites either
  'referrer-policy': 'no-referrer'
})
