/**
 * The lint configuration (eslint.config.js) enforces the layers: code placed
 * in each layer imports a real file of every other, and each import must be
 * allowed or refused exactly as the layer order says. The expected table is
 * written out here, apart from the configuration, so a pattern that matches
 * nothing, a rule that stopped running or an allowance that crept in fails
 * this test instead of passing silently.
 */
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ESLint } from 'eslint'
import { beforeAll, describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))

/** one real file in each part of the tree */
const TARGETS = {
  core: 'src/core/errors.ts',
  store: 'src/store/memory.ts',
  net: 'src/net/limits.ts',
  mesh: 'src/mesh/config.ts',
  api: 'src/api/format.ts',
  console: 'src/console/words.ts',
  app: 'src/app/ui/one-per.ts',
  relay: 'relay/config.ts',
  tests: 'tests/core/helpers.ts',
  bench: 'bench/stats.ts'
} as const
type Part = keyof typeof TARGETS

/** what each part may import: the layers below it (core -> store -> net -> mesh -> api -> console -> app) */
const ALLOWED: Record<Part, readonly Part[]> = {
  core: ['core'],
  store: ['core', 'store'],
  net: ['core', 'store', 'net'],
  mesh: ['core', 'store', 'net', 'mesh'],
  api: ['core', 'store', 'net', 'mesh', 'api'],
  console: ['core', 'store', 'net', 'mesh', 'api', 'console'],
  app: ['core', 'store', 'net', 'mesh', 'api', 'console', 'app'],
  relay: ['core', 'store', 'net', 'mesh', 'relay'],
  tests: Object.keys(TARGETS) as Part[],
  bench: Object.keys(TARGETS) as Part[]
}

/** where a probe file of each part is placed (it need not exist) */
const probe = (part: Part): string => part === 'relay' || part === 'tests' || part === 'bench' ? `${part}/boundary-probe.ts` : `src/${part}/boundary-probe.ts`

/** the repository's configuration, without the rules that need type information (probe files are not in the TypeScript project) */
let eslint: ESLint

async function lint (file: string, code: string): Promise<Array<{ ruleId: string | null, message: string }>> {
  const [result] = await eslint.lintText(code, { filePath: join(root, file) })
  return result?.messages.map(m => ({ ruleId: m.ruleId, message: m.message })) ?? []
}

function importOf (from: string, to: string): string {
  const path = relative(dirname(from), to)
  return path.startsWith('.') ? path : `./${path}`
}

describe('layer boundaries (eslint.config.js)', () => {
  beforeAll(async () => {
    eslint = new ESLint({
      cwd: root,
      overrideConfig: {
        files: ['**/*.ts'],
        languageOptions: { parserOptions: { projectService: false } },
        rules: { '@typescript-eslint/await-thenable': 'off', '@typescript-eslint/no-floating-promises': 'off', '@typescript-eslint/no-misused-promises': 'off' }
      }
    })
  })

  const parts = Object.keys(TARGETS) as Part[]
  for (const from of parts) {
    it(`${from} imports ${ALLOWED[from].join(', ')} and nothing else`, async () => {
      const outcome: Record<string, boolean> = {}
      for (const to of parts) {
        const file = probe(from)
        const messages = await lint(file, `import '${importOf(file, TARGETS[to])}'\n`)
        const refused = messages.some(m => m.ruleId === 'boundaries/dependencies')
        expect(messages.filter(m => m.ruleId !== 'boundaries/dependencies'), `${from} -> ${to}`).toEqual([])
        outcome[to] = !refused
      }
      expect(outcome).toEqual(Object.fromEntries(parts.map(to => [to, ALLOWED[from].includes(to)])))
    })
  }

  it('refuses an upward import of a type, a re-export and a dynamic import alike', async () => {
    const file = probe('console')
    for (const code of [
      "import type { AppState } from '../app/state.svelte.ts'\n",
      "export { onePer } from '../app/ui/one-per.ts'\n",
      "export async function load (): Promise<unknown> { return await import('../app/ui/one-per.ts') }\n"
    ]) {
      expect((await lint(file, code)).map(m => m.ruleId), code).toContain('boundaries/dependencies')
    }
    expect(await lint(probe('app'), "export type { Block } from '../console/index.ts'\n")).toEqual([])
  })

  it('names the layers in its message', async () => {
    const [message] = await lint(probe('core'), `import '${importOf(probe('core'), TARGETS.app)}'\n`)
    expect(message?.message).toMatch(/^core must not import app/)
  })

  it('places every folder: a file in a folder no layer claims is an error, and so is an import of nothing', async () => {
    expect((await lint('src/newlayer/thing.ts', 'export const x = 1\n')).map(m => m.ruleId)).toContain('boundaries/no-unknown-files')
    expect((await lint(probe('core'), "import './no-such-file.ts'\n")).map(m => m.ruleId)).toContain('boundaries/no-unknown-dependencies')
  })

  it('follows package.json "imports" to the file they name (#rs-wasm lives in core)', async () => {
    expect(await lint(probe('core'), "import { instantiateRsWasm } from '#rs-wasm'\nexport { instantiateRsWasm }\n")).toEqual([])
  })
})

describe('typed rules (eslint.config.js)', () => {
  it('reports a promise nobody awaits', async () => {
    // the repository's rules; types from a project of the fixture alone (the whole tree's takes a while to load)
    const eslint = new ESLint({
      cwd: root,
      ignore: false,
      overrideConfig: { files: ['**/*.ts'], languageOptions: { parserOptions: { projectService: false, project: 'tests/lint/fixtures/tsconfig.json', tsconfigRootDir: root } } }
    })
    const results = await eslint.lintFiles([join(root, 'tests/lint/fixtures/floating-promise.ts')])
    expect(results[0]?.messages.map(m => m.ruleId)).toEqual(['@typescript-eslint/no-floating-promises'])
  })
})
