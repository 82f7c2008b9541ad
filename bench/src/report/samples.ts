/**
 * Latency samples of one measurement window, kept exactly (a growable Float64Array: 8 bytes a
 * sample, a million samples is 8 MB) and summarised once at the end. Pure.
 */

/** Percentiles of a set of samples, in the samples' unit (milliseconds here). */
export interface Summary {
  readonly count: number
  readonly p50: number
  readonly p90: number
  readonly p99: number
  readonly max: number
  readonly mean: number
}

/** Samples of one window. */
export class Samples {
  #values = new Float64Array(1024)
  #count = 0

  get count(): number {
    return this.#count
  }

  add(value: number): void {
    if (this.#count === this.#values.length) {
      const grown = new Float64Array(this.#values.length * 2)
      grown.set(this.#values)
      this.#values = grown
    }
    this.#values[this.#count++] = value
  }

  /** Percentiles (nearest rank); all zero when there are no samples. */
  summary(): Summary {
    const n = this.#count
    if (n === 0) return { count: 0, p50: 0, p90: 0, p99: 0, max: 0, mean: 0 }
    const sorted = this.#values.slice(0, n).sort()
    let sum = 0
    for (let i = 0; i < n; i++) sum += sorted[i] as number
    return {
      count: n,
      p50: percentile(sorted, 0.5),
      p90: percentile(sorted, 0.9),
      p99: percentile(sorted, 0.99),
      max: sorted[n - 1] as number,
      mean: sum / n,
    }
  }
}

/** Nearest-rank percentile of sorted values: the smallest value with at least `q` at or below. */
export function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)))
  return sorted[rank - 1] as number
}
