/** IndexedDB and keystore figures, measured in the page. Filled in as the stores land. */
import type { Figure } from './stats.ts'

export async function browserStoreFigures (_runs: number): Promise<Record<string, Figure>> {
  return {}
}
