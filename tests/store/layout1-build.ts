/**
 * The filesystem shard store of the last release that wrote layout 1
 * (commit 2de8be8, the build operators run when they downgrade): its
 * src/core and src/store, committed as tests/fixtures/layout1-build.tar.gz
 * (made by `git archive --format=tar <LAYOUT1_COMMIT> src/core src/store |
 * gzip -9n`, so a shallow clone has them too), are extracted into a
 * temporary folder, this checkout's node_modules linked in, and imported as
 * they are. Tests run that real code against the folders today's code
 * leaves behind.
 */
import { execFileSync } from 'node:child_process'
import { mkdtemp, readFile, rm, symlink } from 'node:fs/promises'
import { gunzipSync } from 'node:zlib'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ShardStore } from '../../src/store/types.ts'

/** the last commit whose src/store/fs.ts writes layout 1 */
export const LAYOUT1_COMMIT = '2de8be828df2e261227e48f4bf01385954908683'

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
/** the build's src/core and src/store, as `git archive` wrote them */
const ARCHIVE = join(repoRoot, 'tests', 'fixtures', 'layout1-build.tar.gz')

export interface Layout1Options {
  root: string
  quota: number
  durable?: boolean
  onCorrupt?: (id: string) => void
}

/** What the layout-1 build's store offers (a subset of today's ShardStore). */
export type Layout1Store = Pick<ShardStore, 'put' | 'get' | 'has' | 'delete' | 'list' | 'entries' | 'scrub' | 'close'>

export interface Layout1Build {
  openFsStore: (options: Layout1Options) => Promise<Layout1Store>
  /** remove the extracted code */
  dispose: () => Promise<void>
}

export async function loadLayout1Build (): Promise<Layout1Build> {
  const dir = await mkdtemp(join(tmpdir(), 'datamesh-layout1-build-'))
  const dispose = async (): Promise<void> => { await rm(dir, { recursive: true, force: true }) }
  try {
    const tar = gunzipSync(await readFile(ARCHIVE))
    execFileSync('tar', ['-x', '-C', dir], { input: tar })
    await symlink(join(repoRoot, 'node_modules'), join(dir, 'node_modules'), 'dir')
    const mod = await import(/* @vite-ignore */ join(dir, 'src', 'store', 'fs.ts')) as { openFsStore: Layout1Build['openFsStore'] }
    return { openFsStore: mod.openFsStore, dispose }
  } catch (err) {
    await dispose()
    throw err
  }
}
