import { describe, expect, it } from 'vitest'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { contributionOf, firstBlockedStep, MAX_BACKUP_FILE, settingsOf, STEPS, stepForError, stepProblem, type WizardChoices } from '../../../src/app/setup/steps.ts'
import { GB, MB } from '../../../src/app/setup/size.ts'
import { MIN_PASSWORD_SCORE } from '../../../src/core/keystore/strength.ts'
import { DEFAULT_SETTINGS } from '../../../src/app/runtime/settings.ts'

const relay = `/dns4/relay.example.com/tcp/443/wss/p2p/${peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()}`

/** choices that pass every step */
function choices (change: Partial<WizardChoices> = {}): WizardChoices {
  return {
    nodeType: 'browser',
    contribution: { amount: '5', unit: 'GB' },
    relayMode: 'default',
    relays: [],
    keyMode: 'create',
    password: 'correct horse battery staple',
    confirm: 'correct horse battery staple',
    rating: { score: 4, minimum: MIN_PASSWORD_SCORE },
    allowWeak: false,
    importFile: undefined,
    importPassword: '',
    ...change
  }
}

describe('the wizard steps', () => {
  it('are four, and sound defaults pass them all', () => {
    expect(STEPS).toHaveLength(4)
    for (const step of [0, 1, 2, 3] as const) expect(stepProblem(step, choices())).toBeNull()
    expect(firstBlockedStep(choices())).toBeNull()
  })

  describe('1. node type', () => {
    it('a browser peer offers 1 GB and nothing blocks it, whatever is typed for a contributor', () => {
      const c = choices({ contribution: { amount: 'x', unit: 'GB' } })
      expect(stepProblem(0, c)).toBeNull()
      expect(contributionOf(c)).toBe(GB)
    })

    it('a contributor needs a size within bounds and the browser estimate', () => {
      const contributor = (amount: string, unit: 'GB' | 'MB' = 'GB', storageQuota?: number): WizardChoices =>
        choices({ nodeType: 'contributor', contribution: { amount, unit }, ...(storageQuota !== undefined ? { storageQuota } : {}) })
      expect(stepProblem(0, contributor('20'))).toBeNull()
      expect(contributionOf(contributor('20'))).toBe(20 * GB)
      expect(stepProblem(0, contributor(''))).toMatch(/number/)
      expect(stepProblem(0, contributor('abc'))).toMatch(/number/)
      expect(stepProblem(0, contributor('0'))).toMatch(/at least/)
      expect(stepProblem(0, contributor('50', 'MB'))).toMatch(/at least/)
      expect(stepProblem(0, contributor('500', 'MB'))).toBeNull()
      expect(stepProblem(0, contributor('20', 'GB', 10 * GB))).toMatch(/at most/)
      expect(stepProblem(0, contributor('9', 'GB', 10 * GB))).toBeNull()
    })
  })

  describe('2. network', () => {
    it('this server’s relays never block; a custom list needs valid relays', () => {
      expect(stepProblem(1, choices({ relays: [{ id: 1, multiaddr: 'junk', priority: 0 }] }))).toBeNull()
      expect(stepProblem(1, choices({ relayMode: 'custom' }))).toMatch(/at least one/)
      expect(stepProblem(1, choices({ relayMode: 'custom', relays: [{ id: 1, multiaddr: '/dns4/x/tcp/443/wss', priority: 0 }] }))).toMatch(/p2p/)
      expect(stepProblem(1, choices({ relayMode: 'custom', relays: [{ id: 1, multiaddr: relay, priority: 0 }] }))).toBeNull()
    })
  })

  describe('3. keys', () => {
    it('new keys need a confirmed password that is strong enough, or consent to a weak one', () => {
      expect(stepProblem(2, choices({ password: '', confirm: '' }))).toMatch(/Choose/)
      expect(stepProblem(2, choices({ confirm: 'other' }))).toMatch(/not the same/)
      expect(stepProblem(2, choices({ rating: undefined }))).toMatch(/Checking/)
      const weak = { score: MIN_PASSWORD_SCORE - 1, minimum: MIN_PASSWORD_SCORE }
      expect(stepProblem(2, choices({ rating: weak }))).toMatch(/too easy/)
      expect(stepProblem(2, choices({ rating: weak, allowWeak: true }))).toBeNull()
    })

    it('an import needs a backup file, its password and a password for this device', () => {
      const file = { name: 'datamesh-keys-2026-01-01.dmkeys', size: 900 }
      expect(stepProblem(2, choices({ keyMode: 'import' }))).toMatch(/backup file/)
      expect(stepProblem(2, choices({ keyMode: 'import', importFile: file }))).toMatch(/password the backup/)
      expect(stepProblem(2, choices({ keyMode: 'import', importFile: { name: 'big.iso', size: MAX_BACKUP_FILE + 1 }, importPassword: 'x' }))).toMatch(/not a DataMesh key backup/)
      expect(stepProblem(2, choices({ keyMode: 'import', importFile: { name: 'empty', size: 0 }, importPassword: 'x' }))).toMatch(/not a DataMesh key backup/)
      expect(stepProblem(2, choices({ keyMode: 'import', importFile: file, importPassword: 'x', confirm: '' }))).toMatch(/not the same/)
      expect(stepProblem(2, choices({ keyMode: 'import', importFile: file, importPassword: 'x' }))).toBeNull()
    })
  })

  describe('4. start', () => {
    it('is blocked by any earlier step, and says where', () => {
      const c = choices({ relayMode: 'custom', password: '' })
      expect(stepProblem(3, c)).toMatch(/at least one/)
      expect(firstBlockedStep(c)).toBe(1)
      expect(firstBlockedStep(choices({ password: '' }))).toBe(2)
    })

    it('maps the choices onto settings', () => {
      expect(settingsOf(choices())).toEqual({ ...DEFAULT_SETTINGS, relays: [] })
      expect(settingsOf(choices({ nodeType: 'contributor', contribution: { amount: '750', unit: 'MB' }, relayMode: 'custom', relays: [{ id: 1, multiaddr: ` ${relay}`, priority: 2 }] })))
        .toEqual({ nodeType: 'contributor', contribution: 750 * MB, ownerShare: DEFAULT_SETTINGS.ownerShare, relays: [{ multiaddr: relay, priority: 2 }] })
      // rows typed in custom mode are dropped when the user went back to this server's relays
      expect(settingsOf(choices({ relays: [{ id: 1, multiaddr: relay, priority: 0 }] })).relays).toEqual([])
    })

    it('sends key errors back to the keys step, others stay at start', () => {
      for (const name of ['BadPasswordError', 'MalformedDataError', 'WeakPasswordError', 'UnsupportedVersionError']) expect(stepForError(name)).toBe(2)
      for (const name of ['Error', 'TimeoutError', 'QuotaExceededError', '']) expect(stepForError(name)).toBe(3)
    })
  })
})
