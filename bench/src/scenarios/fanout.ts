/**
 * Fan-out: R rooms × C clients type one character per update at an offered rate that ramps up
 * in steps. A step passes when every update sent in it reached every other client of its room
 * within `drainMs` of the end of sending, with p99 end-to-end latency (sender's send time to
 * receiver's arrival time, both in this process) under `p99LimitMs`, and the generator kept
 * its pace. The result is the delivered rate of the last passing step.
 *
 * Before measuring, one short unmeasured step at the first rate warms both processes up (JIT,
 * buffers). A step that fails is run once more before the ramp stops, so one hiccup of a
 * shared machine does not end it.
 *
 * Correctness: every receiver must get every other client's updates in order (a gap fails the
 * run at once), everything sent must arrive eventually, and sampled receivers' documents must
 * equal the document of everything sent.
 */
import * as Y from 'yjs'
import { ClockTracker } from '../check/clock-tracker.js'
import type { BenchClient } from '../load/bench-client.js'
import { closeAll, connectAll, firstError } from '../load/connect.js'
import type { Outcome, TargetRef } from '../load/job.js'
import {
  clientIdOf,
  clientIndexOf,
  expectedText,
  Keystrokes,
  TEXT_NAME,
} from '../load/keystrokes.js'
import { TimeTable } from '../load/time-table.js'
import { Progress, reachOrStall } from '../load/wait.js'
import { Samples, type Summary } from '../report/samples.js'
import { cpuPercent, ProcReader } from '../targets/proc-stats.js'

/** Offered rates: a geometric ramp, or one fixed rate. Rates count deliveries per second. */
export type RatePlan =
  | {
      readonly start: number
      readonly factor: number
      readonly maxSteps: number
      /** After the first failing step, try once between it and the last passing one. */
      readonly bisect: boolean
    }
  | { readonly fixed: number }

export interface FanoutParams {
  readonly rooms: number
  readonly clientsPerRoom: number
  readonly stepMs: number
  readonly drainMs: number
  /** After a step that did not drain in time, wait for the rest until nothing arrived for this long. */
  readonly stallMs: number
  readonly p99LimitMs: number
  readonly rates: RatePlan
  /** Rooms whose receivers' documents are rebuilt and compared at the end. */
  readonly contentCheckRooms: number
}

/** One step of the ramp. */
export interface FanoutStep {
  /** Deliveries per second asked for. */
  readonly offeredPerSec: number
  /** Deliveries per second of what was sent, over the sending window. */
  readonly deliveredPerSec: number
  readonly sent: number
  readonly delivered: number
  readonly expected: number
  readonly latencyMs: Summary
  readonly serverCpuPercent: number
  /** Server CPU time per delivery: comparable even when the machine is shared. */
  readonly serverCpuUsPerDelivery: number
  readonly serverRssMiB: number
  readonly generatorCpuPercent: number
  readonly pass: boolean
  /** Why it did not pass. */
  readonly reason: string | null
}

export interface FanoutResult extends Outcome {
  readonly steps: FanoutStep[]
  /** Delivered rate of the best passing step (0 if none passed). */
  readonly maxDeliveredPerSec: number
  readonly atMax: FanoutStep | null
  /** True when the last ramp step still passed: the maximum is higher than measured. */
  readonly unsaturated: boolean
  readonly connectMs: number
  readonly contentChecked: number
}

interface Tag {
  readonly room: number
  readonly index: number
  readonly tracker: ClockTracker
  /** Received updates, kept for the content check (sampled clients only). */
  readonly record: Uint8Array[] | null
}

