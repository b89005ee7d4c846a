/**
 * The journal of unwritten index changes, on a small map: changes made at
 * once and kept until a save ends, a written save's changes forgotten, a
 * failed save's taken back exactly (each change's steps last first), the
 * later ones made again on top in order, dropped when they no longer apply,
 * and no longer kept when they now alter nothing; and a model that rebuilds
 * the state from the last written one instead of taking steps back.
 */
import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { ChangeJournal, type MadeChange } from '../../src/mesh/index-journal.ts'

interface Step { key: string, before: number | undefined }

/** A map whose changes go through a journal, each write recorded with what it replaced. */
function journaled (initial: Record<string, number> = {}): { state: Map<string, number>, journal: ChangeJournal<Step>, reverted: Step[] } {
  const state = new Map(Object.entries(initial))
  const reverted: Step[] = []
  const journal = new ChangeJournal<Step>(step => {
    reverted.push(step)
    if (step.before === undefined) state.delete(step.key)
    else state.set(step.key, step.before)
  })
  return { state, journal, reverted }
}

/** The changes the tests make; each reads the state it changes, as a change made again must. */
const ops = {
  set: (s: Map<string, number>, record: (step: Step) => void, key: string, value: number): number => {
    record({ key, before: s.get(key) })
    s.set(key, value)
    return value
  },
  /** set a key that must be absent */
  claim: (s: Map<string, number>, record: (step: Step) => void, key: string, value: number): number => {
    if (s.has(key)) throw new Error(`${key} is taken`)
    return ops.set(s, record, key, value)
  },
  /** add one to a key that must be present; the new value */
  bump: (s: Map<string, number>, record: (step: Step) => void, key: string): number => {
    const value = s.get(key)
    if (value === undefined) throw new Error(`no ${key}`)
    return ops.set(s, record, key, value + 1)
  },
  /** take a key's value to another key that must be absent: it fails after one step when that key is taken */
  move: (s: Map<string, number>, record: (step: Step) => void, from: string, to: string): number => {
    const value = s.get(from)
    if (value === undefined) throw new Error(`no ${from}`)
    record({ key: from, before: value })
    s.delete(from)
    return ops.claim(s, record, to, value)
  },
  /** set a key twice in one change: two steps on one key */
  twice: (s: Map<string, number>, record: (step: Step) => void, key: string, value: number): number => {
    ops.set(s, record, key, value)
    return ops.set(s, record, key, value + 1)
  },
  /** set a key unless it already holds the value (then nothing changes) */
  ensure: (s: Map<string, number>, record: (step: Step) => void, key: string, value: number): number => {
    if (s.get(key) !== value) ops.set(s, record, key, value)
    return value
  }
}

const entries = (s: Map<string, number>): Record<string, number> => Object.fromEntries([...s].sort(([a], [b]) => a < b ? -1 : 1))

