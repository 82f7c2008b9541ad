/**
 * Run one job in a fresh generator process on the generator's core and wait for its answer.
 */
import { once } from 'node:events'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Job, JobResult, JobResults } from '../scenarios/jobs.js'
import { CPU_GENERATOR, type Placement, spawnNode } from '../targets/run-target.js'

const generatorScript = join(
  fileURLToPath(new URL('../../', import.meta.url)),
  'dist',
  'generator.js',
)

type Answer = { ok: true; result: JobResult } | { ok: false; error: string }

/**
 * Run `job` in a generator process.
 *
 * @throws {Error} when the job threw, the process died, or `timeoutMs` passed.
 */
export async function runInGenerator<K extends Job['kind']>(
  job: Extract<Job, { kind: K }>,
  placement: Placement,
  timeoutMs: number,
): Promise<JobResults[K]> {
  const child = spawnNode([generatorScript], {
    placement,
    cpu: CPU_GENERATOR,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const exited = once(child, 'exit')
  const answer = new Promise<Answer>((resolve, reject) => {
    child.once('message', (message) => resolve(message as Answer))
    void exited.then(([code, signal]) =>
      reject(new Error(`generator exited (${code ?? signal}) without an answer`)),
    )
  })
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`generator: ${job.kind} on ${job.target.name} took over ${timeoutMs} ms`))
    }, timeoutMs)
  })
  child.send(job)
  try {
    const result = await Promise.race([answer, deadline])
    if (!result.ok) throw new Error(`generator: ${result.error}`)
    return result.result as JobResults[K]
  } finally {
    clearTimeout(timer)
    if (child.exitCode === null && child.signalCode === null) {
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))])
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    }
  }
}
