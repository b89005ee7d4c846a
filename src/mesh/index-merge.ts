/**
 * Merging another device's list (a backup) into the owner's index: the rule
 * every restore, sync and backup's merge-first follows (../index-store.ts
 * applies it as one change).
 *
 * 1. Tombstones: a current tombstone (./index-entries.ts) is kept, and the
 *    entry it names is removed; an expired one is ignored.
 * 2. Entries: one whose key is tombstoned is never added. One this device
 *    does not list is added. One it lists takes the backup's name, tags and
 *    `updated` when the backup's change is later (`updated`, else `created`,
 *    compared); on equal times (a name one device had to change under rule
 *    3, or two edits in the same millisecond) the version with the smaller
 *    name, then the smaller tags, so both devices pick the same one. Nothing
 *    else of an entry changes (its key, file key, size and holders are the
 *    file's own).
 * 3. Names stay unique: when an entry arrives at (or is renamed to) a name
 *    another file holds, the later claim keeps the name (later `updated`,
 *    else `created`; on equal times the greater key) and the other file
 *    moves to the first free "name (2)", "name (3)" ... Its own time does
 *    not change, as no one edited it.
 *
 * So a merge never loses a file: it removes only what the owner deleted,
 * and a renamed or moved file keeps its key, contents and share links. Two
 * devices that list the same files end with the same names; where their
 * lists differ, a free name may differ between them.
 */
import { utf8Length } from '../core/cbor.ts'
import { MANIFEST_LIMITS } from '../core/manifest.ts'
import { editedAt, tombstoneExpired } from './index-entries.ts'
import type { IndexEntry, Tombstone } from './types.ts'

/** What a merge reads and changes (the index, during one change). */
export interface MergeTarget {
  get: (key: string) => IndexEntry | undefined
  keyOfName: (name: string) => string | undefined
  /** add or replace an entry (by key) */
  set: (entry: IndexEntry) => void
  remove: (key: string) => void
  deletedAt: (key: string) => number | undefined
  tombstone: (t: Tombstone) => void
}

export interface MergeResult {
  added: number
  /** local entries renamed or retagged by a later change, or moved to a free name */
  updated: number
  /** local entries removed by a tombstone */
  removed: number
}

/**
 * `name`, or "name (2)", "name (3)" ... (before the extension) whichever
 * `taken` says is free, shortened where needed to stay within `maxBytes`
 * of UTF-8.
 */
export function freeName (name: string, taken: (name: string) => boolean, maxBytes = MANIFEST_LIMITS.nameBytes): string {
  if (!taken(name)) return name
  const dot = name.lastIndexOf('.')
  const [stem, ext] = dot > 0 && name.length - dot <= 16 ? [name.slice(0, dot), name.slice(dot)] : [name, '']
  for (let i = 2; ; i++) {
    const suffix = ` (${i})${ext}`
    let chars = Array.from(stem)
    while (chars.length > 0 && utf8Length(chars.join('') + suffix) > maxBytes) chars = chars.slice(0, -1)
    const candidate = chars.join('') + suffix
    if (!taken(candidate)) return candidate
  }
}

/** Whether `a`'s claim on a name comes after `b`'s (the later claim keeps it). */
function claimsLater (a: IndexEntry, b: IndexEntry): boolean {
  return editedAt(a) > editedAt(b) || (editedAt(a) === editedAt(b) && a.key > b.key)
}

/** Code-unit order of two strings (negative: `a` first). */
function order (a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * Whether the backup's version `theirs` of an entry replaces the local one
 * (rule 2): a later change, or on equal times the version with the smaller
 * name, then the smaller tags (so both devices pick the same one).
 */
function supersedes (theirs: IndexEntry, local: IndexEntry): boolean {
  return editedAt(theirs) > editedAt(local) || (editedAt(theirs) === editedAt(local) &&
    (order(theirs.name, local.name) || order(JSON.stringify(theirs.tags), JSON.stringify(local.tags))) < 0)
}

/** Where `entry` goes (rule 3): its name, moving the file that holds it, or a free name when that file's claim is later. */
function placement (target: MergeTarget, entry: IndexEntry): { name: string, moves?: IndexEntry } {
  const holderKey = target.keyOfName(entry.name)
  const holder = holderKey === undefined || holderKey === entry.key ? undefined : target.get(holderKey)
  if (holder === undefined) return { name: entry.name }
  if (claimsLater(entry, holder)) return { name: entry.name, moves: holder }
  // a name the entry itself holds now (before its rename) is free for it
  return { name: freeName(entry.name, n => (target.keyOfName(n) ?? entry.key) !== entry.key) }
}

/** Put `entry` in under `name`, then move the file it displaces to a free name (the entry first, so a name it leaves is free for that file). */
function place (target: MergeTarget, entry: IndexEntry, at: { name: string, moves?: IndexEntry }): void {
  target.set(at.name === entry.name ? entry : { ...entry, name: at.name })
  if (at.moves !== undefined) target.set({ ...at.moves, name: freeName(at.moves.name, n => target.keyOfName(n) !== undefined) })
}

/** Merge a backup's entries and tombstones into `target` (the rules of the module header). */
export function mergeInto (target: MergeTarget, backup: { entries: readonly IndexEntry[], deleted: readonly Tombstone[] }, now: number): MergeResult {
  const result: MergeResult = { added: 0, updated: 0, removed: 0 }
  for (const t of backup.deleted) {
    if (tombstoneExpired(t.deletedAt, now)) continue
    const held = target.deletedAt(t.key)
    if (held === undefined || t.deletedAt > held) target.tombstone(t)
    if (target.get(t.key) !== undefined) {
      target.remove(t.key)
      result.removed++
    }
  }
  const seen = new Set<string>()
  for (const e of backup.entries) {
    if (seen.has(e.key) || target.deletedAt(e.key) !== undefined) continue
    seen.add(e.key)
    const local = target.get(e.key)
    if (local === undefined) {
      const at = placement(target, e)
      place(target, e, at)
      result.added++
      if (at.moves !== undefined) result.updated++
      continue
    }
    if (!supersedes(e, local)) continue
    const next: IndexEntry = { ...local, name: e.name, tags: [...e.tags], ...(e.updated !== undefined ? { updated: e.updated } : {}) }
    const at = placement(target, next)
    // the name it would take may be the one it has (a later claim holds the other): then only tags and time can change
    if (at.name === local.name && JSON.stringify(next.tags) === JSON.stringify(local.tags) && next.updated === local.updated) continue
    place(target, next, at)
    result.updated += at.moves !== undefined ? 2 : 1
  }
  return result
}
