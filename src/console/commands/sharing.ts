/** share: a link that opens one file in any browser. */
import { InvalidValueError } from '../errors.ts'
import type { Command } from '../types.ts'
import { askNewPassword } from './common.ts'

export const share: Command = {
  name: 'share',
  group: 'Sharing',
  summary: 'A link that opens one file in any browser',
  description: 'The file\'s key travels in the link\'s #fragment, which browsers never send to a server: whoever has the link can read the file. Protect it with a password (asked for, never shown), or seal it to someone\'s public key so only their keys open it.',
  args: [{ name: 'file', summary: 'The file: a name from list or a key', complete: 'file' }],
  flags: [
    { name: 'password', type: 'boolean', summary: 'Ask for a password the link will need' },
    { name: 'to', type: 'string', value: 'public-key', summary: 'Only the owner of this public key can open the link' }
  ],
  examples: [
    { line: 'share report.pdf', says: 'a link anyone holding it can open' },
    { line: 'share report.pdf --password', says: 'a link that also needs a password' },
    { line: 'share report.pdf --to z6Mk…', says: 'a link only that key\'s owner can open' }
  ],
  run: async (ctx, p) => {
    const file = p.arg('file') as string
    const to = p.string('to')
    if (to !== undefined && p.bool('password')) throw new InvalidValueError('Choose --password or --to, not both')
    const password = p.bool('password') ? await askNewPassword(ctx, 'Password for the link') : undefined
    const link = await ctx.backend.shareLink(file, { ...(password !== undefined ? { password } : {}), ...(to !== undefined ? { to } : {}) })
    ctx.out.pairs([['Link', link]])
    ctx.out.text(to !== undefined
      ? 'Only the holder of that public key can open this link.'
      : password !== undefined
        ? 'The link opens with the password: send them separately.'
        : 'Anyone who has this link can read the file.', 'muted')
  }
}
