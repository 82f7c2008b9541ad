/**
 * Burst: C clients in one room each send E keystrokes at once, as fast as the socket takes
 * them (all clients' sends interleaved in one loop). Measures the time from the first send
 * until every client holds every other client's updates, then rebuilds every client's
 * document and compares it with the document of everything sent.
 */
import * as Y from 'yjs'
import { ClockTracker } from '../check/clock-tracker.js'
import type { BenchClient } from '../load/bench-client.js'
import { closeAll, connectAll, firstError } from '../load/connect.js'
import type { Outcome, TargetRef } from '../load/job.js'
import { clientIdOf, expectedText, Keystrokes, TEXT_NAME } from '../load/keystrokes.js'
import { Progress, reachOrStall } from '../load/wait.js'
import { cpuPercent, ProcReader } from '../targets/proc-stats.js'

export interface BurstParams {
  readonly clients: number
  readonly edits: number
  /** Bursts, each in a fresh room; the result is their median. */
  readonly rounds: number
  /** Give up waiting once nothing arrived for this long (a lost update never arrives). */
  readonly stallMs: number
}

export interface BurstRound {
  readonly convergeMs: number
  /** Time the generator needed to hand every frame to its sockets. */
  readonly sendMs: number
  readonly serverCpuPercent: number
  /** Server CPU time from the first send until converged (robust to a shared machine). */
  readonly serverCpuMs: number
  readonly generatorCpuPercent: number
}

export interface BurstResult extends Outcome {
  readonly rounds: BurstRound[]
  /** Median of the rounds' convergence times. */
  readonly convergeMs: number
}

interface Tag {
  readonly index: number
  readonly tracker: ClockTracker
  readonly record: Uint8Array[]
}

/** Run the burst scenario against `target`. */
export async function runBurst(
  target: TargetRef,
  params: BurstParams,
  log: (line: string) => void,
): Promise<BurstResult> {
  const proc = new ProcReader(target.pid)
  const source = new Keystrokes()
  for (let i = 0; i < params.clients; i++) source.ensure(i, params.edits)
  const failures: string[] = []
  const rounds: BurstRound[] = []
  for (let round = 0; round < params.rounds && failures.length === 0; round++) {
    rounds.push(await runRound(target, params, source, proc, round, failures))
    const last = rounds.at(-1)
    log(
      `round ${round + 1}: converged in ${last?.convergeMs.toFixed(0)} ms (sent in ${last?.sendMs.toFixed(0)} ms), server cpu ${last?.serverCpuMs.toFixed(0)} ms, gen ${last?.generatorCpuPercent.toFixed(0)}%`,
    )
  }
  const sorted = rounds.map((r) => r.convergeMs).sort((a, b) => a - b)
  return { rounds, convergeMs: sorted[Math.floor(sorted.length / 2)] ?? 0, failures }
}

async function runRound(
  target: TargetRef,
  params: BurstParams,
  source: Keystrokes,
  proc: ProcReader,
  round: number,
  failures: string[],
): Promise<BurstRound> {
  const delivered = new Progress()
  let lastDelivery = 0
  const { clients } = await connectAll(
    {
      urlPattern: target.urlPattern,
      protocol: target.protocol,
      count: params.clients,
      docOf: () => `burst-${round}`,
      concurrency: params.clients,
      timeoutMs: 30_000,
      prepare: (client, index) => {
        const tag: Tag = { index, tracker: new ClockTracker(clientIdOf(index)), record: [] }
        client.tag = tag
      },
    },
    {
      onUpdate: (client, update, now) => {
        const tag = client.tag as Tag
        tag.record.push(update.slice())
        let count = 0
        tag.tracker.accept(update, (_client, from, to) => {
          count += to - from
        })
        if (count > 0) lastDelivery = now
        delivered.add(count)
      },
    },
  )
  try {
    const expected = params.clients * (params.clients - 1) * params.edits
    const cpu0 = proc.sample()
    const gen0 = process.cpuUsage()
    const t0 = performance.now()
    for (let n = 0; n < params.edits; n++) {
      for (let i = 0; i < params.clients; i++) {
        const client = clients[i] as BenchClient
        client.send(client.channel.frame(source.body(i, n)))
      }
    }
    const sendMs = performance.now() - t0
    // A gap means an update was lost or reordered: no point waiting for the rest.
    const hopeless = (): boolean => clients.some((c) => (c.tag as Tag).tracker.gap !== null)
    const all = await reachOrStall(delivered, expected, params.stallMs, 120_000, hopeless)
    const cpu1 = proc.sample()
    const gen = process.cpuUsage(gen0)
    if (!all) failures.push(`${expected - delivered.value} of ${expected} deliveries never arrived`)
    for (const client of clients) {
      const gap = (client.tag as Tag).tracker.gap
      if (gap !== null) {
        failures.push(
          `${client.docName}: client ${gap.client} clock ${gap.got} arrived while ${gap.expected} was missing (dropped or reordered)`,
        )
        break
      }
    }
    const error = firstError(clients)
    if (error !== null) failures.push(error.message)
    if (failures.length === 0) checkDocuments(clients, params, source, failures)
    return {
      convergeMs: all ? lastDelivery - t0 : Number.NaN,
      sendMs,
      serverCpuPercent: cpuPercent(cpu0, cpu1),
      serverCpuMs: cpu1.cpuMs - cpu0.cpuMs,
      generatorCpuPercent: (gen.user + gen.system) / 10 / (cpu1.at - cpu0.at),
    }
  } finally {
    await closeAll(clients)
  }
}

function checkDocuments(
  clients: readonly BenchClient[],
  params: BurstParams,
  source: Keystrokes,
  failures: string[],
): void {
  const counts = new Array<number>(params.clients).fill(params.edits)
  const want = expectedText(source, counts)
  for (const client of clients) {
    const tag = client.tag as Tag
    const doc = new Y.Doc()
    for (const update of tag.record) Y.applyUpdate(doc, update)
    for (let n = 0; n < params.edits; n++) Y.applyUpdate(doc, source.update(tag.index, n))
    const text = doc.getText(TEXT_NAME).toString()
    doc.destroy()
    if (text !== want) {
      failures.push(`${client.docName}: client ${tag.index} did not converge`)
      return
    }
  }
}