/** Run the fan-out scenario against `target`; `log` gets one line per step. */
export async function runFanout(
  target: TargetRef,
  params: FanoutParams,
  log: (line: string) => void,
): Promise<FanoutResult> {
  const { rooms, clientsPerRoom: perRoom } = params
  if (perRoom < 2) throw new RangeError('fan-out needs at least 2 clients per room')
  const proc = new ProcReader(target.pid)
  const source = new Keystrokes()
  const sendTimes = Array.from({ length: rooms }, () =>
    Array.from({ length: perRoom }, () => new TimeTable()),
  )
  const sent = Array.from({ length: rooms }, () => new Array<number>(perRoom).fill(0))
  const delivered = new Progress()
  let samples = new Samples()
  const failures: string[] = []
  const sampledClients = perRoom <= 10 ? perRoom : 4

  const onUpdate = (client: BenchClient, update: Uint8Array, now: number): void => {
    const tag = client.tag as Tag
    tag.record?.push(update.slice())
    const times = sendTimes[tag.room] as TimeTable[]
    let count = 0
    tag.tracker.accept(update, (clientId, from, to) => {
      const table = times[clientIndexOf(clientId)]
      if (table === undefined) return
      for (let clock = from; clock < to; clock++) samples.add(now - table.get(clock))
      count += to - from
    })
    delivered.add(count)
  }

  const { clients, elapsedMs: connectMs } = await connectAll(
    {
      urlPattern: target.urlPattern,
      protocol: target.protocol,
      count: rooms * perRoom,
      docOf: (i) => `fanout-${rooms}x${perRoom}-r${Math.floor(i / perRoom)}`,
      concurrency: 64,
      timeoutMs: 30_000,
      prepare: (client, i) => {
        const room = Math.floor(i / perRoom)
        const index = i % perRoom
        const tag: Tag = {
          room,
          index,
          tracker: new ClockTracker(clientIdOf(index)),
          record: room < params.contentCheckRooms && index < sampledClients ? [] : null,
        }
        client.tag = tag
      },
    },
    { onUpdate },
  )
  log(`connected ${clients.length} clients in ${connectMs.toFixed(0)} ms`)
  const clientAt = (room: number, index: number): BenchClient =>
    clients[room * perRoom + index] as BenchClient

  // A gap means an update was lost or reordered: waiting for the rest is pointless.
  const hopeless = (): boolean => clients.some((c) => (c.tag as Tag).tracker.gap !== null)
  let position = 0
  const runStep = async (offeredPerSec: number, stepMs = params.stepMs): Promise<FanoutStep> => {
    const sendsPerSec = offeredPerSec / (perRoom - 1)
    const planned = Math.max(1, Math.round((sendsPerSec * stepMs) / 1000))
    // Prepare this step's keystrokes before its window opens.
    const perClient = Math.ceil(planned / (rooms * perRoom)) + 1
    for (let index = 0; index < perRoom; index++) {
      let most = 0
      for (let room = 0; room < rooms; room++) most = Math.max(most, sent[room]?.[index] ?? 0)
      source.ensure(index, most + perClient)
    }
    samples = new Samples()
    const expected = delivered.value + planned * (perRoom - 1)
    const before = delivered.value
    const cpu0 = proc.sample()
    const gen0 = process.cpuUsage()
    const t0 = performance.now()
    let sends = 0
    await new Promise<void>((resolve) => {
      const tick = (): void => {
        const due = Math.min(
          planned,
          Math.floor(((performance.now() - t0) * sendsPerSec) / 1000) + 1,
        )
        while (sends < due) {
          const room = position % rooms
          const index = Math.floor(position / rooms) % perRoom
          position++
          const roomSent = sent[room] as number[]
          const n = roomSent[index] as number
          roomSent[index] = n + 1
          const client = clientAt(room, index)
          const frame = client.channel.frame(source.body(index, n))
          ;(sendTimes[room] as TimeTable[])[index]?.set(n, performance.now())
          client.send(frame)
          sends++
        }
        if (sends >= planned) resolve()
        else setTimeout(tick, 1)
      }
      tick()
    })
    const sendMs = performance.now() - t0
    const inTime = await reachOrStall(delivered, expected, params.drainMs, params.drainMs, hopeless)
    const cpu1 = proc.sample()
    const genUsage = process.cpuUsage(gen0)
    const wall = cpu1.at - cpu0.at
    const latency = samples.summary()
    const step: Omit<FanoutStep, 'pass' | 'reason'> = {
      offeredPerSec,
      deliveredPerSec: (planned * (perRoom - 1) * 1000) / sendMs,
      sent: planned,
      delivered: delivered.value - before,
      expected: planned * (perRoom - 1),
      latencyMs: latency,
      serverCpuPercent: cpuPercent(cpu0, cpu1),
      serverCpuUsPerDelivery:
        ((cpu1.cpuMs - cpu0.cpuMs) * 1000) / Math.max(1, delivered.value - before),
      serverRssMiB: cpu1.rssKiB / 1024,
      generatorCpuPercent: wall > 0 ? (genUsage.user + genUsage.system) / 10 / wall : 0,
    }
    let reason: string | null = null
    if (!inTime) reason = `not all delivered within ${params.drainMs} ms`
    else if (latency.p99 >= params.p99LimitMs) reason = `p99 ${latency.p99.toFixed(1)} ms`
    else if (sendMs > stepMs * 1.1) reason = 'generator could not keep the pace'
    if (!inTime) {
      // Let the backlog drain before anything else; what never arrives is a lost update.
      const all = await reachOrStall(delivered, expected, params.stallMs, 60_000, hopeless)
      if (!all && !hopeless()) {
        failures.push(`${expected - delivered.value} deliveries never arrived (dropped updates)`)
      }
    }
    const result = { ...step, pass: reason === null, reason }
    log(
      `offered ${fmt(offeredPerSec)}/s delivered ${fmt(result.deliveredPerSec)}/s p50 ${latency.p50.toFixed(1)} p99 ${latency.p99.toFixed(1)} ms cpu ${result.serverCpuPercent.toFixed(0)}% (${result.serverCpuUsPerDelivery.toFixed(1)} µs/delivery) gen ${result.generatorCpuPercent.toFixed(0)}% ${reason ?? 'pass'}`,
    )
    return result
  }

  const steps: FanoutStep[] = []
  /** Record a gap or client error as a failure (once); whether the run has failed. */
  const broken = (): boolean => {
    if (failures.length > 0) return true
    const gap = clients.find((c) => (c.tag as Tag).tracker.gap !== null)
    if (gap !== undefined) {
      const { client, expected, got } = (gap.tag as Tag).tracker.gap ?? {}
      failures.push(
        `${gap.docName}: update of client ${client} starting at clock ${got} arrived while clock ${expected} was missing (dropped or reordered)`,
      )
    }
    const error = firstError(clients)
    if (error !== null) failures.push(error.message)
    return failures.length > 0
  }
  /** A step, run once more if it fails (not for a correctness failure). */
  const stepWithRetry = async (rate: number): Promise<FanoutStep> => {
    const step = await runStep(rate)
    steps.push(step)
    if (step.pass || broken()) return step
    log('failed; once more')
    const again = await runStep(rate)
    steps.push(again)
    return again
  }
  try {
    const plan = params.rates
    const warmRate = 'fixed' in plan ? plan.fixed : plan.start
    log('warm-up (not measured)')
    await runStep(warmRate, Math.min(1000, params.stepMs))
    if (!broken()) {
      if ('fixed' in plan) {
        steps.push(await runStep(plan.fixed))
        broken()
      } else {
        let rate = plan.start
        let lastPass: FanoutStep | null = null
        let firstFail: FanoutStep | null = null
        for (let i = 0; i < plan.maxSteps; i++) {
          const step = await stepWithRetry(rate)
          if (failures.length > 0 || broken()) break
          if (!step.pass) {
            firstFail = step
            break
          }
          lastPass = step
          rate *= plan.factor
        }
        if (plan.bisect && lastPass !== null && firstFail !== null && failures.length === 0) {
          steps.push(await runStep(Math.sqrt(lastPass.offeredPerSec * firstFail.offeredPerSec)))
          broken()
        }
      }
    }
    if (failures.length === 0) checkContent(clients, perRoom, sent, source, failures)
  } finally {
    await closeAll(clients)
  }
  const passing = steps.filter((s) => s.pass)
  const atMax = passing.reduce<FanoutStep | null>(
    (best, s) => (best === null || s.deliveredPerSec > best.deliveredPerSec ? s : best),
    null,
  )
  return {
    steps,
    maxDeliveredPerSec: atMax?.deliveredPerSec ?? 0,
    atMax,
    unsaturated: !('fixed' in params.rates) && steps.length > 0 && steps.every((s) => s.pass),
    connectMs,
    contentChecked: clients.filter((c) => (c.tag as Tag).record !== null).length,
    failures,
  }
}

