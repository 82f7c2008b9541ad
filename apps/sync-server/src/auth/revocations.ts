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

/** One revocation: what, how, and when (ms since the epoch, on the node that made it). */
export interface Revocation {
  readonly target: RevocationTarget
  readonly mode: RevocationMode
  readonly at: number
}

/** Revocations are the same when target, mode and time are. */
const keyOf = ({ target, mode, at }: Revocation): string =>
  JSON.stringify([target.user ?? null, target.doc ?? null, mode, at])

/** Whether a target covers a connection of `user` to `doc`. */
export function targetCovers(target: RevocationTarget, user: string | null, doc: string): boolean {
  if (target.user === undefined && target.doc === undefined) return false
  if (target.user !== undefined && target.user !== user) return false
  if (target.doc !== undefined && target.doc !== doc) return false
  return true
}

/** The revocations in force, oldest first; bounded in count and age. */
export class Revocations {
  readonly #entries: Revocation[] = []
  readonly #keys = new Set<string>()
  readonly #maxEntries: number
  readonly #maxAgeMs: number

  constructor(options: { maxEntries: number; maxAgeMs: number }) {
    this.#maxEntries = options.maxEntries
    this.#maxAgeMs = options.maxAgeMs
  }

  /** Record a revocation made at `nowMs`. */
  add(target: RevocationTarget, mode: RevocationMode, nowMs: number): void {
    this.merge([{ target, mode, at: nowMs }], nowMs)
  }

  /**
   * Record revocations made elsewhere or earlier (another node's, or stored ones); returns
   * those that were new here and are still in force.
   */
  merge(revocations: readonly Revocation[], nowMs: number): Revocation[] {
    const added: Revocation[] = []
    for (const revocation of revocations) {
      const key = keyOf(revocation)
      if (revocation.at < nowMs - this.#maxAgeMs || this.#keys.has(key)) continue
      // Mostly appended at the end; an older one from elsewhere goes where its time is.
      let i = this.#entries.length
      while (i > 0 && (this.#entries[i - 1] as Revocation).at > revocation.at) i--
      this.#entries.splice(i, 0, revocation)
      this.#keys.add(key)
      added.push(revocation)
    }
    this.#expire(nowMs)
    return added.filter((revocation) => this.#keys.has(keyOf(revocation)))
  }

  /** Every revocation in force, oldest first. */
  list(nowMs: number): Revocation[] {
    this.#expire(nowMs)
    return [...this.#entries]
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
    const entries = this.#entries
    let drop = Math.max(0, entries.length - this.#maxEntries)
    while (drop < entries.length && (entries[drop] as Revocation).at < nowMs - this.#maxAgeMs) {
      drop++
    }
    for (const gone of entries.splice(0, drop)) this.#keys.delete(keyOf(gone))
  }
}
