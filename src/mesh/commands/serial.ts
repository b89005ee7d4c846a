/** One index backup, restore or sync of a mesh at a time. */
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
