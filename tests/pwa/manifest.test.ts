/**
 * The web app manifest exactly as vite-plugin-pwa emits it from vite.config.ts,
 * and the icon files it and index.html point at.
 */
import { describe, it, expect, beforeAll } from 'vitest'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { resolveConfig } from 'vite'
import type { VitePluginPWAAPI } from 'vite-plugin-pwa'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

interface Icon { src: string, sizes: string, type: string, purpose?: string }
interface Manifest {
  name: string
  short_name: string
  description: string
  start_url: string
  scope: string
  display: string
  theme_color: string
  background_color: string
  icons: Icon[]
}

/** width and height from a PNG's IHDR chunk (PNG spec section 11.2.2) */
function pngSize (bytes: Uint8Array): { width: number, height: number } {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]
  expect(Array.from(bytes.subarray(0, 8))).toEqual(signature)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  expect(new TextDecoder().decode(bytes.subarray(12, 16))).toBe('IHDR')
  return { width: view.getUint32(16), height: view.getUint32(20) }
}

async function publicFile (src: string): Promise<Uint8Array> {
  return new Uint8Array(await readFile(`${ROOT}public${src}`))
}

/** a colour variable of theme.css's light (first) :root block */
function themeVar (css: string, name: string): string | undefined {
  const light = css.slice(0, css.indexOf('@media'))
  return new RegExp(`${name}:\\s*(#[0-9a-f]{3,8})`, 'i').exec(light)?.[1]
}

let manifest: Manifest

beforeAll(async () => {
  const config = await resolveConfig({ root: ROOT, configFile: `${ROOT}vite.config.ts`, logLevel: 'silent' }, 'build', 'production')
  const plugin = config.plugins.find(p => p.name === 'vite-plugin-pwa')
  const api = (plugin as { api?: VitePluginPWAAPI } | undefined)?.api
  if (api === undefined) throw new Error('vite-plugin-pwa is not in vite.config.ts')
  const bundle = api.generateBundle({}) ?? {}
  const asset = bundle['manifest.webmanifest']
  if (asset?.type !== 'asset') throw new Error('no manifest.webmanifest was emitted')
  manifest = JSON.parse(String(asset.source)) as Manifest
})

describe('web app manifest', () => {
  it('describes an installable standalone app at /', () => {
    expect(manifest).toMatchObject({ name: 'DataMesh', start_url: '/', scope: '/', display: 'standalone' })
    expect(manifest.short_name.length).toBeGreaterThan(0)
    expect(manifest.short_name.length).toBeLessThanOrEqual(12)
    expect(manifest.description.length).toBeGreaterThan(10)
  })

  it('uses the light theme colours of theme.css', async () => {
    const css = await readFile(`${ROOT}src/app/theme.css`, 'utf8')
    expect(manifest.theme_color.toLowerCase()).toBe(themeVar(css, '--surface'))
    expect(manifest.background_color.toLowerCase()).toBe(themeVar(css, '--bg'))
  })

  it('lists 192 and 512 PNGs for any purpose, a 512 maskable PNG and the SVG', () => {
    const find = (sizes: string, purpose: string, type = 'image/png'): Icon | undefined =>
      manifest.icons.find(i => i.sizes === sizes && i.type === type && (i.purpose ?? 'any').split(' ').includes(purpose))
    expect(find('192x192', 'any')).toBeDefined()
    expect(find('512x512', 'any')).toBeDefined()
    expect(find('512x512', 'maskable')).toBeDefined()
    expect(find('any', 'any', 'image/svg+xml')?.src).toBe('/icons/mark.svg')
  })

  it('points at PNG files of the stated dimensions', async () => {
    const pngs = manifest.icons.filter(i => i.type === 'image/png')
    expect(pngs.length).toBeGreaterThanOrEqual(3)
    for (const icon of pngs) {
      const [w, h] = icon.sizes.split('x').map(Number)
      expect(pngSize(await publicFile(icon.src)), icon.src).toEqual({ width: w, height: h })
    }
  })

  it('points at an SVG that holds the logo', async () => {
    const svg = new TextDecoder().decode(await publicFile('/icons/mark.svg'))
    expect(svg).toContain('<symbol id="mark"')
  })
})

describe('index.html', () => {
  it('has light and dark theme colours, a favicon and an apple-touch-icon that exist', async () => {
    const html = await readFile(`${ROOT}index.html`, 'utf8')
    const css = await readFile(`${ROOT}src/app/theme.css`, 'utf8')
    const darkSurface = /@media \(prefers-color-scheme: dark\)[\s\S]*?--surface:\s*(#[0-9a-f]+)/i.exec(css)?.[1]
    expect(html).toContain(`<meta name="theme-color" content="${manifest.theme_color}" media="(prefers-color-scheme: light)">`)
    expect(html).toContain(`<meta name="theme-color" content="${darkSurface}" media="(prefers-color-scheme: dark)">`)

    const apple = /<link rel="apple-touch-icon" href="([^"]+)"/.exec(html)?.[1]
    expect(apple).toBeDefined()
    expect(pngSize(await publicFile(apple ?? ''))).toEqual({ width: 180, height: 180 })

    const icons = [...html.matchAll(/<link rel="icon" href="([^"]+)"/g)].map(m => m[1] ?? '')
    expect(icons).toContain('/favicon.ico')
    // an ICO directory (type 1) whose first image is a 32x32 PNG
    const ico = await publicFile('/favicon.ico')
    const view = new DataView(ico.buffer, ico.byteOffset, ico.byteLength)
    expect([view.getUint16(0, true), view.getUint16(2, true)]).toEqual([0, 1])
    expect(view.getUint16(4, true)).toBeGreaterThanOrEqual(1)
    const offset = view.getUint32(18, true)
    expect(pngSize(ico.subarray(offset))).toEqual({ width: 32, height: 32 })
  })
})
