/**
 * The tab's reputation book (src/net/reputation.ts): kept in IndexedDB, fed
 * by the node's connections and the protocol offences its limiter counts
 * (./network.ts), and by what the mesh observes. It trusts the storage peers
 * the serving relay lists in /network.json and the person's allow list, and
 * denies their deny list; the lists apply again whenever the settings change.
 */
import { ReputationBook } from '../../net/reputation.ts'
import { idbReputationStorage } from '../../net/reputation-idb.ts'
import type { NetworkDescription } from '../../net/network-description.ts'
import type { Settings } from '../../api/types.ts'

/** Peers a tab trusts: the relay's storage peers and the allow list. */
export function trustedPeers (description: Pick<NetworkDescription, 'storagePeers'>, settings: Pick<Settings, 'allowedPeers'>): string[] {
  return [...new Set([...description.storagePeers.map(s => s.peerId), ...(settings.allowedPeers ?? [])])]
}

/** Set the book's allow and deny lists from the relay's description and the settings. */
export function applyTrustLists (book: ReputationBook, description: Pick<NetworkDescription, 'storagePeers'>, settings: Pick<Settings, 'allowedPeers' | 'deniedPeers'>): void {
  book.setDenied(settings.deniedPeers ?? [])
  book.setTrusted(trustedPeers(description, settings))
}

/**
 * ms between a change and its save in a tab: a tab may close at any moment
 * (the page going away is not a reliable moment to write), and a write of a
 * few KiB to IndexedDB costs next to nothing
 */
export const TAB_SAVE_DELAY_MS = 5000

/** The book kept in IndexedDB under `namespace` (an unreadable one starts empty). */
export async function openTabReputation (namespace: string, self: string, description: Pick<NetworkDescription, 'storagePeers'>, settings: Pick<Settings, 'allowedPeers' | 'deniedPeers'>): Promise<ReputationBook> {
  const book = await ReputationBook.open({ storage: idbReputationStorage(`${namespace}-reputation`), self, saveDelayMs: TAB_SAVE_DELAY_MS })
  applyTrustLists(book, description, settings)
  return book
}
