/**
 * Persistent libp2p peer identity: an Ed25519 key kept in whatever storage
 * the platform has (a file on Node, IndexedDB in a browser), so a node keeps
 * its peer id across restarts and reloads.
 */
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'

export interface PeerKeyStorage {
  load: () => Promise<Uint8Array | undefined>
  save: (bytes: Uint8Array) => Promise<void>
}

export async function loadOrCreatePeerKey (storage: PeerKeyStorage): Promise<PrivateKey> {
  const stored = await storage.load()
  if (stored !== undefined) return privateKeyFromProtobuf(stored)
  const key = await generateKeyPair('Ed25519')
  await storage.save(privateKeyToProtobuf(key))
  return key
}
