/**
 * The first-run wizard's steps and what blocks "Next" at each, as pure
 * functions of the choices so far (the components only render them).
 */
import { parseSize, sizeProblem, DEFAULT_BROWSER_CONTRIBUTION, type SizeUnit } from './size.ts'
import { relayListProblem, rowsToRelays, type RelayRow } from './relays.ts'
import { newPasswordProblem, type Rating } from './password.ts'
import { DEFAULT_OWNER_SHARE, type Settings } from '../runtime/settings.ts'

export const STEPS = ['Node type', 'Network', 'Keys', 'Start'] as const
export type Step = 0 | 1 | 2 | 3

export interface WizardChoices {
  nodeType: Settings['nodeType']
  /** the contributor's size as typed */
  contribution: { amount: string, unit: SizeUnit }
  /** the browser's storage estimate for this origin (bytes), when known */
  storageQuota?: number
  relayMode: 'default' | 'custom'
  relays: RelayRow[]
  keyMode: 'create' | 'import'
  password: string
  confirm: string
  rating: Rating | undefined
  allowWeak: boolean
  /** the chosen key backup file, when one was picked */
  importFile: { name: string, size: number } | undefined
  importPassword: string
}

/** The contribution the choices stand for: 1 GB for a browser peer, the typed size for a contributor. */
export function contributionOf (c: Pick<WizardChoices, 'nodeType' | 'contribution'>): number | undefined {
  if (c.nodeType === 'browser') return DEFAULT_BROWSER_CONTRIBUTION
  return parseSize(c.contribution.amount, c.contribution.unit)
}

/** the largest backup file accepted (an export of many keys is a few KiB) */
export const MAX_BACKUP_FILE = 1024 * 1024

/** Why "Next" (or "Start" on the last step) is blocked, or null. */
export function stepProblem (step: Step, c: WizardChoices): string | null {
  switch (step) {
    case 0:
      if (c.nodeType === 'browser') return null
      return sizeProblem(contributionOf(c), c.storageQuota !== undefined ? { max: c.storageQuota } : {})
    case 1:
      return c.relayMode === 'default' ? null : relayListProblem(c.relays)
    case 2: {
      if (c.keyMode === 'import') {
        if (c.importFile === undefined) return 'Choose your key backup file'
        if (c.importFile.size === 0 || c.importFile.size > MAX_BACKUP_FILE) return 'This file is not a DataMesh key backup'
        if (c.importPassword === '') return 'Enter the password the backup was sealed with'
      }
      return newPasswordProblem(c)
    }
    case 3:
      for (const s of [0, 1, 2] as const) {
        const problem = stepProblem(s, c)
        if (problem !== null) return problem
      }
      return null
  }
}

/** The first step that still blocks (where "Start" sends the user back), or null. */
export function firstBlockedStep (c: WizardChoices): Step | null {
  for (const s of [0, 1, 2] as const) if (stepProblem(s, c) !== null) return s
  return null
}

/** The step an error from setup() belongs to: key and password errors to Keys, the rest to Start. */
export function stepForError (name: string): Step {
  return ['BadPasswordError', 'WeakPasswordError', 'MalformedDataError', 'UnsupportedVersionError', 'AlreadyExistsError'].includes(name) ? 2 : 3
}

/** The settings part of setup()'s options. */
export function settingsOf (c: WizardChoices): Settings {
  return {
    nodeType: c.nodeType,
    contribution: contributionOf(c) ?? DEFAULT_BROWSER_CONTRIBUTION,
    ownerShare: DEFAULT_OWNER_SHARE, // changed in Settings, not asked in the wizard
    relays: c.relayMode === 'custom' ? rowsToRelays(c.relays) : []
  }
}