/** Rebuild the sampled receivers' documents and compare them with what was sent. */
function checkContent(
  clients: readonly BenchClient[],
  perRoom: number,
  sent: readonly (readonly number[])[],
  source: Keystrokes,
  failures: string[],
): void {
  const expected = new Map<number, string>()
  for (const client of clients) {
    const tag = client.tag as Tag
    if (tag.record === null) continue
    const roomSent = sent[tag.room] as readonly number[]
    // Every other client's updates must have arrived (in order, as the tracker checked).
    for (let other = 0; other < perRoom; other++) {
      if (other === tag.index) continue
      const got = tag.tracker.clockOf(clientIdOf(other))
      const want = roomSent[other] as number
      if (got !== want) {
        failures.push(`${client.docName}: client ${tag.index} has ${got} of ${want} from ${other}`)
        return
      }
    }
    let text = expected.get(tag.room)
    if (text === undefined) {
      text = expectedText(source, roomSent)
      expected.set(tag.room, text)
    }
    const doc = new Y.Doc()
    for (const update of tag.record) Y.applyUpdate(doc, update)
    for (let n = 0; n < (roomSent[tag.index] as number); n++) {
      Y.applyUpdate(doc, source.update(tag.index, n))
    }
    const actual = doc.getText(TEXT_NAME).toString()
    doc.destroy()
    if (actual !== text) {
      failures.push(`${client.docName}: client ${tag.index} document differs from what was sent`)
      return
    }
  }
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US')
