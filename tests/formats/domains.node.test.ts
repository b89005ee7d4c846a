/**
 * Every `datamesh/...` string in src (HKDF info strings and signature
 * domains) has frozen bytes in a sample, so a new derivation cannot ship
 * without one and an existing one cannot change unnoticed. A string whose
 * format is still being changed is listed as pending, with the reason.
 * Node only: it reads the source tree.
 */
import { describe, it, expect } from 'vitest'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const root = join(import.meta.dirname, '..', '..')
const samples = join(root, 'tests', 'fixtures', 'formats')

/** domain or info string -> the sample that freezes the bytes it gives */
const FROZEN: Record<string, string> = {
  'datamesh/manifest/v1': 'derivations-v1.json',
  'datamesh/v1/content': 'derivations-v1.json',
  'datamesh/v1/manifest': 'derivations-v1.json',
  'datamesh/v1/ecies/x25519-hkdf-sha256-aes256gcm': 'derivations-v1.json',
  'datamesh/shard/store/v1': 'shard-signatures-v1.json',
  'datamesh/shard/delete/v1': 'shard-signatures-v1.json',
  'datamesh/shard/grant/v1': 'shard-signatures-v1.json',
  'datamesh/shard/store/v2': 'shard-leases-v2.json',
  'datamesh/shard/renew/v1': 'shard-leases-v2.json',
  'datamesh/provider/v1': 'shard-signatures-v1.json',
  'datamesh/share/v1': 'share-link-envelope-v1.json',
  'datamesh/v1/holder-owner-key': 'holder-key-v1.json',
  'datamesh/index-pointer/v1': 'index-record-v2.json',
  'datamesh/index-pointer/sealed/v1': 'index-record-v2.json',
  'datamesh/audit/v1': 'audit-frames-v1.json',
  'datamesh/v1/repair-key': 'repair-v1.json',
  'datamesh/v1/repair-id': 'repair-id-v1.json',
  'datamesh/repair-cap/v1': 'repair-v1.json',
  'datamesh/repair-release/v1': 'repair-v1.json'
}

/** strings of formats still being changed (present or about to be), with the reason: each gets a sample once it settles */
const PENDING: Record<string, string> = {}

/** the libp2p agent version, not a derivation */
const AGENT = /^datamesh\/\d+\.\d+\.\d+$/

function sources (dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(e => {
    const path = join(dir, e.name)
    if (e.isDirectory()) return sources(path)
    return /\.(ts|svelte)$/.test(e.name) ? [path] : []
  })
}

/** Every quoted `datamesh/...` literal; `datamesh/v1/${purpose}` expands over the SubKeyPurpose union of aead.ts. */
function domainStrings (): Map<string, string[]> {
  const found = new Map<string, string[]>()
  const note = (s: string, file: string): void => { found.set(s, [...(found.get(s) ?? []), file]) }
  for (const file of sources(join(root, 'src'))) {
    const text = readFileSync(file, 'utf8')
    for (const m of text.matchAll(/(['"`])(datamesh\/[^'"`\s]*)\1/g)) {
      const literal = m[2] as string
      if (!literal.includes('${')) { note(literal, file); continue }
      expect(literal, `${file}: a derived domain string this test does not know how to expand`).toBe('datamesh/v1/${purpose}')
      const union = /export type SubKeyPurpose = ([^\n]+)/.exec(text)?.[1] ?? ''
      const purposes = [...union.matchAll(/'([a-z-]+)'/g)].map(p => p[1] as string)
      expect(purposes.length).toBeGreaterThan(0)
      for (const p of purposes) note(`datamesh/v1/${p}`, file)
    }
  }
  return found
}

describe('domain and info strings', () => {
  const found = domainStrings()

  it('finds every frozen string (the scan works)', () => {
    for (const s of Object.keys(FROZEN)) expect(found.has(s), s).toBe(true)
  })

  it('every string in src is frozen in a sample, or pending with a reason', () => {
    const unknown = [...found.keys()].filter(s => FROZEN[s] === undefined && PENDING[s] === undefined && !AGENT.test(s))
    expect(unknown, `add a sample to tests/fixtures/formats for: ${unknown.join(', ')}`).toEqual([])
  })

  it('the sample named for each string records it', () => {
    for (const [s, file] of Object.entries(FROZEN)) {
      expect(readFileSync(join(samples, file), 'utf8').includes(`"${s}"`), `${s} in ${file}`).toBe(true)
    }
  })
})
