/**
 * The Files view's uploads and downloads, kept per app (not per mount), so
 * leaving the view and coming back finds them still running. Wraps the pure
 * UploadQueue and TransferList in $state the components read, and connects
 * them to the mesh (app.api) and to saving on disk (saveStream).
 */
import type { AppState } from '../../state.svelte.ts'
import type { ApiFile } from '../../runtime/api.ts'
import { saveStream } from '../../pwa/save.ts'
import { UploadQueue, type QueueTotals, type UploadItem } from '../../files/upload-queue.ts'
import { TransferList, type Transfer } from '../../files/transfers.ts'
import { baseName, typeFor } from '../../files/names.ts'
import { onePer } from '../../ui/one-per.ts'
import type { PickedFile } from '../../files/folders.ts'
import { countBytes, lazyStream } from '../../files/streams.ts'
import { zipFiles } from '../../files/zip.ts'

/** how often the view redraws progress at most (ms) */
const REDRAW_EVERY = 100

export class FileTransfers {
  uploads = $state.raw<UploadItem[]>([])
  totals = $state.raw<QueueTotals | undefined>()
  downloads = $state.raw<Transfer[]>([])
  readonly #app: AppState
  readonly #queue: UploadQueue
  readonly #list: TransferList
  #redraw?: ReturnType<typeof setTimeout>
  #wasBusy = false
  /** done and failed counts when the current batch began */
  #before = { done: 0, failed: 0 }

  constructor (app: AppState) {
    this.#app = app
    this.#queue = new UploadQueue({
      put: async (data, options) => await app.api.put(data, options),
      taken: () => app.files.map(f => f.name),
      shardsPerStripe: () => app.health?.wanted ?? 6,
      onChange: () => { this.#schedule() }
    })
    this.#list = new TransferList({ onChange: () => { this.#schedule() } })
  }

  /** Queue files for upload (names may carry folder paths). */
  upload (files: readonly PickedFile[]): void {
    if (files.length === 0) return
    this.#queue.add(files.map(({ file, name }) => ({ data: file, name, type: typeFor(name, file.type) })))
  }

  cancelUpload (id: number): void { this.#queue.cancel(id) }
  cancelAllUploads (): void { this.#queue.cancelAll() }
  retryUpload (id: number): void { this.#queue.retry(id) }
  clearUploads (): void { this.#queue.clearFinished() }

  /** Save one file to disk, streamed: the save dialog (if any) opens first, then the file is fetched. */
  async download (file: ApiFile): Promise<Transfer> {
    const name = baseName(file.name)
    return await this.#list.start(name, file.size, async ({ signal, progress }) => {
      const stream = countBytes(lazyStream(async () => await this.#app.api.getStream(file.key, { signal })), progress)
      return await saveStream(stream, { name, ...(file.type !== '' ? { type: file.type } : {}), size: file.size }, { signal })
    })
  }

  /** Save several files as one ZIP, each streamed into it in turn. */
  async downloadZip (files: readonly ApiFile[], name: string): Promise<Transfer> {
    const sources = files.map(f => ({ name: f.name, size: f.size, created: f.created, open: async (signal?: AbortSignal) => await this.#app.api.getStream(f.key, signal !== undefined ? { signal } : {}) }))
    return await this.#list.start(name, undefined, async ({ signal, progress, setSize }) => {
      const zip = zipFiles(sources, { signal })
      setSize(zip.size)
      return await saveStream(countBytes(zip.stream, progress), { name, type: 'application/zip', size: zip.size }, { signal })
    })
  }

  cancelDownload (id: number): void { this.#list.cancel(id) }
  clearDownloads (id?: number): void { this.#list.clearFinished(id) }

  #schedule (): void {
    this.#redraw ??= setTimeout(() => {
      this.#redraw = undefined
      this.#draw()
    }, REDRAW_EVERY)
  }

  #draw (): void {
    this.uploads = this.#queue.items
    const totals = this.#queue.totals()
    this.totals = totals
    this.downloads = this.#list.items
    const busy = totals.active + totals.queued > 0
    if (!this.#wasBusy && busy) this.#before = { done: totals.done, failed: totals.failed }
    if (this.#wasBusy && !busy) this.#finished(Math.max(0, totals.done - this.#before.done), Math.max(0, totals.failed - this.#before.failed))
    this.#wasBusy = busy
  }

  /** a word when a batch of uploads ends */
  #finished (done: number, failed: number): void {
    if (failed > 0) this.#app.info(`${done} stored, ${failed} failed: see the upload list`)
    else if (done > 0) this.#app.info(done === 1 ? 'File stored on the mesh' : `${done} files stored on the mesh`)
  }
}

/** The app's one set of transfers. */
export const transfersFor = onePer((app: AppState) => new FileTransfers(app))
