import { defineConfig } from 'vite'
import { svelte } from '@sveltejs/vite-plugin-svelte'

export default defineConfig({
  plugins: [svelte()],
  build: {
    target: 'es2022',
    outDir: 'dist',
    sourcemap: true
  },
  worker: {
    format: 'es'
  },
  server: {
    host: '127.0.0.1'
  }
})
