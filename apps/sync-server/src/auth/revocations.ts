/**
 * Live revocation: what an admin took away from a user or a document. A revocation covers
 * the sockets open now (the server closes or downgrades them) and every token issued before
 * it, so a revoked client cannot simply reconnect with the token it already has. Tokens
 * issued afterwards are not affected: that is how access is given back.
 */
import type { Grant } from './grant.js'

/** What a revocation targets: a user, a document, or the user's sockets on one document. */
export interface RevocationTarget {
  readonly user?: string
  readonly doc?: string
}

/** `close`: no access at all. `read-only`: write access is taken away. */
export type RevocationMode = 'close' | 'read-only'

interface Entry {
  readonly target: RevocationTarget
  readonly mode: RevocationMode
  readonly at: number
}

/** Whether a target covers a connection of `user` to `doc`. */
export function targetCovers(target: RevocationTarget, user: string | null, doc: string): boolean {
  if (target.user === undefined && target.doc === undefined) return false
  if (target.user !== undefined && target.user !== user) return false
  if (target.doc !== undefined && target.doc !== doc) return false
  return true
}

/** The revocations in force; bounded in count and age. */
export class Revocations {
  readonly #entries: Entry[] = []
  readonly #maxEntries: number
  readonly #maxAgeMs: number

  constructor(options: { maxEntries: number; maxAgeMs: number }) {
    this.#maxEntries = options.maxEntries
    this.#maxAgeMs = options.maxAgeMs
  }

  /** Record a revocation made at `nowMs`. */
  add(target: RevocationTarget, mode: RevocationMode, nowMs: number): void {
    this.#expire(nowMs)
    this.#entries.push({ target, mode, at: nowMs })
    if (this.#entries.length > this.#maxEntries) this.#entries.shift()
  }

  /**
   * The grant a token issued at `grant.issuedAt` still gives for `doc`: unchanged, narrowed
   * to read, or null when revoked. Grants without an issue time count as issued long ago.
   */
  apply(grant: Grant, doc: string, nowMs: number): Grant | null {
    this.#expire(nowMs)
    let result: Grant | null = grant
    for (const entry of this.#entries) {
      if (!targetCovers(entry.target, grant.user, doc)) continue
      if (grant.issuedAt !== null && grant.issuedAt > entry.at) continue
      if (entry.mode === 'close') return null
      result = { ...grant, access: 'read' }
    }
    return result
  }

  #expire(nowMs: number): void {
    while (this.#entries.length > 0 && (this.#entries[0] as Entry).at < nowMs - this.#maxAgeMs) {
      this.#entries.shift()
    }
  }
}
