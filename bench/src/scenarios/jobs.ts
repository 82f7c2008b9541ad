/**
 * The jobs a generator process runs: one scenario against one target, as plain data so it can
 * cross the IPC channel.
 */
import type { TargetRef } from '../load/job.js'
import { type BurstParams, type BurstResult, runBurst } from './burst.js'
import {
  type OpenParams,
  type OpenResult,
  type ReplayParams,
  type ReplayResult,
  runOpen,
  runReplay,
} from './cold-load.js'
import { type ConnectionsParams, type ConnectionsResult, runConnections } from './connections.js'
import { type FanoutParams, type FanoutResult, runFanout } from './fanout.js'
import { type PresenceParams, type PresenceResult, runPresence } from './presence.js'

/** One scenario run against one target. */
export type Job =
  | { readonly kind: 'fanout'; readonly target: TargetRef; readonly params: FanoutParams }
  | { readonly kind: 'connections'; readonly target: TargetRef; readonly params: ConnectionsParams }
  | { readonly kind: 'cold-replay'; readonly target: TargetRef; readonly params: ReplayParams }
  | { readonly kind: 'cold-open'; readonly target: TargetRef; readonly params: OpenParams }
  | { readonly kind: 'burst'; readonly target: TargetRef; readonly params: BurstParams }
  | { readonly kind: 'presence'; readonly target: TargetRef; readonly params: PresenceParams }

/** The result of each kind of job. */
export interface JobResults {
  readonly fanout: FanoutResult
  readonly connections: ConnectionsResult
  readonly 'cold-replay': ReplayResult
  readonly 'cold-open': OpenResult
  readonly burst: BurstResult
  readonly presence: PresenceResult
}

/** The result of any job. */
export type JobResult = JobResults[keyof JobResults]

/** Run `job` in this process. */
export function runJob(job: Job, log: (line: string) => void): Promise<JobResult> {
  switch (job.kind) {
    case 'fanout':
      return runFanout(job.target, job.params, log)
    case 'connections':
      return runConnections(job.target, job.params, log)
    case 'cold-replay':
      return runReplay(job.target, job.params, log)
    case 'cold-open':
      return runOpen(job.target, job.params, log)
    case 'burst':
      return runBurst(job.target, job.params, log)
    case 'presence':
      return runPresence(job.target, job.params, log)
    default: {
      const unreachable: never = job
      throw new Error(`unknown job ${JSON.stringify(unreachable)}`)
    }
  }
}
