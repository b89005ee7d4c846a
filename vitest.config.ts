import { defineConfig } from 'vitest/config'
import { playwright } from '@vitest/browser-playwright'
import { chromiumPath, CHROMIUM_ARGS } from './tests/chromium.ts'

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          environment: 'node',
          include: ['tests/**/*.test.ts'],
          exclude: ['tests/**/*.browser.test.ts', 'tests/**/*.e2e.test.ts', 'tests/e2e/**', 'node_modules/**'],
          testTimeout: 30_000
        }
      },
      {
        // pre-bundle the lazily imported dictionaries so a first run never re-optimises mid-test
        optimizeDeps: { include: ['@zxcvbn-ts/core', '@zxcvbn-ts/language-common', '@zxcvbn-ts/language-en'] },
        test: {
          name: 'browser',
          // core code runs unchanged in both worlds, so its tests run in both
          include: ['tests/core/**/*.test.ts', 'tests/**/*.browser.test.ts'],
          exclude: ['tests/**/*.node.test.ts', 'tests/**/*.e2e.test.ts', 'tests/e2e/**', 'node_modules/**'],
          testTimeout: 60_000,
          browser: {
            enabled: true,
            headless: true,
            screenshotFailures: false,
            provider: playwright({
              launchOptions: { executablePath: chromiumPath(), args: CHROMIUM_ARGS }
            }),
            instances: [{ browser: 'chromium' }]
          }
        }
      },
      {
        // relay + storage peers + Chromium tabs over WebRTC (tests/e2e, and the attacks of tests/security
        // that need a browser); run through tests/e2e/isolated.ts
        test: {
          name: 'e2e',
          environment: 'node',
          include: ['tests/**/*.e2e.test.ts'],
          globalSetup: ['tests/e2e/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false
        }
      }
    ]
  }
})