describe('ChangeJournal', () => {
  it('makes a change at once and keeps it until a save ends; one that alters nothing is not kept', () => {
    const { state, journal } = journaled({ a: 1 })
    const record = (step: Step): void => { journal.record(step) }
    const change = journal.make(() => ops.bump(state, record, 'a'))
    expect(state.get('a')).toBe(2)
    expect(change.pending).toBe(true)
    expect(change.outcome()).toBe(2)
    expect(journal.size).toBe(1)
    const nothing = journal.make(() => ops.ensure(state, record, 'a', 2))
    expect(nothing.pending).toBe(false)
    expect(nothing.outcome()).toBe(2)
    expect(journal.size).toBe(1)
  })

  it('takes back a change that throws, and rethrows; it is not kept', () => {
    const { state, journal } = journaled({ a: 1 })
    const record = (step: Step): void => { journal.record(step) }
    expect(() => journal.make(() => {
      ops.set(state, record, 'a', 5)
      ops.set(state, record, 'b', 6)
      return ops.claim(state, record, 'a', 7)
    })).toThrow('a is taken')
    expect(entries(state)).toEqual({ a: 1 })
    expect(journal.size).toBe(0)
  })

  it('records nothing outside a change', () => {
    const { state, journal, reverted } = journaled()
    ops.set(state, step => { journal.record(step) }, 'loaded', 1)
    journal.make(() => ops.set(state, step => { journal.record(step) }, 'a', 1))
    journal.rollBack(1)
    expect(reverted).toEqual([{ key: 'a', before: undefined }])
    expect(entries(state)).toEqual({ loaded: 1 })
  })

  it('takes back each change\'s steps last first, and the changes newest first', () => {
    const { state, journal } = journaled({ a: 1 })
    const record = (step: Step): void => { journal.record(step) }
    journal.make(() => { ops.set(state, record, 'a', 2); return ops.set(state, record, 'a', 3) })
    journal.make(() => ops.bump(state, record, 'a'))
    expect(state.get('a')).toBe(4)
    journal.rollBack(2)
    expect(entries(state)).toEqual({ a: 1 })
    expect(journal.size).toBe(0)
  })

  it('forgets what a written save carried: a later failure does not take it back', () => {
    const { state, journal } = journaled()
    const record = (step: Step): void => { journal.record(step) }
    journal.make(() => ops.claim(state, record, 'a', 1))
    journal.make(() => ops.claim(state, record, 'b', 2))
    journal.written(1)
    expect(journal.size).toBe(1)
    journal.rollBack(1)
    expect(entries(state)).toEqual({ a: 1 })
    expect(journal.size).toBe(0)
  })

  it('takes back exactly what a failed save carried and makes the later changes again on top, oldest first', () => {
    const { state, journal } = journaled({ x: 0 })
    const record = (step: Step): void => { journal.record(step) }
    // carried by the save that fails
    journal.make(() => ops.claim(state, record, 'y', 1))
    journal.make(() => ops.bump(state, record, 'x'))
    // made while it is written: they build on x, not on the failed changes
    const reset = journal.make(() => ops.set(state, record, 'x', 10))
    const bumped = journal.make(() => ops.bump(state, record, 'x'))
    const z = journal.make(() => ops.claim(state, record, 'z', 5))
    expect(entries(state)).toEqual({ x: 11, y: 1, z: 5 })
    expect(journal.size).toBe(5)
    journal.rollBack(2)
    expect(entries(state)).toEqual({ x: 11, z: 5 })
    expect([reset.outcome(), bumped.outcome(), z.outcome()]).toEqual([10, 11, 5])
    expect(journal.size).toBe(3)
    // made again, they carry their new steps: a second failed save takes them back to the start
    journal.rollBack(3)
    expect(entries(state)).toEqual({ x: 0 })
    expect(journal.size).toBe(0)
  })

  it('makes again with the state as it now is: a later change\'s outcome follows the undone one', () => {
    const { state, journal } = journaled({ x: 0 })
    const record = (step: Step): void => { journal.record(step) }
    journal.make(() => ops.bump(state, record, 'x'))
    const later = journal.make(() => ops.bump(state, record, 'x'))
    expect(later.outcome()).toBe(2)
    journal.rollBack(1)
    expect(later.outcome()).toBe(1)
    expect(entries(state)).toEqual({ x: 1 })
  })

  it('drops a later change that built on an undone one, and tells its caller why', () => {
    const { state, journal } = journaled()
    const record = (step: Step): void => { journal.record(step) }
    journal.make(() => ops.claim(state, record, 'a', 1))
    const builtOn = journal.make(() => ops.bump(state, record, 'a'))
    const independent = journal.make(() => ops.claim(state, record, 'b', 2))
    journal.rollBack(1)
    expect(() => builtOn.outcome()).toThrow('no a')
    expect(independent.outcome()).toBe(2)
    expect(entries(state)).toEqual({ b: 2 })
    expect(journal.size).toBe(1)
    // the dropped change is gone: taking back the rest leaves nothing of it
    journal.rollBack(1)
    expect(entries(state)).toEqual({})
  })

  it('no longer keeps a later change that now alters nothing', () => {
    const { state, journal } = journaled({ a: 1 })
    const record = (step: Step): void => { journal.record(step) }
    journal.make(() => ops.set(state, record, 'a', 2))
    const ensured = journal.make(() => ops.ensure(state, record, 'a', 1))
    expect(ensured.pending).toBe(true)
    journal.rollBack(1)
    expect(ensured.pending).toBe(false)
    expect(ensured.outcome()).toBe(1)
    expect(journal.size).toBe(0)
    expect(entries(state)).toEqual({ a: 1 })
  })
})

