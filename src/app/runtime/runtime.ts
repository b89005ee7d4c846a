/**
 * The tab's runtime: the joined network, the keys and the mesh facade.
 * Until the owner's keys are unlocked the mesh runs under a throwaway
 * identity, enough to read shared files; setup or unlock swaps in the
 * owner's keys and the persisted index. While the owner's keys are
 * unlocked an IndexKeeper syncs the file list with the mesh (at once, then
 * hourly: merging what other devices published, republishing the record
 * long before it expires).
 */
import { generateIdentity } from '../../core/keys/index.ts'
import { createMesh, meshKeysFromIdentity, type Mesh, type MeshKeys } from '../../mesh/index.ts'
import { WorkerPoolCodec } from '../../core/worker/pool.ts'
import { idbBytesStorage } from '../../store/bytes-idb.ts'
import type { UnlockedKey } from '../../core/keystore/index.ts'
import type { JoinedNetwork } from './network.ts'
import { TabKeys } from './keys.ts'
import { IndexKeeper } from '../../mesh/index-keeper.ts'
import type { SyncResult } from '../../mesh/index.ts'

export class Runtime {
  readonly net: JoinedNetwork
  readonly keys: TabKeys
  readonly namespace: string
  #mesh: Mesh
  #owner = false
  #codec = new WorkerPoolCodec()
  #keeper?: IndexKeeper<SyncResult>

  constructor (net: JoinedNetwork, keys: TabKeys, namespace: string) {
    this.net = net
    this.keys = keys
    this.namespace = namespace
    this.#mesh = this.#createMesh(meshKeysFromIdentity(generateIdentity()), false)
  }

  get mesh (): Mesh { return this.#mesh }
  /** true once the owner's keys are unlocked */
  get owner (): boolean { return this.#owner }

  #createMesh (keys: MeshKeys, owner: boolean): Mesh {
    // each key has its own index (its entries are sealed to that key)
    const id = Array.from(keys.x25519Public.subarray(0, 8), b => b.toString(16).padStart(2, '0')).join('')
    return createMesh({
      libp2p: this.net.node,
      store: this.net.store,
      keys,
      // the owner's index persists; a visitor's stays in memory
      ...(owner ? { index: idbBytesStorage(`${this.namespace}-index-${id}`) } : {}),
      config: { codec: this.#codec },
      // one book for the tab, whichever key is unlocked
      reputation: this.net.reputation
    })
  }

  /** Use an unlocked key as the mesh's owner key. */
  adopt (key: UnlockedKey): void {
    this.#mesh = this.#createMesh({ signer: key.signer, x25519Public: key.publicKey.x25519, open: async (envelope, options) => await key.open(envelope, options) }, true)
    this.#owner = true
    this.#keep()
    this.#changed()
  }

  /** Keep the current owner's file list synced with the mesh (none while locked). */
  #keep (): void {
    this.#keeper?.stop()
    this.#keeper = undefined
    if (!this.#owner) return
    const mesh = this.#mesh
    this.#keeper = new IndexKeeper({ sync: async (signal) => await mesh.syncIndex({ signal }) }).start()
  }

  readonly #listeners = new Set<() => void>()
  /** called after the mesh was swapped (unlock, key switch, lock) */
  onMeshChange (listener: () => void): () => void {
    this.#listeners.add(listener)
    return () => { this.#listeners.delete(listener) }
  }

  #changed (): void {
    for (const l of this.#listeners) { try { l() } catch {} }
  }

  lock (): void {
    this.keys.lock()
    this.#mesh = this.#createMesh(meshKeysFromIdentity(generateIdentity()), false)
    this.#owner = false
    this.#keep()
    this.#changed()
  }

  async stop (): Promise<void> {
    this.#keeper?.stop()
    this.#codec.close()
    await this.net.stop()
  }
}
