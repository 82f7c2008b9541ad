/**
 * The load generator process. The orchestrator starts it (pinned to its own core), sends one
 * job over the IPC channel, and gets one answer back: `{ ok: true, result }` or
 * `{ ok: false, error }`. Progress lines go to standard error.
 */
import type { Job, JobResult } from './scenarios/jobs.js'
import { runJob } from './scenarios/jobs.js'

function main(): void {
  if (process.send === undefined) {
    process.stderr.write('generator: start me with an IPC channel (the bench CLI does)\n')
    process.exit(2)
  }
  process.once('message', (job: Job) => {
    const log = (line: string): void => {
      process.stderr.write(`    ${job.target.name} ${job.kind}: ${line}\n`)
    }
    runJob(job, log).then(
      (result: JobResult) =>
        process.send?.({ ok: true, result }, undefined, {}, () => process.exit(0)),
      (error: unknown) =>
        process.send?.(
          {
            ok: false,
            error: error instanceof Error ? (error.stack ?? error.message) : String(error),
          },
          undefined,
          {},
          () => process.exit(0),
        ),
    )
  })
}

main()
