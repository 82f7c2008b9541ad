/**
 * Well-behaved clients that watch an attack: two in the attacked document, two in another.
 * `check()` proves the server is up, both pairs still converge, and what is stored is exactly
 * what they wrote.
 */
import { expect } from 'vitest'
import * as Y from 'yjs'
import { type Cleanup, type Client, connectClient, converged, synced } from './harness.js'

export interface Bystanders {
  readonly target: [Client, Client]
  readonly other: [Client, Client]
  /** Edit in both documents, wait for convergence, and compare with a fresh load. */
  check(label: string): Promise<void>
}

export async function watchWith(
  cleanup: Cleanup,
  server: { wsUrl: string; httpUrl: string },
  targetDoc: string,
  params: Record<string, string> = {},
): Promise<Bystanders> {
  const connect = (doc: string): Client => connectClient(cleanup, server.wsUrl, doc, { params })
  const target: [Client, Client] = [connect(targetDoc), connect(targetDoc)]
  const other: [Client, Client] = [connect('bystanders'), connect('bystanders')]
  await Promise.all([...target, ...other].map(synced))
  let round = 0
  const check = async (label: string): Promise<void> => {
    round++
    const health = await fetch(`${server.httpUrl}/healthz`)
    expect(health.status, `${label}: server is up`).toBe(200)
    for (const [a, b] of [target, other]) {
      a.doc.getText('t').insert(a.doc.getText('t').length, `a${round} `)
      b.doc.getText('t').insert(0, `b${round} `)
      await converged([a.doc, b.doc])
      expect(a.provider.wsconnected && b.provider.wsconnected, `${label}: still connected`).toBe(
        true,
      )
      // A fresh client loads exactly what the two wrote: nothing lost, nothing foreign.
      const fresh = connectClient(cleanup, server.wsUrl, a.provider.roomname, { params })
      await synced(fresh)
      await converged([a.doc, fresh.doc])
      expect(fresh.doc.getText('t').toString(), `${label}: stored content`).toBe(
        a.doc.getText('t').toString(),
      )
      expect(Y.encodeStateVector(fresh.doc), `${label}: only their clients wrote`).toEqual(
        Y.encodeStateVector(a.doc),
      )
      fresh.destroy()
    }
  }
  await check('before')
  return { target, other, check }
}

/** RSS in MiB, for the resource tests' reports. */
export function rssMiB(): number {
  return Math.round(process.memoryUsage().rss / 2 ** 20)
}
