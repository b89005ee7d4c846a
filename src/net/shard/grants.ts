/**
 * Store grants (wire format and rules: ../protocol/shard-messages.ts).
 *
 * Client side, `GrantBook`: one grant per owner and holder, signed when the
 * last one is missing or about to expire, shared by the requests in flight.
 * Holder side, `checkGrant`: expiry within bounds, then the signature, which
 * is verified once and remembered (`VerifiedGrants`, a bounded map whose
 * oldest entries go first).
 */
import type { PeerId } from '@libp2p/interface'
import { base64url } from 'multiformats/bases/base64'
import { NotAllowedError } from '../../core/errors.ts'
import { verifySignature, type Signer } from '../../core/signature.ts'
import { GRANT_LIFETIME, MAX_GRANT_LIFETIME } from '../protocol/constants.ts'
import { grantPreimage } from '../protocol/shard-messages.ts'

const minute = 60 * 1000
/** a grant with less than this left is renewed before use (a request may wait and travel meanwhile) */
const RENEW_BEFORE = 2 * minute
/** verified grants remembered by a holder: one per client and owner in use */
const MAX_VERIFIED = 4096

export interface Grant {
  owner: Uint8Array
  exp: number
  sig: Uint8Array
}

export class GrantBook {
  readonly #delegate: Uint8Array
  readonly #now: () => number
  readonly #lifetime: number
  readonly #grants = new Map<string, Promise<Grant>>()

  /** `delegate`: this node's peer id (the one its requests arrive from) */
  constructor (delegate: PeerId, now: () => number = Date.now, lifetime = GRANT_LIFETIME) {
    this.#delegate = delegate.toMultihash().bytes
    this.#now = now
    this.#lifetime = lifetime
  }

  /** A grant of `signer` for `holder`, valid for at least a couple of minutes more. */
  async grant (signer: Signer, holder: PeerId): Promise<Grant> {
    const key = `${base64url.baseEncode(signer.publicKey)}/${holder.toString()}`
    const cached = this.#grants.get(key)
    if (cached !== undefined) {
      const grant = await cached.catch(() => undefined)
      if (grant !== undefined && grant.exp - this.#now() > RENEW_BEFORE) return grant
      if (this.#grants.get(key) !== cached) return await this.grant(signer, holder) // renewed meanwhile
    }
    const exp = this.#now() + this.#lifetime
    const signing = (async (): Promise<Grant> => {
      const sig = await signer.sign(grantPreimage(signer.publicKey, holder.toMultihash().bytes, this.#delegate, exp))
      return { owner: signer.publicKey, exp, sig }
    })()
    this.#grants.set(key, signing)
    signing.catch(() => { if (this.#grants.get(key) === signing) this.#grants.delete(key) })
    return await signing
  }
}

export class VerifiedGrants {
  readonly #verified = new Map<string, { owner: string, exp: number }>()

  has (key: string, owner: string, exp: number): boolean {
    const v = this.#verified.get(key)
    return v !== undefined && v.owner === owner && v.exp === exp
  }

  add (key: string, owner: string, exp: number): void {
    if (this.#verified.size >= MAX_VERIFIED) {
      const oldest = this.#verified.keys().next().value
      if (oldest !== undefined) this.#verified.delete(oldest)
    }
    this.#verified.set(key, { owner, exp })
  }

  get size (): number {
    return this.#verified.size
  }
}

export interface GrantCheck {
  grant: Grant
  /** this holder's peer id as multihash bytes */
  holder: Uint8Array
  /** the peer the request came from */
  delegate: PeerId
  now: number
  maxClockSkew: number
  verified: VerifiedGrants
}

/** NotAllowedError unless the grant is in force and signed by its owner for this holder and this delegate. */
export function checkGrant ({ grant, holder, delegate, now, maxClockSkew, verified }: GrantCheck): void {
  if (grant.exp + maxClockSkew < now) {
    throw new NotAllowedError('The store grant has expired (check the system time)', { reason: 'stale-timestamp', exp: grant.exp, now, maxClockSkew })
  }
  if (grant.exp - now > MAX_GRANT_LIFETIME + maxClockSkew) {
    throw new NotAllowedError('The store grant reaches too far into the future', { reason: 'grant-too-long', exp: grant.exp, now, maxLifetime: MAX_GRANT_LIFETIME })
  }
  const owner = base64url.baseEncode(grant.owner)
  const key = `${delegate.toString()}/${base64url.baseEncode(grant.sig)}`
  if (verified.has(key, owner, grant.exp)) return
  if (!verifySignature(grant.owner, grantPreimage(grant.owner, holder, delegate.toMultihash().bytes, grant.exp), grant.sig)) {
    throw new NotAllowedError('The store grant is not signed by its owner for this holder and this peer', { reason: 'bad-signature' })
  }
  verified.add(key, owner, grant.exp)
}
