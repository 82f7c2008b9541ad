/**
 * A cluster-wide document listing merged from one page of each node's own listing. Pure.
 *
 * Each node lists the documents it stores, in name order (of UTF-8 bytes), after the same
 * `after` and up to the same `limit`, and says of each whether it owns it. A document being
 * handed over may be stored on two nodes (the old owner keeps its copy until the new one has
 * stored it): it is listed once, with the entry of the node that owns it when that node has it
 * (else the other's), so it is neither missing nor doubled while it moves.
 *
 * Paging stays exact: a node whose page was full may have more names after its last one, so
 * the merged page only goes up to the smallest such last name. That node alone contributed
 * `limit` names up to there, so a merged page is never short while more may follow, and `next`
 * is absent only when every node's listing ended.
 */
import { compareUtf8 } from '../storage/memory-store.js'
import type { ListedDoc } from './link-codec.js'

/** One node's page: what `DocStore.list` gave, each entry marked owned or not. */
export interface NodeDocPage {
  readonly docs: readonly ListedDoc[]
  /** Present when the node has more after its last entry. */
  readonly next?: string
}

/** The merged page, in the shape of `DocStore.list`. */
export interface MergedDocPage {
  readonly docs: { name: string; bytes: number; lastModified: number | null }[]
  readonly next?: string
}

/**
 * Merge the pages of every node answering the same `after`/`limit` query.
 *
 * @example
 * mergeDocPages([{ docs: [a, c], next: 'c' }, { docs: [b] }], 2) // docs a, b; next 'b'
 */
export function mergeDocPages(pages: readonly NodeDocPage[], limit: number): MergedDocPage {
  let bound: string | null = null
  for (const page of pages) {
    if (page.next !== undefined && (bound === null || compareUtf8(page.next, bound) < 0)) {
      bound = page.next
    }
  }
  const byName = new Map<string, ListedDoc>()
  for (const page of pages) {
    for (const doc of page.docs) {
      if (bound !== null && compareUtf8(doc.name, bound) > 0) continue
      const seen = byName.get(doc.name)
      if (seen === undefined || (!seen.owned && doc.owned)) byName.set(doc.name, doc)
    }
  }
  const names = [...byName.keys()].sort(compareUtf8)
  const docs = names.slice(0, limit).map((name) => {
    const { bytes, lastModified } = byName.get(name) as ListedDoc
    return { name, bytes, lastModified }
  })
  const more = names.length > limit || bound !== null
  const last = docs.at(-1)
  return more && last !== undefined ? { docs, next: last.name } : { docs }
}
