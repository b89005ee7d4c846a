/**
 * Files dropped or picked, folders included: every file inside a dropped
 * folder keeps its path relative to what was dropped as its name
 * ("photos/2024/a.jpg"). Works on the small slice of the File and Directory
 * Entries API it needs, so tests can hand it plain objects.
 */

/** A file or directory entry (FileSystemFileEntry / FileSystemDirectoryEntry). */
export interface EntryLike {
  isFile: boolean
  isDirectory: boolean
  name: string
  /** "/photos/2024/a.jpg" for a dropped entry */
  fullPath: string
}
export interface FileEntryLike extends EntryLike {
  file: (success: (file: File) => void, error?: (err: unknown) => void) => void
}
export interface DirectoryEntryLike extends EntryLike {
  createReader: () => { readEntries: (success: (entries: EntryLike[]) => void, error?: (err: unknown) => void) => void }
}

/** A file to upload and the name it gets in the index. */
export interface PickedFile {
  file: File
  name: string
}

/** What could not be read while walking (unreadable entries are skipped, not fatal). */
export interface WalkResult {
  files: PickedFile[]
  skipped: string[]
}

/** "/photos/a.jpg" → "photos/a.jpg" */
export function relativeName (fullPath: string, fallback: string): string {
  const name = fullPath.replace(/^\/+/, '')
  return name === '' ? fallback : name
}

function isFileEntry (e: EntryLike): e is FileEntryLike {
  return e.isFile && typeof (e as Partial<FileEntryLike>).file === 'function'
}
function isDirectoryEntry (e: EntryLike): e is DirectoryEntryLike {
  return e.isDirectory && typeof (e as Partial<DirectoryEntryLike>).createReader === 'function'
}

async function readFile (entry: FileEntryLike): Promise<File> {
  return await new Promise((resolve, reject) => { entry.file(resolve, reject) })
}

/** Every entry of a directory: readEntries hands them out in batches (100 in Chromium) until an empty one. */
async function readAll (entry: DirectoryEntryLike): Promise<EntryLike[]> {
  const reader = entry.createReader()
  const all: EntryLike[] = []
  for (;;) {
    const batch = await new Promise<EntryLike[]>((resolve, reject) => { reader.readEntries(resolve, reject) })
    if (batch.length === 0) return all
    all.push(...batch)
  }
}

/** Walk dropped entries depth first, folders sorted by name, files named by their relative path. */
export async function walkEntries (entries: Iterable<EntryLike>): Promise<WalkResult> {
  const result: WalkResult = { files: [], skipped: [] }
  const visit = async (entry: EntryLike): Promise<void> => {
    const name = relativeName(entry.fullPath, entry.name)
    try {
      if (isFileEntry(entry)) {
        result.files.push({ file: await readFile(entry), name })
      } else if (isDirectoryEntry(entry)) {
        const children = await readAll(entry)
        children.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
        for (const child of children) await visit(child)
      } else {
        result.skipped.push(name)
      }
    } catch {
      result.skipped.push(name)
    }
  }
  for (const entry of entries) await visit(entry)
  return result
}

/** Files from an <input type=file>: a folder picker (webkitdirectory) gives each its relative path. */
export function pickedFiles (files: Iterable<File>): PickedFile[] {
  return [...files].map(file => ({ file, name: file.webkitRelativePath !== '' && file.webkitRelativePath !== undefined ? file.webkitRelativePath : file.name }))
}

/**
 * What a drop carries. The entries must be taken while the drop event runs
 * (the DataTransfer is emptied after it), so this part is synchronous and the
 * walk comes after; browsers without webkitGetAsEntry give the plain files.
 */
export function droppedEntries (data: DataTransfer): { entries: EntryLike[], files: File[] } {
  const entries: EntryLike[] = []
  const items = [...data.items].filter(i => i.kind === 'file')
  if (items.length > 0 && typeof items[0]?.webkitGetAsEntry === 'function') {
    for (const item of items) {
      const entry = item.webkitGetAsEntry()
      if (entry !== null) entries.push(entry)
    }
    if (entries.length > 0) return { entries, files: [] }
  }
  return { entries: [], files: [...data.files] }
}
