/**
 * Runs the end-to-end suite (relay, storage peers, Chromium tabs talking
 * WebRTC) inside a network namespace that has nothing but loopback, so no
 * ICE candidate or packet can reach a real interface.
 *
 * - Already isolated (only `lo` is up): run vitest's e2e project directly.
 * - Otherwise re-exec through `unshare -n` (root) or `unshare -rn`
 *   (unprivileged user namespaces), bringing `lo` up first.
 * - If neither works, refuse, unless DATAMESH_E2E_ALLOW_NETWORK=1 says the
 *   machine's interfaces may be used.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { networkInterfaces, tmpdir } from 'node:os'
import { join } from 'node:path'

function onlyLoopback (): boolean {
  return Object.entries(networkInterfaces()).every(([name, addrs]) => name === 'lo' || (addrs ?? []).every(a => a.internal))
}

const vitest = ['npx', 'vitest', 'run', '--project', 'e2e', ...process.argv.slice(2)]

// each run builds the app into a folder of its own, so concurrent runs never share one
const dist = mkdtempSync(join(tmpdir(), 'datamesh-e2e-dist-'))
process.on('exit', () => { rmSync(dist, { recursive: true, force: true }) })

function run (cmd: string, args: string[]): number {
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, DATAMESH_E2E_ISOLATED: '1', DATAMESH_E2E_DIST: dist } })
  if (r.error !== undefined) return -1
  return r.status ?? 1
}

if (onlyLoopback() || process.env.DATAMESH_E2E_ALLOW_NETWORK === '1') {
  process.exit(run(vitest[0] as string, vitest.slice(1)))
}

const inner = `ip link set lo up && exec ${vitest.join(' ')}`
for (const flags of [['-n'], ['-rn']]) {
  const probe = spawnSync('unshare', [...flags, 'true'])
  if (probe.status === 0) process.exit(run('unshare', [...flags, 'sh', '-c', inner]))
}
process.stderr.write('e2e: cannot create a loopback-only network namespace (unshare -n / -rn failed).\n' +
  'These tests start WebRTC between browser tabs and must not touch real interfaces.\n' +
  'Run them as root, enable unprivileged user namespaces, or set DATAMESH_E2E_ALLOW_NETWORK=1 to accept the risk.\n')
process.exit(1)
