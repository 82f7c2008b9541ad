/**
 * What the orchestrator asks a generator process to do, and what it answers: plain data,
 * sent over the child-process IPC channel.
 */
import type { ProtocolName } from '../protocol/adapter.js'

/** The target under load, as the generator needs to know it. */
export interface TargetRef {
  readonly name: string
  readonly protocol: ProtocolName
  /** WebSocket URL with `{doc}` where the (URI-encoded) document name goes. */
  readonly urlPattern: string
  /** PID of the server process, for CPU and memory readings. */
  readonly pid: number
}

/** Everything a scenario reports besides its own numbers. */
export interface Outcome {
  /**
   * Correctness failures: a client that did not converge, an update dropped or reordered, a
   * client error. Any entry fails the run of this target.
   */
  readonly failures: string[]
}
