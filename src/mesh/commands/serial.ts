/**
 * One index backup, restore or sync of a mesh at a time, whoever starts it
 * (the app's change-driven backups, the IndexKeeper's syncs, a restore the
 * owner asks for). Each one looks the owner's record up, merges, and may
 * publish a record whose `seq` is above every one it knows; run together,
 * two could take their `seq` from the same state, merge the same backup
 * twice, or leave a backup shard behind that nothing deletes.
 * tests/mesh/index-serial.node.test.ts fails without this.
 */
import type { MeshContext } from '../context.ts'

const running = new WeakMap<MeshContext, Promise<unknown>>()

/** Run `task` after every task of this mesh begun before it (whatever their outcome). */
export async function oneAtATime<T> (ctx: MeshContext, task: () => Promise<T>): Promise<T> {
  const before = running.get(ctx) ?? Promise.resolve()
  const result = before.catch(() => {}).then(task)
  running.set(ctx, result)
  try {
    return await result
  } finally {
    if (running.get(ctx) === result) running.delete(ctx)
  }
}
