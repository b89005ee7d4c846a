import { defineConfig } from 'vite'
import { svelte } from '@sveltejs/vite-plugin-svelte'
import { VitePWA } from 'vite-plugin-pwa'

/** the light theme's colours (src/app/theme.css): --surface behind the header, --bg behind the page */
const THEME_COLOR = '#ffffff'
const BACKGROUND_COLOR = '#f7f8fa'

/**
 * Source maps in a build only when asked for: `DATAMESH_SOURCEMAP=1 npm run
 * build` (or `hidden`: maps written, no sourceMappingURL comment). A
 * production build serves none, so the app's source is not published next
 * to it by default.
 */
function sourcemap (value: string | undefined): boolean | 'hidden' {
  if (value === 'hidden') return 'hidden'
  return value === '1' || value === 'true'
}

/** the largest file the service worker precaches; a bigger chunk fails the build instead of silently not working offline */
const MAX_PRECACHE_BYTES = 8 * 1024 * 1024

export default defineConfig({
  plugins: [
    svelte(),
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'src/app',
      filename: 'sw.ts',
      scope: '/',
      registerType: 'prompt',
      // src/app/pwa/UpdatePrompt.svelte registers it, after the page has loaded
      injectRegister: false,
      // the glob below already precaches every icon; the plugin adds the manifest itself
      includeManifestIcons: false,
      manifest: {
        name: 'DataMesh',
        short_name: 'DataMesh',
        description: 'Encrypted, erasure-coded file storage shared between browsers: your files, split across a mesh of peers',
        id: '/',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        theme_color: THEME_COLOR,
        background_color: BACKGROUND_COLOR,
        icons: [
          { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
          { src: '/icons/maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
          { src: '/icons/mark.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' }
        ]
      },
      injectManifest: {
        rollupFormat: 'iife',
        globPatterns: ['**/*.{html,js,css,wasm,svg,png,ico}'],
        globIgnores: ['**/*.map'],
        maximumFileSizeToCacheInBytes: MAX_PRECACHE_BYTES
      },
      // `vite dev` runs without a service worker
      devOptions: { enabled: false }
    })
  ],
  build: {
    target: 'es2022',
    outDir: 'dist',
    sourcemap: sourcemap(process.env.DATAMESH_SOURCEMAP)
  },
  worker: {
    format: 'es'
  },
  server: {
    host: '127.0.0.1'
  }
})
