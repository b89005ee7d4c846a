/** keys: the owner keys in this device's keystore. Passwords are always asked for, never typed on the line. */
import { InvalidValueError } from '../errors.ts'
import type { Command } from '../types.ts'
import { formatTimestamp, shortId } from '../../api/format.ts'
import { askNewPassword, askPassword } from './common.ts'

const BACKUP_NAME = 'datamesh-keys.dmkeys'

export const keys: Command = {
  name: 'keys',
  group: 'Keys',
  summary: 'List, create, switch, rename, export, import or delete your keys',
  description: 'Each key has its own file list. Passwords are asked for separately and never kept in the history.',
  default: 'list',
  examples: [],
  subcommands: [
    {
      name: 'list',
      aliases: ['ls'],
      summary: 'The keys on this device',
      flags: [{ name: 'long', type: 'boolean', short: 'l', summary: 'Show whole public keys' }],
      examples: [{ line: 'keys', says: 'list the keys' }],
      run: async (ctx, p) => {
        const [list, status] = await Promise.all([ctx.backend.keys(), ctx.backend.status()])
        if (list.length === 0) { ctx.out.text('No keys on this device.', 'muted'); return }
        ctx.out.table(['Name', 'Created', 'In use', 'Default', 'Public key'], list.map(k => [
          k.name, formatTimestamp(k.created), k.publicKeyString === status.publicKey ? 'yes' : '', k.isDefault ? 'yes' : '',
          p.bool('long') ? k.publicKeyString : shortId(k.publicKeyString, 12, 6)
        ]))
      }
    },
    {
      name: 'create',
      aliases: ['new'],
      summary: 'Make a new key (sealed under the keystore password)',
      args: [{ name: 'name', summary: 'The key\'s name' }],
      examples: [{ line: 'keys create work', says: 'a new key called work' }],
      run: async (ctx, p) => {
        const k = await ctx.backend.createKey(p.arg('name') as string)
        ctx.out.pairs([['Created', k.name], ['Public key', k.publicKeyString]])
        ctx.out.text(`keys use ${k.name} switches to it.`, 'muted')
      }
    },
    {
      name: 'use',
      summary: 'Switch to another key and its file list',
      args: [{ name: 'name', summary: 'The key\'s name', complete: 'key' }],
      examples: [{ line: 'keys use work', says: 'work with the files of the key called work' }],
      run: async (ctx, p) => {
        const { publicKey } = await ctx.backend.useKey(p.arg('name') as string)
        ctx.out.pairs([['Using', p.arg('name') as string], ['Public key', publicKey]])
      }
    },
    {
      name: 'rename',
      summary: 'Rename a key',
      args: [
        { name: 'name', summary: 'Its name now', complete: 'key' },
        { name: 'new-name', summary: 'Its new name' }
      ],
      examples: [{ line: 'keys rename work office', says: 'call the work key office' }],
      run: async (ctx, p) => {
        await ctx.backend.renameKey(p.arg('name') as string, p.arg('new-name') as string)
        ctx.out.text(`Renamed key ${p.arg('name') as string} to ${p.arg('new-name') as string}.`, 'ok')
      }
    },
    {
      name: 'export',
      summary: 'Save an encrypted backup of every key (asks for the keystore password, then a password for the file)',
      description: 'Keep the file and its password apart: together they open your files anywhere. The keystore password is checked again even while the keys are unlocked.',
      args: [{ name: 'file-name', summary: `The backup's file name (default ${BACKUP_NAME})`, optional: true }],
      examples: [{ line: 'keys export', says: `save ${BACKUP_NAME}` }],
      run: async (ctx, p) => {
        const password = await askPassword(ctx, 'Keystore password')
        const exportPassword = await askNewPassword(ctx, 'Password for the key backup')
        const bytes = await ctx.backend.exportKeys(password, exportPassword)
        const name = p.arg('file-name') ?? BACKUP_NAME
        const stream = new ReadableStream<Uint8Array>({ start (c) { c.enqueue(bytes); c.close() } })
        await ctx.host.save(stream, { name, type: 'application/octet-stream', size: bytes.byteLength }, { signal: ctx.signal })
        ctx.out.text(`Saved ${name}. It opens only with the password you just chose.`, 'ok')
      }
    },
    {
      name: 'import',
      summary: 'Add the keys of a backup file (asks for its password)',
      examples: [{ line: 'keys import', says: 'choose a backup file and add its keys' }],
      run: async (ctx) => {
        const [file] = await ctx.host.pickFiles()
        if (file === undefined) { ctx.out.text('No file chosen: nothing was imported.', 'muted'); return }
        const password = await askPassword(ctx, `Password of ${file.name}`)
        const { imported } = await ctx.backend.importKeys(new Uint8Array(await file.arrayBuffer()), password)
        ctx.out.text(imported.length === 0 ? 'The backup held no new keys.' : `Imported: ${imported.join(', ')}.`, 'ok')
      }
    },
    {
      name: 'delete',
      aliases: ['rm'],
      summary: 'Destroy a key (asks first, then for the keystore password)',
      description: 'Files stored under the key can no longer be opened unless the key was exported.',
      args: [{ name: 'name', summary: 'The key\'s name', complete: 'key' }],
      flags: [{ name: 'yes', type: 'boolean', short: 'y', summary: 'Do not ask for confirmation (the password is still asked)' }],
      examples: [{ line: 'keys delete old', says: 'destroy the key called old' }],
      run: async (ctx, p) => {
        const name = p.arg('name') as string
        if (!p.bool('yes') && !await ctx.host.confirm(`Destroy key ${name}? Files stored under it cannot be opened again unless you exported it.`)) {
          ctx.out.text('Nothing was deleted.', 'muted')
          return
        }
        await ctx.backend.deleteKey(name, await askPassword(ctx, 'Keystore password'))
        ctx.out.text(`Key ${name} destroyed.`, 'ok')
      }
    },
    {
      name: 'password',
      aliases: ['passwd'],
      summary: 'Change the keystore password',
      examples: [{ line: 'keys password', says: 'choose a new password (the old one is asked first)' }],
      run: async (ctx) => {
        const old = await askPassword(ctx, 'Current password')
        const next = await askNewPassword(ctx, 'New password')
        if (next === old) throw new InvalidValueError('The new password is the same as the old one')
        await ctx.backend.changePassword(old, next)
        ctx.out.text('Password changed.', 'ok')
      }
    }
  ]
}
