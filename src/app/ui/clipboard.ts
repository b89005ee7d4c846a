/**
 * Copy text to the clipboard: the async Clipboard API where the page may use
 * it, else the old selection-and-execCommand way (insecure contexts, older
 * browsers). Resolves true when the text was copied.
 */
export async function copyText (text: string): Promise<boolean> {
  try {
    if (navigator.clipboard !== undefined && window.isSecureContext) {
      await navigator.clipboard.writeText(text)
      return true
    }
  } catch { /* permission refused: try the old way */ }
  const area = document.createElement('textarea')
  area.value = text
  area.setAttribute('readonly', '')
  area.style.position = 'fixed'
  area.style.opacity = '0'
  // inside an open modal dialog, only its content can take the selection
  const host = document.querySelector('dialog[open]') ?? document.body
  host.append(area)
  area.select()
  try {
    return document.execCommand('copy')
  } catch {
    return false
  } finally {
    area.remove()
  }
}