type Command =
  | { op: 'set' | 'claim' | 'ensure' | 'twice', key: string, value: number }
  | { op: 'bump', key: string }
  | { op: 'move', key: string, to: string }
  | { op: 'startSave' }
  | { op: 'endSave', ok: boolean }

const key = fc.constantFrom('a', 'b', 'c')
const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ op: fc.constantFrom('set' as const, 'claim' as const, 'ensure' as const, 'twice' as const), key, value: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ op: fc.constant('bump' as const), key }),
  fc.record({ op: fc.constant('move' as const), key, to: key }),
  fc.constant({ op: 'startSave' as const }),
  fc.record({ op: fc.constant('endSave' as const), ok: fc.boolean() })
)

type Change = Exclude<Command, { op: 'startSave' | 'endSave' }>

function apply (s: Map<string, number>, c: Change, record: (step: Step) => void): number {
  if (c.op === 'bump') return ops.bump(s, record, c.key)
  if (c.op === 'move') return ops.move(s, record, c.key, c.to)
  return ops[c.op](s, record, c.key, c.value)
}

/** A change as the model holds it: what it returned when last made, or why it was dropped. */
interface Modeled { change: Change, outcome?: number, dropped?: Error }

describe('ChangeJournal against a model that rebuilds from the last written state', () => {
  it('leaves the state the model rebuilds, keeps the same changes and gives the same outcomes', () => {
    fc.assert(fc.property(fc.array(command, { maxLength: 40 }), commands => {
      const { state, journal } = journaled()
      const record = (step: Step): void => { journal.record(step) }
      // the model: the last written state, the changes kept since, and the state they make
      let written = new Map<string, number>()
      let kept: Modeled[] = []
      let model = new Map<string, number>()
      const made: Array<{ handle: MadeChange<number>, modeled: Modeled }> = []
      let save: { carried: number, snapshot: Map<string, number> } | undefined
      for (const c of commands) {
        if (c.op === 'startSave') {
          if (save !== undefined) continue
          save = { carried: journal.size, snapshot: new Map(model) }
        } else if (c.op === 'endSave') {
          if (save === undefined) continue
          if (c.ok) {
            journal.written(save.carried)
            written = save.snapshot
            kept = kept.slice(save.carried)
          } else {
            journal.rollBack(save.carried)
            // rebuild: the changes made after the failed save started, made again from the last written state
            const later = kept.slice(save.carried)
            model = new Map(written)
            kept = []
            for (const m of later) {
              const next = new Map(model)
              let changed = false
              try {
                m.outcome = apply(next, m.change, () => { changed = true })
                model = next
                if (changed) kept.push(m)
              } catch (err) {
                m.dropped = err as Error
              }
            }
          }
          save = undefined
        } else {
          const next = new Map(model)
          let changed = false
          let outcome: number | undefined
          let failure: Error | undefined
          try {
            outcome = apply(next, c, () => { changed = true })
          } catch (err) {
            failure = err as Error
          }
          if (failure !== undefined) {
            expect(() => journal.make(() => apply(state, c, record))).toThrow(failure.message)
          } else {
            const handle = journal.make(() => apply(state, c, record))
            expect(handle.pending).toBe(changed)
            const modeled: Modeled = { change: c, outcome }
            made.push({ handle, modeled })
            if (changed) kept.push(modeled)
            model = next
          }
        }
        expect(entries(state)).toEqual(entries(model))
        expect(journal.size).toBe(kept.length)
      }
      for (const { handle, modeled } of made) {
        if (modeled.dropped !== undefined) expect(() => handle.outcome()).toThrow(modeled.dropped.message)
        else expect(handle.outcome()).toBe(modeled.outcome)
      }
      // taking back every kept change reaches the last written state
      journal.rollBack(journal.size)
      expect(entries(state)).toEqual(entries(written))
    }), { numRuns: 300 })
  })
})
