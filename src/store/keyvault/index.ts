/** KeyVault backends that run everywhere. The Node file backend is `./fs.ts` (import it directly). */
export { MemoryKeyVault } from './memory.ts'
export { IdbKeyVault, openIdbKeyVault, KEYVAULT_DB_NAME, type KeyVaultSchema } from './idb.ts'
