/**
 * Renders the app's PNG icons and favicon from the logo (public/icons/mark.svg)
 * with headless Chromium. Run by hand after changing the logo, and commit the
 * outputs:
 *
 *   npx tsx scripts/icons.ts
 *
 * Outputs (public/):
 * - icons/icon-192.png, icons/icon-512.png: purpose "any"; the mark on a white
 *   rounded square, transparent corners;
 * - icons/maskable-512.png: purpose "maskable"; full-bleed white, the mark
 *   at 60 % of the side, so its farthest point lies 32 % of the side from
 *   the centre: inside the safe zone, a centred circle of radius 40 %
 *   (https://www.w3.org/TR/appmanifest/#icon-masks);
 * - icons/apple-touch-icon.png: 180x180, opaque (iOS fills transparency with
 *   black and rounds the corners itself);
 * - favicon.ico: one 32x32 PNG inside an ICO container (PNG entries are valid
 *   ICO images since Windows Vista).
 */
import { readFile, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import { chromiumPath, CHROMIUM_ARGS } from '../tests/chromium.ts'

const PUBLIC = fileURLToPath(new URL('../public/', import.meta.url))

/** the light theme's surface colour (src/app/theme.css --surface) and border */
const SURFACE = '#ffffff'
const BORDER = '#d5dae1'

interface IconSpec {
  file: string
  size: number
  /** the mark's side as a fraction of the icon's side */
  mark: number
  /** corner radius as a fraction of the side; 0 = square */
  radius: number
  /** draw the white tile (false = the bare mark on transparency) */
  tile: boolean
  /** a hairline border around the tile, for "any" icons on white backgrounds */
  border: boolean
}

const ICONS: IconSpec[] = [
  { file: 'icons/icon-192.png', size: 192, mark: 0.7, radius: 0.22, tile: true, border: true },
  { file: 'icons/icon-512.png', size: 512, mark: 0.7, radius: 0.22, tile: true, border: true },
  { file: 'icons/maskable-512.png', size: 512, mark: 0.6, radius: 0, tile: true, border: false },
  { file: 'icons/apple-touch-icon.png', size: 180, mark: 0.66, radius: 0, tile: true, border: false }
]

function page (svg: string, spec: IconSpec): string {
  const { size } = spec
  const tile = spec.tile
    ? `background:${SURFACE};border-radius:${spec.radius * 100}%;` +
      (spec.border ? `box-shadow:inset 0 0 0 ${Math.max(1, Math.round(size / 192))}px ${BORDER};` : '')
    : ''
  const side = Math.round(size * spec.mark)
  return `<!doctype html><html><head><style>
html,body{margin:0;background:transparent}
.tile{width:${size}px;height:${size}px;display:grid;place-items:center;${tile}}
svg{width:${side}px;height:${side}px;display:block}
</style></head><body><div class="tile">${svg}</div></body></html>`
}

/** an ICO file holding one PNG image (ICONDIR + one ICONDIRENTRY + the PNG) */
function ico (png: Uint8Array, size: number): Uint8Array {
  const header = new DataView(new ArrayBuffer(6 + 16))
  header.setUint16(0, 0, true) // reserved
  header.setUint16(2, 1, true) // type: icon
  header.setUint16(4, 1, true) // one image
  header.setUint8(6, size >= 256 ? 0 : size) // width (0 means 256)
  header.setUint8(7, size >= 256 ? 0 : size) // height
  header.setUint8(8, 0) // no palette
  header.setUint8(9, 0) // reserved
  header.setUint16(10, 1, true) // colour planes
  header.setUint16(12, 32, true) // bits per pixel
  header.setUint32(14, png.byteLength, true) // image size
  header.setUint32(18, 6 + 16, true) // image offset
  const out = new Uint8Array(header.byteLength + png.byteLength)
  out.set(new Uint8Array(header.buffer), 0)
  out.set(png, header.byteLength)
  return out
}

async function main (): Promise<void> {
  const svg = await readFile(`${PUBLIC}icons/mark.svg`, 'utf8')
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS })
  try {
    const context = await browser.newContext({ deviceScaleFactor: 1 })
    const tab = await context.newPage()
    const render = async (spec: IconSpec): Promise<Buffer> => {
      await tab.setViewportSize({ width: spec.size, height: spec.size })
      await tab.setContent(page(svg, spec))
      return await tab.locator('.tile').screenshot({ omitBackground: true })
    }
    for (const spec of ICONS) {
      await writeFile(`${PUBLIC}${spec.file}`, await render(spec))
      console.log(`wrote public/${spec.file}`)
    }
    const favicon = await render({ file: 'favicon.ico', size: 32, mark: 1, radius: 0, tile: false, border: false })
    await writeFile(`${PUBLIC}favicon.ico`, ico(favicon, 32))
    console.log('wrote public/favicon.ico')
  } finally {
    await browser.close()
  }
}

await main()
