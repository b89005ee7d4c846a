/** Blocks as plain text lines, for a terminal (and for reading test output). */
import type { Block } from './output.ts'
import { formatBytes } from '../api/format.ts'

function pad (text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - [...text].length))
}

/** The text lines a block prints as (no trailing spaces). */
export function renderText (block: Block): string[] {
  switch (block.kind) {
    case 'text':
      return block.text.split('\n')
    case 'heading':
      return [block.text]
    case 'table': {
      const widths = block.columns.map((c, i) => Math.max([...c].length, ...block.rows.map(r => [...(r[i] ?? '')].length)))
      const line = (cells: string[]): string => cells.map((c, i) => pad(c, widths[i] ?? 0)).join('  ').trimEnd()
      return [line(block.columns), ...block.rows.map(line)]
    }
    case 'pairs': {
      const width = Math.max(0, ...block.pairs.map(([k]) => [...k].length)) + 1
      return block.pairs.map(([k, v]) => `${pad(`${k}:`, width)} ${v}`.trimEnd())
    }
    case 'error':
      return [`${block.message}`, ...(block.hint !== undefined ? block.hint.split('\n') : [])]
    case 'progress': {
      const amount = block.total !== undefined && block.total > 0
        ? `${Math.floor(100 * block.done / block.total)}% (${formatBytes(block.done)} of ${formatBytes(block.total)})`
        : formatBytes(block.done)
      return [`${block.label}: ${amount}${block.detail !== undefined ? `, ${block.detail}` : ''}`]
    }
  }
}

/** Every block's lines, in order; progress blocks replaced by later ones of the same id. */
export function renderAll (blocks: readonly Block[]): string {
  const shown: Block[] = []
  for (const b of blocks) {
    const i = b.kind === 'progress' ? shown.findIndex(s => s.kind === 'progress' && s.id === b.id) : -1
    if (i >= 0) shown[i] = b; else shown.push(b)
  }
  return shown.flatMap(renderText).join('\n')
}
