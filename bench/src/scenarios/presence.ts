/**
 * Presence: C clients in one room move their cursors at `hz`, each sending an awareness
 * update (a y-prosemirror-shaped state whose cursor moves) with its clock one higher.
 * Measures the server's CPU and the delivery latency of each state a receiver gets (send time
 * of that clock to arrival). A server may coalesce (presence is last-writer-wins: skipping a
 * superseded state is fine), but every receiver must end up with every client's last state.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import type { BenchClient } from '../load/bench-client.js'
import { closeAll, connectAll, firstError } from '../load/connect.js'
import type { Outcome, TargetRef } from '../load/job.js'
import { clientIdOf, clientIndexOf } from '../load/keystrokes.js'
import { TimeTable } from '../load/time-table.js'
import { delay } from '../load/wait.js'
import { encodeAwarenessBody } from '../protocol/adapter.js'
import { Samples, type Summary } from '../report/samples.js'
import { cpuPercent, ProcReader } from '../targets/proc-stats.js'

export interface PresenceParams {
  readonly clients: number
  readonly hz: number
  readonly durationMs: number
}

export interface PresenceResult extends Outcome {
  readonly sent: number
  readonly received: number
  readonly latencyMs: Summary
  readonly serverCpuPercent: number
  readonly serverRssMiB: number
  readonly generatorCpuPercent: number
}

/** Encode a one-client awareness update. */
export function encodePresence(clientId: number, clock: number, state: unknown): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, 1)
  encoding.writeVarUint(encoder, clientId)
  encoding.writeVarUint(encoder, clock)
  encoding.writeVarString(encoder, JSON.stringify(state))
  return encoding.toUint8Array(encoder)
}

/** Call `each` with the client id and clock of every entry of an awareness update. */
export function forEachPresence(
  update: Uint8Array,
  each: (clientId: number, clock: number) => void,
): void {
  const decoder = decoding.createDecoder(update)
  const count = decoding.readVarUint(decoder)
  for (let i = 0; i < count; i++) {
    const clientId = decoding.readVarUint(decoder)
    const clock = decoding.readVarUint(decoder)
    // Skip the state's JSON text without decoding it. (Read the length first: in
    // `pos += readVarUint()` the old `pos` would be taken before the length is read.)
    const length = decoding.readVarUint(decoder)
    decoder.pos += length
    each(clientId, clock)
  }
  if (decoder.pos > update.length) throw new Error('awareness update is truncated')
}

/** A cursor as y-prosemirror publishes it, at position `at` of client `clientId`'s text. */
const cursorState = (index: number, clientId: number, at: number): unknown => {
  const position = {
    type: null,
    tname: 'prosemirror',
    item: { client: clientId, clock: at },
    assoc: 0,
  }
  return {
    user: { name: `Reader ${index}`, color: '#1f6feb' },
    cursor: { anchor: position, head: position },
  }
}

interface Tag {
  readonly index: number
  readonly self: number
  /** Newest clock received per sender index. */
  readonly latest: Int32Array
}

/** Run the presence scenario against `target`. */
export async function runPresence(
  target: TargetRef,
  params: PresenceParams,
  log: (line: string) => void,
): Promise<PresenceResult> {
  const proc = new ProcReader(target.pid)
  const sendTimes = Array.from({ length: params.clients }, () => new TimeTable())
  const clocks = new Int32Array(params.clients)
  const samples = new Samples()
  let received = 0
  let measuring = false
  const { clients } = await connectAll(
    {
      urlPattern: target.urlPattern,
      protocol: target.protocol,
      count: params.clients,
      docOf: () => 'presence',
      concurrency: 32,
      timeoutMs: 30_000,
      prepare: (client, index) => {
        const tag: Tag = { index, self: clientIdOf(index), latest: new Int32Array(params.clients) }
        client.tag = tag
      },
    },
    {
      onAwareness: (client, update, now) => {
        const tag = client.tag as Tag
        forEachPresence(update, (clientId, clock) => {
          if (clientId === tag.self) return
          const sender = clientIndexOf(clientId)
          if (sender < 0 || sender >= params.clients || clock <= (tag.latest[sender] as number)) {
            return
          }
          tag.latest[sender] = clock
          received++
          if (measuring) samples.add(now - (sendTimes[sender] as TimeTable).get(clock))
        })
      },
    },
  )
  const failures: string[] = []
  try {
    const send = (index: number): void => {
      const client = clients[index] as BenchClient
      const clock = (clocks[index] as number) + 1
      clocks[index] = clock
      const self = clientIdOf(index)
      const frame = client.channel.frame(
        encodeAwarenessBody(encodePresence(self, clock, cursorState(index, self, clock))),
      )
      ;(sendTimes[index] as TimeTable).set(clock, performance.now())
      client.send(frame)
    }
    // Everyone announces itself first, as a y-websocket client does on connect.
    for (let i = 0; i < params.clients; i++) send(i)
    await delay(500)
    measuring = true
    const periodMs = 1000 / params.hz
    const cpu0 = proc.sample()
    const gen0 = process.cpuUsage()
    let sent = 0
    const timers: NodeJS.Timeout[] = []
    await new Promise<void>((resolve) => {
      for (let i = 0; i < params.clients; i++) {
        // Spread the clients' phases over the period.
        const start = setTimeout(
          () => {
            send(i)
            sent++
            timers.push(
              setInterval(() => {
                send(i)
                sent++
              }, periodMs),
            )
          },
          (i * periodMs) / params.clients,
        )
        timers.push(start)
      }
      setTimeout(resolve, params.durationMs)
    })
    for (const timer of timers) clearTimeout(timer)
    const cpu1 = proc.sample()
    const gen = process.cpuUsage(gen0)
    // Everyone must end up with everyone's last state.
    const caughtUp = (): number => {
      let behind = 0
      for (const client of clients) {
        const tag = client.tag as Tag
        for (let s = 0; s < params.clients; s++) {
          if (s !== tag.index && (tag.latest[s] as number) < (clocks[s] as number)) behind++
        }
      }
      return behind
    }
    // Wait while it makes progress: give up after 5 s without any, or 60 s in all.
    let behind = caughtUp()
    let lastProgress = performance.now()
    const waitStart = lastProgress
    while (behind > 0 && performance.now() - lastProgress < 5000) {
      if (performance.now() - waitStart > 60_000) break
      await delay(100)
      const now = caughtUp()
      if (now < behind) lastProgress = performance.now()
      behind = now
    }
    if (behind > 0) failures.push(`${behind} (receiver, sender) pairs never got the last state`)
    const error = firstError(clients)
    if (error !== null) failures.push(error.message)
    const wall = cpu1.at - cpu0.at
    const result: PresenceResult = {
      sent,
      received,
      latencyMs: samples.summary(),
      serverCpuPercent: cpuPercent(cpu0, cpu1),
      serverRssMiB: cpu1.rssKiB / 1024,
      generatorCpuPercent: (gen.user + gen.system) / 10 / wall,
      failures,
    }
    log(
      `${sent} sent, p50 ${result.latencyMs.p50.toFixed(1)} p99 ${result.latencyMs.p99.toFixed(1)} ms, server cpu ${result.serverCpuPercent.toFixed(0)}%, gen ${result.generatorCpuPercent.toFixed(0)}%`,
    )
    return result
  } finally {
    await closeAll(clients)
  }
}
