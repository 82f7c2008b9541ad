/**
 * The jobs a generator process runs: one scenario against one target, as plain data so it can
 * cross the IPC channel.
 */
import type { TargetRef } from '../load/job.js'
import { type FanoutParams, type FanoutResult, runFanout } from './fanout.js'

/** One scenario run. */
export type Job = { readonly kind: 'fanout'; readonly target: TargetRef; readonly params: FanoutParams }

/** The result of a job. */
export type JobResult = FanoutResult

/** Run `job` in this process. */
export function runJob(job: Job, log: (line: string) => void): Promise<JobResult> {
  switch (job.kind) {
    case 'fanout':
      return runFanout(job.target, job.params, log)
    default: {
      const unreachable: never = job.kind
      throw new Error(`unknown job ${String(unreachable)}`)
    }
  }
}
