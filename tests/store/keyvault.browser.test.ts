import { keyVaultContract } from './keyvault.contract.ts'
import { MemoryKeyVault } from '../../src/store/keyvault/memory.ts'
import { openIdbKeyVault, type IdbKeyVault } from '../../src/store/keyvault/idb.ts'

keyVaultContract('memory (browser)', async () => ({ vault: new MemoryKeyVault() }))

let n = 0
keyVaultContract('IndexedDB', async () => {
  const name = `datamesh-keys-test-${Date.now()}-${n++}`
  const handles: IdbKeyVault[] = [await openIdbKeyVault(name)]
  return {
    vault: handles[0] as IdbKeyVault,
    reopen: async () => { const h = await openIdbKeyVault(name); handles.push(h); return h },
    cleanup: async () => {
      for (const h of handles) h.close()
      await new Promise<void>((resolve, reject) => {
        const req = indexedDB.deleteDatabase(name)
        req.onsuccess = () => resolve()
        req.onerror = () => reject(req.error)
      })
    }
  }
})
