/**
 * Cold load, in two jobs with a server restart between them (the orchestrator restarts it):
 *
 * 1. `replay`: one client sends the editing trace, one update per edit, with at most `window`
 *    characters not yet seen by a second client in the room (so the server is never sent more
 *    than it can take). At the end the sender asks for the whole document (sync step 1 with an
 *    empty state vector, on its own socket, so after all its updates) and checks its text.
 * 2. `open`: in a fresh generator, against the freshly started server, a new client connects;
 *    the time from opening the socket to the arrival of the frame after which its document
 *    equals the trace's final text is the cold-load time. (The reference server answers before
 *    it has loaded from disk and sends the document as an update afterwards, so "synced" is
 *    judged by the content, not by the protocol's step 2.) A second client then measures the
 *    warm load.
 */
import * as Y from 'yjs'
import { ClockTracker } from '../check/clock-tracker.js'
import { BenchClient } from '../load/bench-client.js'
import { closeAll, connectAll, firstError, urlFor } from '../load/connect.js'
import type { Outcome, TargetRef } from '../load/job.js'
import { TEXT_NAME } from '../load/keystrokes.js'
import { loadTraceUpdates, TRACE_CLIENT_ID, traceEndContent } from '../load/trace.js'
import { Progress, withTimeout } from '../load/wait.js'
import { encodeUpdateBody } from '../protocol/adapter.js'

export interface ReplayParams {
  readonly docName: string
  readonly times: 1 | 2
  /** Characters in flight at most. */
  readonly window: number
}

export interface ReplayResult extends Outcome {
  readonly updates: number
  readonly replayMs: number
  readonly updatesPerSec: number
  /** Size of the document as the server sent it back (bytes of its sync step 2). */
  readonly docBytes: number
}

export interface OpenParams {
  readonly docName: string
  readonly timeoutMs: number
}

export interface OpenResult extends Outcome {
  /** Socket opened → frame completing the document arrived, on the restarted server. */
  readonly coldMs: number
  /** The same for a second client, the document now in memory. */
  readonly warmMs: number
  readonly docBytes: number
}

/** Replay the trace into `params.docName`. */
export async function runReplay(
  target: TargetRef,
  params: ReplayParams,
  log: (line: string) => void,
): Promise<ReplayResult> {
  const started = performance.now()
  const trace = loadTraceUpdates(params.times)
  log(`${trace.updates.length} updates ready in ${(performance.now() - started).toFixed(0)} ms`)
  const seen = new Progress()
  const tracker = new ClockTracker(null)
  let finalState: { resolve: (update: Uint8Array) => void } | null = null
  const { clients } = await connectAll(
    {
      urlPattern: target.urlPattern,
      protocol: target.protocol,
      count: 2,
      docOf: () => params.docName,
      concurrency: 2,
      timeoutMs: 30_000,
      prepare: (client, index) => {
        client.tag = index === 0 ? 'sender' : 'observer'
      },
    },
    {
      onUpdate: (client, update, _now, step2) => {
        if (client.tag === 'sender') {
          if (step2 && finalState !== null) finalState.resolve(update)
          return
        }
        tracker.accept(update, (clientId, from, to) => {
          if (clientId === TRACE_CLIENT_ID) seen.add(to - from)
        })
      },
    },
  )
  const [sender] = clients as [BenchClient, BenchClient]
  const failures: string[] = []
  try {
    const t0 = performance.now()
    for (let i = 0; i < trace.updates.length; i++) {
      const clock = trace.clockAfter[i] as number
      if (clock - seen.value > params.window) {
        await withTimeout(seen.reach(clock - params.window / 2), 60_000, 'replay progress')
      }
      sender.send(sender.channel.frame(encodeUpdateBody(trace.updates[i] as Uint8Array)))
    }
    const full = await withTimeout(
      new Promise<Uint8Array>((resolve) => {
        finalState = { resolve }
        sender.send(sender.channel.fullStep1)
      }),
      120_000,
      'whole document after the replay',
    )
    const replayMs = performance.now() - t0
    const doc = new Y.Doc()
    Y.applyUpdate(doc, full)
    if (doc.getText(TEXT_NAME).toString() !== trace.endContent) {
      failures.push('after the replay the server holds another text than the trace')
    }
    doc.destroy()
    const error = firstError(clients)
    if (error !== null) failures.push(error.message)
    const result: ReplayResult = {
      updates: trace.updates.length,
      replayMs,
      updatesPerSec: (trace.updates.length * 1000) / replayMs,
      docBytes: full.byteLength,
      failures,
    }
    log(
      `replayed in ${replayMs.toFixed(0)} ms (${result.updatesPerSec.toFixed(0)} updates/s), document ${full.byteLength} bytes`,
    )
    return result
  } finally {
    await closeAll(clients)
  }
}

/** Open `params.docName` on a freshly started server, cold, then warm. */
export async function runOpen(
  target: TargetRef,
  params: OpenParams,
  log: (line: string) => void,
): Promise<OpenResult> {
  const endContent = traceEndContent()
  const failures: string[] = []
  /** Connect a client and wait for the whole document; the client stays open. */
  const open = async (): Promise<{ ms: number; bytes: number; client: BenchClient }> => {
    const doc = new Y.Doc()
    const text = doc.getText(TEXT_NAME)
    let bytes = 0
    let done: ((arrivedAt: number) => void) | null = null
    const complete = new Promise<number>((resolve) => {
      done = resolve
    })
    const t0 = performance.now()
    const client = new BenchClient(
      {
        url: urlFor(target.urlPattern, params.docName),
        docName: params.docName,
        protocol: target.protocol,
      },
      {
        onUpdate: (_client, update, now) => {
          bytes += update.byteLength
          Y.applyUpdate(doc, update)
          if (text.length === endContent.length && text.toString() === endContent) done?.(now)
        },
      },
    )
    try {
      const arrivedAt = await withTimeout(
        Promise.race([
          complete,
          // A client error (or close) ends the wait at once.
          client.whenSynced().then(() => complete),
        ]),
        params.timeoutMs,
        'document complete',
      )
      return { ms: arrivedAt - t0, bytes, client }
    } catch (error) {
      await client.close()
      throw error
    } finally {
      doc.destroy()
    }
  }
  const cold = await open()
  try {
    // The first client stays, so every server keeps the document in memory for the second.
    const warm = await open()
    await warm.client.close()
    for (const { client } of [cold, warm])
      if (client.error !== null) failures.push(client.error.message)
    log(`cold ${cold.ms.toFixed(1)} ms, warm ${warm.ms.toFixed(1)} ms, ${cold.bytes} bytes`)
    return { coldMs: cold.ms, warmMs: warm.ms, docBytes: cold.bytes, failures }
  } finally {
    await cold.client.close()
  }
}
