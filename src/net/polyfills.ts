/**
 * What libp2p 3.x needs that Node 20 lacks: `Promise.withResolvers` (ES2024)
 * and a global `WebSocket` (the websockets transport dials with it).
 *
 * - `Promise.withResolvers` is defined when this module is first evaluated,
 *   in every environment where it is missing (old browsers too).
 * - `installNodePolyfills()` also sets `globalThis.WebSocket` from the `ws`
 *   package, only in Node and only when missing. `ws` is imported
 *   dynamically through a variable so no bundler pulls it into the browser
 *   build; in a browser the function does nothing else.
 *
 * Import and await it before creating a libp2p node in Node.
 */

interface WithResolvers<T> {
  promise: Promise<T>
  resolve: (value: T | PromiseLike<T>) => void
  reject: (reason?: unknown) => void
}

function installWithResolvers (): void {
  const P = Promise as unknown as { withResolvers?: <T>() => WithResolvers<T> }
  if (typeof P.withResolvers === 'function') return
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: function withResolvers<T> (): WithResolvers<T> {
      let resolve!: WithResolvers<T>['resolve']
      let reject!: WithResolvers<T>['reject']
      const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej })
      return { promise, resolve, reject }
    }
  })
}

installWithResolvers()

function isNode (): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string'
}

let installing: Promise<void> | undefined

/** Install `Promise.withResolvers` and, in Node, a global `WebSocket` from `ws`. Idempotent. */
export async function installNodePolyfills (): Promise<void> {
  installWithResolvers()
  if (!isNode() || typeof globalThis.WebSocket === 'function') return
  installing ??= (async () => {
    const name = 'ws'
    const mod = await import(/* @vite-ignore */ name) as { WebSocket?: unknown, default?: unknown }
    const WebSocketClass = (mod.WebSocket ?? mod.default) as (new (...args: any[]) => { on: (event: string, fn: () => void) => void }) | undefined
    if (typeof globalThis.WebSocket !== 'function' && typeof WebSocketClass === 'function') {
      // `ws` sockets are EventEmitters: an 'error' emitted while no listener is
      // attached (a refused dial after the transport stopped listening) would
      // be thrown as an uncaught exception. Keep a no-op listener; the
      // transport still sees every error through its own listeners.
      class QuietWebSocket extends WebSocketClass {
        constructor (...args: any[]) {
          super(...args)
          this.on('error', () => {})
        }
      }
      Object.defineProperty(globalThis, 'WebSocket', { configurable: true, writable: true, value: QuietWebSocket })
    }
  })()
  await installing
}
