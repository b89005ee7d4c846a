/** The tab's settings: the share of the contribution one owner may keep (src/app/runtime/settings.ts). */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DEFAULT_OWNER_SHARE, DEFAULT_SETTINGS, loadSettings, parseSharePercent, saveSettings } from '../../../src/app/runtime/settings.ts'

describe('settings: owner share', () => {
  const items = new Map<string, string>()
  beforeEach(() => {
    (globalThis as { localStorage?: unknown }).localStorage = {
      getItem: (k: string) => items.get(k) ?? null,
      setItem: (k: string, v: string) => { items.set(k, v) }
    }
  })
  afterEach(() => {
    items.clear()
    delete (globalThis as { localStorage?: unknown }).localStorage
  })

  it('defaults to a quarter of the contribution', () => {
    expect(DEFAULT_OWNER_SHARE).toBe(0.25)
    expect(DEFAULT_SETTINGS.ownerShare).toBe(0.25)
    expect(loadSettings('t').ownerShare).toBe(0.25)
  })

  it('keeps a saved share and falls back to the default for anything that is not a fraction in (0, 1]', () => {
    saveSettings('t', { ...DEFAULT_SETTINGS, ownerShare: 0.1 })
    expect(loadSettings('t').ownerShare).toBe(0.1)
    saveSettings('t', { ...DEFAULT_SETTINGS, ownerShare: 1 })
    expect(loadSettings('t').ownerShare).toBe(1)
    for (const bad of [0, -1, 1.5, 'half', null]) {
      items.set('t-settings', JSON.stringify({ ...DEFAULT_SETTINGS, ownerShare: bad }))
      expect(loadSettings('t').ownerShare).toBe(0.25)
    }
    items.set('t-settings', JSON.stringify({ nodeType: 'browser', contribution: 5e9, relays: [] })) // saved before shares existed
    expect(loadSettings('t')).toMatchObject({ contribution: 5e9, ownerShare: 0.25 })
  })

  it('reads a share typed as a percentage', () => {
    expect(parseSharePercent('25')).toBe(0.25)
    expect(parseSharePercent(' 12.5 ')).toBe(0.125)
    expect(parseSharePercent('100')).toBe(1)
    for (const bad of ['', '0', '-5', '101', 'abc', 'Infinity']) expect(parseSharePercent(bad)).toBeUndefined()
  })
})
