import { describe, expect, it } from 'vitest'
import { requestPersistentStorage } from '../../src/store/persistence.ts'

describe('requestPersistentStorage outside a browser', () => {
  it('reports that there is no StorageManager', async () => {
    expect(await requestPersistentStorage()).toEqual({ supported: false, persisted: false })
  })
})
