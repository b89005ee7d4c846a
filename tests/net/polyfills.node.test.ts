import { expect, it } from 'vitest'
import { installNodePolyfills } from '../../src/net/polyfills.ts'

it('installs Promise.withResolvers and a global WebSocket in Node', async () => {
  await installNodePolyfills()
  await installNodePolyfills() // idempotent
  expect(typeof (Promise as unknown as { withResolvers: unknown }).withResolvers).toBe('function')
  const { promise, resolve } = (Promise as unknown as { withResolvers: <T>() => { promise: Promise<T>, resolve: (v: T) => void } }).withResolvers<number>()
  resolve(3)
  expect(await promise).toBe(3)
  expect(typeof globalThis.WebSocket).toBe('function')
})
