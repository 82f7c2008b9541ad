/**
 * Connections: N idle, synced clients, each in its own room or all in one. Measures the
 * server's resident memory per connection (RSS with the clients, minus RSS before, over N),
 * the connect rate (N over the time until the last one synced, with a bounded number of
 * handshakes in flight) and the server's CPU while they sit idle.
 */
import { closeAll, connectAll, firstError } from '../load/connect.js'
import type { Outcome, TargetRef } from '../load/job.js'
import { delay } from '../load/wait.js'
import { cpuPercent, ProcReader, type ProcSample } from '../targets/proc-stats.js'

export interface ConnectionsParams {
  readonly count: number
  readonly distinctRooms: boolean
  /** Handshakes in flight at once. */
  readonly concurrency: number
  /** How long the idle CPU is measured. */
  readonly idleMs: number
  /** Pause before reading memory, so the server finishes what the connects started. */
  readonly settleMs: number
  /** First loopback source address 127.0.0.x (see `sourceAddress`). */
  readonly sourceBase: number
}

export interface ConnectionsResult extends Outcome {
  readonly count: number
  readonly rssBeforeMiB: number
  readonly rssAfterMiB: number
  readonly kibPerConnection: number
  readonly connectPerSec: number
  readonly idleCpuPercent: number
}

/** Median of a few RSS readings spaced `gapMs` apart (one reading can catch a GC). */
async function steadyRss(proc: ProcReader, readings: number, gapMs: number): Promise<number> {
  const values: number[] = []
  for (let i = 0; i < readings; i++) {
    if (i > 0) await delay(gapMs)
    values.push(proc.sample().rssKiB)
  }
  values.sort((a, b) => a - b)
  return values[Math.floor(values.length / 2)] as number
}

/** Run the connections scenario against `target`. */
export async function runConnections(
  target: TargetRef,
  params: ConnectionsParams,
  log: (line: string) => void,
): Promise<ConnectionsResult> {
  const proc = new ProcReader(target.pid)
  const rssBefore = await steadyRss(proc, 3, 100)
  const label = params.distinctRooms ? 'distinct' : 'one'
  const { clients, elapsedMs } = await connectAll(
    {
      urlPattern: target.urlPattern,
      protocol: target.protocol,
      count: params.count,
      docOf: (i) => (params.distinctRooms ? `conn-${label}-${i}` : `conn-${label}`),
      concurrency: params.concurrency,
      timeoutMs: 60_000,
      sourceBase: params.sourceBase,
    },
    {},
  )
  const failures: string[] = []
  try {
    log(`${params.count} synced in ${elapsedMs.toFixed(0)} ms`)
    await delay(params.settleMs)
    const rssAfter = await steadyRss(proc, 5, 200)
    const idleFrom: ProcSample = proc.sample()
    await delay(params.idleMs)
    const idleTo = proc.sample()
    const error = firstError(clients)
    if (error !== null) failures.push(error.message)
    const lost = clients.filter((c) => !c.synced).length
    if (lost > 0) failures.push(`${lost} clients not synced`)
    const result: ConnectionsResult = {
      count: params.count,
      rssBeforeMiB: rssBefore / 1024,
      rssAfterMiB: rssAfter / 1024,
      kibPerConnection: (rssAfter - rssBefore) / params.count,
      connectPerSec: (params.count * 1000) / elapsedMs,
      idleCpuPercent: cpuPercent(idleFrom, idleTo),
      failures,
    }
    log(
      `${result.kibPerConnection.toFixed(1)} KiB/conn, ${result.connectPerSec.toFixed(0)} conn/s, idle cpu ${result.idleCpuPercent.toFixed(1)}%`,
    )
    return result
  } finally {
    await closeAll(clients)
  }
}
