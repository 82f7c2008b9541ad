/**
 * The harness must fail a server that drops or reorders updates, and pass one that does not:
 * the bare relay, and the same relay with a fault injected (every 20th frame dropped, or held
 * back and sent after the next one). Real processes: the relay and the generator, as a
 * benchmark run starts them.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { runInGenerator } from './orchestrate/run-job.js'
import type { Job } from './scenarios/jobs.js'
import { targetNamed } from './targets/registry.js'
import { detectPlacement, type RunningTarget, startTarget } from './targets/run-target.js'

const placement = detectPlacement()
const started: RunningTarget[] = []
const dirs: string[] = []

afterEach(async () => {
  await Promise.all(started.splice(0).map((t) => t.stop()))
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })))
})

async function start(name: string): Promise<RunningTarget> {
  const dataDir = await mkdtemp(join(tmpdir(), 'weft-bench-test-'))
  dirs.push(dataDir)
  const target = await startTarget(targetNamed(name), { dataDir, placement })
  started.push(target)
  return target
}

const targetRef = (t: RunningTarget) => ({
  name: t.spec.name,
  protocol: t.spec.protocol,
  urlPattern: t.urlPattern,
  pid: t.pid,
})

async function burst(name: string): Promise<string[]> {
  const target = await start(name)
  const job: Extract<Job, { kind: 'burst' }> = {
    kind: 'burst',
    target: targetRef(target),
    params: { clients: 4, edits: 150, rounds: 1, stallMs: 1500 },
  }
  return (await runInGenerator(job, placement, 30_000)).failures
}

async function fanout(name: string): Promise<string[]> {
  const target = await start(name)
  const job: Extract<Job, { kind: 'fanout' }> = {
    kind: 'fanout',
    target: targetRef(target),
    params: {
      rooms: 5,
      clientsPerRoom: 4,
      stepMs: 1000,
      drainMs: 1000,
      stallMs: 1500,
      p99LimitMs: 50,
      rates: { fixed: 1500 },
      contentCheckRooms: 2,
    },
  }
  return (await runInGenerator(job, placement, 30_000)).failures
}

describe('correctness checks of the harness', () => {
  it('passes the bare relay (burst and fan-out)', async () => {
    expect(await burst('relay')).toEqual([])
    expect(await fanout('relay')).toEqual([])
  })

  it('fails a relay that drops every 20th frame', async () => {
    const failures = await burst('lossy-drop')
    expect(failures.join('\n')).toMatch(/dropped|never arrived/)
    expect((await fanout('lossy-drop')).join('\n')).toMatch(/dropped|never arrived/)
  })

  it('fails a relay that reorders frames', async () => {
    const failures = await burst('lossy-reorder')
    expect(failures.join('\n')).toMatch(/dropped or reordered/)
    expect((await fanout('lossy-reorder')).join('\n')).toMatch(/dropped or reordered/)
  })
})
