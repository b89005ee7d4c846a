/**
 * Settings the wizard chooses and the settings view changes: node type,
 * contribution size, relays. Kept in localStorage (nothing secret in them).
 */
import type { BootstrapPeer } from '../../net/options.ts'

export interface Settings {
  nodeType: 'browser' | 'contributor'
  /** bytes of this device's storage offered to the mesh */
  contribution: number
  /** custom relays with priorities; empty = the serving relay's list */
  relays: BootstrapPeer[]
}

export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze({ nodeType: 'browser', contribution: 1024 ** 3, relays: [] })

export function loadSettings (namespace: string): Settings {
  try {
    const raw = localStorage.getItem(`${namespace}-settings`)
    if (raw === null) return { ...DEFAULT_SETTINGS }
    const s = JSON.parse(raw) as Partial<Settings>
    return {
      nodeType: s.nodeType === 'contributor' ? 'contributor' : 'browser',
      contribution: typeof s.contribution === 'number' && s.contribution > 0 ? s.contribution : DEFAULT_SETTINGS.contribution,
      relays: Array.isArray(s.relays) ? s.relays.filter(r => typeof r?.multiaddr === 'string') : []
    }
  } catch {
    return { ...DEFAULT_SETTINGS }
  }
}

export function saveSettings (namespace: string, settings: Settings): void {
  localStorage.setItem(`${namespace}-settings`, JSON.stringify(settings))
}
