/**
 * A capability book in a file (Node: storage peers), replaced whole or not
 * at all on each save: the same atomic write as the reputation book
 * (temporary file, fsync, rename, fsync of the folder).
 */
import { fileReputationStorage } from '../reputation-fs.ts'
import type { CapabilityStorage } from './book.ts'

export function fileCapabilityStorage (path: string): CapabilityStorage {
  return fileReputationStorage(path)
}
