import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { asciiFileName, cleanFileName, contentDisposition, DOWNLOAD_TYPE, downloadHeaders, extValue } from '../../src/app/pwa/disposition.ts'

/** the name a client understanding RFC 8187 reads from the header */
function parseExtName (header: string): string | undefined {
  const m = /; filename\*=UTF-8''([A-Za-z0-9!#$&+\-.^_`|~%]*)$/.exec(header)
  return m?.[1] === undefined ? undefined : decodeURIComponent(m[1])
}

/** the name an RFC 6266 client without filename* support reads */
function parsePlainName (header: string): string | undefined {
  return /^attachment; filename="([^"]*)"/.exec(header)?.[1]
}

describe('Content-Disposition', () => {
  it('gives a plain ASCII name as a quoted filename only', () => {
    expect(contentDisposition('report-2024.pdf')).toBe('attachment; filename="report-2024.pdf"')
    expect(contentDisposition('notes (final) v2.txt')).toBe('attachment; filename="notes (final) v2.txt"')
  })

  it('keeps quotes out of the quoted-string and gives the exact name in filename*', () => {
    const header = contentDisposition('my "quoted" file.txt')
    expect(header).toBe('attachment; filename="my \'quoted\' file.txt"; filename*=UTF-8\'\'my%20%22quoted%22%20file.txt')
    expect(parseExtName(header)).toBe('my "quoted" file.txt')
  })

  it('encodes non-ASCII names per RFC 8187 with an accent-stripped fallback', () => {
    const header = contentDisposition('résumé 📄.pdf')
    expect(header).toBe('attachment; filename="resume _.pdf"; filename*=UTF-8\'\'r%C3%A9sum%C3%A9%20%F0%9F%93%84.pdf')
    expect(parseExtName(header)).toBe('résumé 📄.pdf')
    expect(contentDisposition('данные.bin')).toBe('attachment; filename="______.bin"; filename*=UTF-8\'\'%D0%B4%D0%B0%D0%BD%D0%BD%D1%8B%D0%B5.bin')
  })

  it('percent-encodes what is not attr-char, including characters encodeURIComponent leaves', () => {
    expect(extValue("a'b(c)*d!")).toBe("UTF-8''a%27b%28c%29%2Ad!")
    expect(extValue('100%')).toBe("UTF-8''100%25")
    expect(contentDisposition('100%.txt')).toBe('attachment; filename="100%.txt"; filename*=UTF-8\'\'100%25.txt')
  })

  it('removes control characters (no header injection), path separators and empty names', () => {
    expect(contentDisposition('a\r\nSet-Cookie: x=1.txt')).toBe('attachment; filename="aSet-Cookie: x=1.txt"')
    expect(contentDisposition('../../etc/passwd')).toBe('attachment; filename=".._.._etc_passwd"')
    expect(contentDisposition('dir\\file.txt')).toBe('attachment; filename="dir_file.txt"')
    expect(contentDisposition('')).toBe('attachment; filename="download"')
    expect(contentDisposition(' \t\u0000 ')).toBe('attachment; filename="download"')
  })

  it('survives lone surrogates (encoded as U+FFFD)', () => {
    const header = contentDisposition('x\ud800y')
    expect(header).toBe('attachment; filename="x_y"; filename*=UTF-8\'\'x%EF%BF%BDy')
  })

  it('is always printable ASCII and gives back the cleaned name (property)', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 80 }), name => {
      const header = contentDisposition(name)
      expect(header).toMatch(/^[\x20-\x7e]+$/)
      const clean = cleanFileName(name)
      expect(parseExtName(header) ?? parsePlainName(header)).toBe(clean)
      expect(parsePlainName(header)).toBe(asciiFileName(clean))
    }), { numRuns: 500 })
  })
})

describe('download headers', () => {
  it('carry the disposition, the opaque type, the length when known and no-sniff/no-store/no-referrer', () => {
    const h = downloadHeaders({ name: 'a.txt', size: 1234 })
    expect(h).toEqual({
      'content-type': 'application/octet-stream',
      'content-disposition': 'attachment; filename="a.txt"',
      'content-length': '1234',
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
      'content-security-policy': "default-src 'none'; sandbox",
      'referrer-policy': 'no-referrer'
    })
  })

  it('never take a type from the file: whatever its sender wrote, the bytes go out as application/octet-stream', () => {
    expect(DOWNLOAD_TYPE).toBe('application/octet-stream')
    for (const type of ['text/html', 'image/svg+xml', 'application/xhtml+xml', 'application/pdf;x=,text/html', 'text/html\r\nx: y']) {
      // a caller passing a type (an older page, a stray field) changes nothing
      const h = downloadHeaders({ name: 'a.html', type } as unknown as { name: string })
      expect(h['content-type']).toBe(DOWNLOAD_TYPE)
      expect(h['content-disposition']).toMatch(/^attachment;/)
    }
  })

  it('omit a length that is not a byte count', () => {
    for (const size of [undefined, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 60]) {
      expect(downloadHeaders({ name: 'a', ...(size !== undefined ? { size } : {}) })).not.toHaveProperty('content-length')
    }
    expect(downloadHeaders({ name: 'a', size: 0 })['content-length']).toBe('0')
  })

  it('are accepted by the Headers class', () => {
    expect(() => new Headers(downloadHeaders({ name: 'résumé 📄.pdf', size: 5 }))).not.toThrow()
  })
})
