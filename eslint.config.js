/**
 * ESLint: the layer boundaries, plus a few rules that catch real bugs. Style
 * is left to review and to the neighbouring code; types to `tsc`.
 *
 * Layers (docs/ARCHITECTURE.md), each importing only the ones before it:
 *   core -> store -> net -> mesh -> api -> console -> app
 * relay/ runs on core, store, net and mesh; tests/, bench/, scripts/ and sim/ may
 * import anything. An import that resolves to no known file, and a file
 * under these folders that belongs to no layer, are errors too, so a new
 * folder has to be placed in the picture before it can be used.
 *
 * tests/lint/boundaries.test.ts lints code placed in every layer against
 * this file and expects each upward import to fail, so a pattern that
 * matches nothing (or a rule that stopped running) cannot pass silently.
 */
import boundaries from 'eslint-plugin-boundaries'
import tseslint from 'typescript-eslint'

/** each layer and what it may import besides itself (packages are not layers) */
export const LAYERS = {
  core: [],
  store: ['core'],
  net: ['core', 'store'],
  mesh: ['core', 'store', 'net'],
  api: ['core', 'store', 'net', 'mesh'],
  console: ['core', 'store', 'net', 'mesh', 'api'],
  app: ['core', 'store', 'net', 'mesh', 'api', 'console'],
  relay: ['core', 'store', 'net', 'mesh']
}

/** what may import anything (and is imported by no layer) */
const FREE = ['tests', 'bench', 'scripts', 'sim']

const elements = [
  ...Object.keys(LAYERS).map(type => ({ type, pattern: type === 'relay' ? 'relay' : `src/${type}` })),
  ...FREE.map(type => ({ type, pattern: type }))
]

export default tseslint.config(
  // tests/lint/fixtures holds code that must fail, for tests/lint/boundaries.test.ts
  { ignores: ['node_modules/**', 'dist/**', 'test-results/**', 'public/**', 'patches/**', 'tests/lint/fixtures/**'] },
  {
    files: ['**/*.ts', '**/*.js'],
    languageOptions: {
      parser: tseslint.parser,
      ecmaVersion: 2023,
      sourceType: 'module'
    },
    // the code carries a few directives for rules this file does not run (no-new, no-control-regex)
    linterOptions: { reportUnusedDisableDirectives: 'off' },
    plugins: { boundaries, '@typescript-eslint': tseslint.plugin },
    settings: {
      'boundaries/elements': elements,
      // the configuration files at the root import packages only
      'boundaries/include': ['src/**', 'relay/**', 'tests/**', 'bench/**', 'scripts/**', 'sim/**'],
      // package.json "imports" (#rs-wasm) first, then relative paths as Node resolves them
      'import/resolver': { './scripts/lint-resolver.cjs': {}, node: { extensions: ['.ts', '.js', '.svelte'] } }
    },
    rules: {
      'boundaries/dependencies': ['error', {
        default: 'disallow',
        message: '{{from.type}} must not import {{to.type}}: a layer imports only the layers below it (eslint.config.js)',
        policies: [
          ...Object.entries(LAYERS).map(([type, below]) => ({
            from: { element: { type } },
            allow: { to: { element: { types: { anyOf: [type, ...below] } } } }
          })),
          {
            from: { element: { types: { anyOf: FREE } } },
            allow: { to: { element: { types: { anyOf: [...Object.keys(LAYERS), ...FREE] } } } }
          }
        ]
      }],
      'boundaries/no-unknown-files': 'error',
      'boundaries/no-unknown-dependencies': 'error',

      // mistakes no type check sees
      'array-callback-return': 'error',
      'no-async-promise-executor': 'error',
      'no-constant-binary-expression': 'error',
      'no-self-compare': 'error',
      'no-unsafe-finally': 'error',
      'no-unsafe-optional-chaining': 'error',
      'use-isnan': 'error',
      'valid-typeof': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true, argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }]
    }
  },
  {
    // promises that nobody awaits lose their rejections: checked with the types
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname }
    },
    rules: {
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error'
    }
  },
  {
    // library code logs through a component logger (STYLE.md), never the console
    files: ['src/**/*.ts', 'relay/**/*.ts'],
    rules: { 'no-console': 'error' }
  }
)
