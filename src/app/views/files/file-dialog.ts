import type { AppState } from '../../state.svelte.ts'
import type { ApiFile } from '../../runtime/api.ts'

/** What a dialog about one file is given: its details, its share links. */
export interface FileDialogProps {
  app: AppState
  file: ApiFile
  onclose: () => void
}
