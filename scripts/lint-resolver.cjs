/**
 * An import resolver for ESLint (eslint-module-utils interface version 2)
 * that follows package.json "imports" (`#rs-wasm`), so the layer rules see
 * the file such an import reaches. The target under the `default`
 * condition is taken (the Node one; every target of a mapping lives in the
 * same layer). Anything else is left to the node resolver.
 */
'use strict'
const { existsSync, readFileSync } = require('node:fs')
const { dirname, join, resolve } = require('node:path')

const root = __dirname.endsWith('scripts') ? dirname(__dirname) : __dirname
const imports = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).imports ?? {}

function target (entry) {
  if (typeof entry === 'string') return entry
  if (entry !== null && typeof entry === 'object') return target(entry.default)
  return undefined
}

module.exports = {
  interfaceVersion: 2,
  resolve (source) {
    if (!source.startsWith('#')) return { found: false }
    const to = target(imports[source])
    if (to === undefined) return { found: false }
    const path = resolve(root, to)
    return existsSync(path) ? { found: true, path } : { found: false }
  }
}
