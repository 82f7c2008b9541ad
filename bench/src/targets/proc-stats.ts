/**
 * CPU time and resident memory of a process, read from Linux's /proc (all its threads: the
 * libuv pool that writes LevelDB counts too). Cheap enough to sample while under load.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

/** One reading. */
export interface ProcSample {
  /** performance.now() of the reading, ms. */
  readonly at: number
  /** User + system CPU time since the process started, ms. */
  readonly cpuMs: number
  /** Resident set size, KiB. */
  readonly rssKiB: number
}

/** Clock ticks per second of /proc/<pid>/stat (almost always 100). */
function clockTicks(): number {
  try {
    const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim())
    return Number.isFinite(value) && value > 0 ? value : 100
  } catch {
    return 100
  }
}

/** Reads samples of one process. */
export class ProcReader {
  readonly #pid: number
  readonly #msPerTick: number

  constructor(pid: number) {
    this.#pid = pid
    this.#msPerTick = 1000 / clockTicks()
  }

  /**
   * Take a sample.
   *
   * @throws {Error} when the process is gone.
   */
  sample(): ProcSample {
    const at = performance.now()
    const stat = readFileSync(`/proc/${this.#pid}/stat`, 'utf8')
    // The command name (field 2) is in parentheses and may contain spaces: split after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // Fields 14 and 15 (utime, stime) are at 11 and 12 once the first two are removed.
    const ticks = Number(fields[11]) + Number(fields[12])
    const status = readFileSync(`/proc/${this.#pid}/status`, 'utf8')
    const match = /VmRSS:\s+(\d+) kB/.exec(status)
    return { at, cpuMs: ticks * this.#msPerTick, rssKiB: match ? Number(match[1]) : 0 }
  }
}

/** CPU use between two samples, in percent of one core. */
export function cpuPercent(from: ProcSample, to: ProcSample): number {
  const wall = to.at - from.at
  return wall > 0 ? (100 * (to.cpuMs - from.cpuMs)) / wall : 0
}
