/**
 * The app's state, shared by every view: the `window.datamesh` API once the
 * node runs, where the tab stands (starting, first run, locked, ready), the
 * owner's files and the node's health, kept fresh from the API's change
 * notifications. Views receive it as the `app` prop and talk to the mesh
 * through `app.api` only.
 */
import type { ApiFile, DataMeshApi, Health } from './runtime/api.ts'
import { Coalescer } from '../core/coalesce.ts'

export type Phase = 'starting' | 'failed' | 'setup' | 'locked' | 'ready'
/** the network, which joins alongside: views work on local things meanwhile */
export type NetworkPhase = 'joining' | 'joined' | 'failed'
export type View = 'files' | 'network' | 'console' | 'settings'
export const VIEWS: readonly View[] = ['files', 'network', 'console', 'settings']

export interface Toast {
  id: number
  kind: 'info' | 'error'
  text: string
}

export class AppState {
  phase = $state<Phase>('starting')
  network = $state<NetworkPhase>('joining')
  /** why the keystore could not open, or the network could not be joined */
  failure = $state<string | undefined>()
  view = $state<View>('files')
  files = $state<ApiFile[]>([])
  health = $state<Health | undefined>()
  publicKey = $state<string | undefined>()
  toasts = $state<Toast[]>([])
  #api?: DataMeshApi
  #toastId = 0
  #healthTimer?: ReturnType<typeof setInterval>

  /** the running node's API (throws before it started) */
  get api (): DataMeshApi {
    if (this.#api === undefined) throw new Error('DataMesh is still starting')
    return this.#api
  }

  get started (): boolean { return this.#api !== undefined }

  /**
   * Wait for the keystore, then decide between the wizard, the unlock screen
   * and the app; the network joins meanwhile (calls that need it wait).
   */
  async attach (api: DataMeshApi): Promise<void> {
    api.ready.then(() => {
      this.network = 'joined'
      void this.refreshHealth()
      void this.refreshFiles()
    }, (err: unknown) => {
      this.network = 'failed'
      this.failure = err instanceof Error ? err.message : String(err)
    })
    try {
      await api.keysReady
    } catch (err) {
      this.failure = err instanceof Error ? err.message : String(err)
      this.phase = 'failed'
      return
    }
    this.#api = api
    api.subscribe(change => {
      if (change === 'index') void this.refreshFiles()
      if (change === 'keys') void this.refreshStatus()
    })
    await this.refreshStatus()
    this.#healthTimer ??= setInterval(() => { if (this.network === 'joined') void this.refreshHealth() }, 2000)
  }

  /** Where the tab stands: first run, locked, or ready. */
  async refreshStatus (): Promise<void> {
    const status = await this.api.status()
    this.publicKey = status.publicKey
    this.phase = !status.setUp ? 'setup' : status.unlocked ? 'ready' : 'locked'
    if (this.phase === 'ready') await this.refreshFiles()
    else this.files = []
  }

  /** one read at a time, and one more if something changed meanwhile (a burst of puts is not a burst of reads) */
  readonly #listing = new Coalescer(async () => {
    if (this.phase !== 'ready') return
    try {
      this.files = await this.api.list()
    } catch (err) {
      this.error(err)
    }
  })

  /** Re-read the file list. */
  async refreshFiles (): Promise<void> {
    if (this.phase !== 'ready') return
    await this.#listing.run()
  }

  async refreshHealth (): Promise<void> {
    try {
      this.health = await this.api.health()
    } catch { /* the next refresh tries again */ }
  }

  /** after setup or unlock */
  async unlocked (): Promise<void> {
    await this.refreshStatus()
  }

  lock (): void {
    this.api.lock()
    void this.refreshStatus()
  }

  go (view: View): void {
    this.view = view
    if (location.hash !== `#/${view}`) history.replaceState(null, '', `#/${view}`)
  }

  info (text: string): void { this.#toast('info', text) }

  /** Show an error the way a person reads it: its message, not a stack. */
  error (err: unknown): void {
    this.#toast('error', err instanceof Error ? err.message : String(err))
  }

  dismiss (id: number): void {
    this.toasts = this.toasts.filter(t => t.id !== id)
  }

  #toast (kind: Toast['kind'], text: string): void {
    const id = ++this.#toastId
    this.toasts = [...this.toasts, { id, kind, text }]
    setTimeout(() => { this.dismiss(id) }, kind === 'error' ? 8000 : 4000)
  }
}
