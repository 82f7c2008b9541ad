/** REST API helpers for cluster tests: every request carries the test nodes' admin key. */

import { ADMIN_KEY } from './cluster-harness.js'
import { docJson } from './content.js'
import type { RunningServer } from './harness.js'

const auth = { authorization: `Bearer ${ADMIN_KEY}` }

/** A version as the API lists it. */
export interface VersionJson {
  readonly id: number
  readonly createdAt: string
  readonly label: string | null
  readonly kind: 'auto' | 'manual'
  readonly size: number
}

/** `GET /api/docs` as the API answers it. */
export interface ListingJson {
  readonly docs: { name: string; size: number; lastModified: string | null }[]
  readonly next?: string
  readonly incomplete?: boolean
  readonly unreachableNodes?: string[]
}

/** The document API of `doc`, through the node at `httpUrl`. */
export function docApi(httpUrl: string, doc: string) {
  const base = `${httpUrl}/api/docs/${encodeURIComponent(doc)}`
  const json = { ...auth, 'content-type': 'application/json' }
  return {
    put: (...lines: string[]) =>
      fetch(base, { method: 'PUT', headers: json, body: JSON.stringify(docJson(...lines)) }),
    get: (format = 'json') => fetch(`${base}?format=${format}`, { headers: auth }),
    remove: () => fetch(base, { method: 'DELETE', headers: auth }),
    save: (label: string) =>
      fetch(`${base}/versions`, { method: 'POST', headers: json, body: JSON.stringify({ label }) }),
    async versions(): Promise<VersionJson[]> {
      const res = await fetch(`${base}/versions`, { headers: auth })
      if (res.status !== 200) throw new Error(`versions: ${res.status} ${await res.text()}`)
      return ((await res.json()) as { versions: VersionJson[] }).versions
    },
    async versionBytes(id: number): Promise<Buffer> {
      const res = await fetch(`${base}/versions/${id}?format=update`, { headers: auth })
      if (res.status !== 200) throw new Error(`version ${id}: ${res.status}`)
      return Buffer.from(await res.arrayBuffer())
    },
    async versionText(id: number): Promise<string> {
      return (await fetch(`${base}/versions/${id}?format=text`, { headers: auth })).text()
    },
  }
}

/** One page of `GET /api/docs` from `httpUrl`. */
export async function listDocs(
  httpUrl: string,
  query: { after?: string; limit?: number } = {},
): Promise<ListingJson> {
  const params = new URLSearchParams()
  if (query.after !== undefined) params.set('after', query.after)
  if (query.limit !== undefined) params.set('limit', String(query.limit))
  const res = await fetch(`${httpUrl}/api/docs?${params}`, { headers: auth })
  if (res.status !== 200) throw new Error(`list: ${res.status} ${await res.text()}`)
  return (await res.json()) as ListingJson
}

/** The value of a counter's series with `labels` on `server` (0 when it has none yet). */
export async function counterValue(
  server: RunningServer,
  name: 'handoffVersions' | 'handoffs',
  labels: Record<string, string>,
): Promise<number> {
  const metric = await server.server.metrics[name].get()
  const series = metric.values.find((v) =>
    Object.entries(labels).every(
      ([k, value]) => (v.labels as Record<string, unknown>)[k] === value,
    ),
  )
  return series?.value ?? 0
}
