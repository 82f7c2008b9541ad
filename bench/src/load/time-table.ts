/** Send times by clock, growable (a Float64Array per sender: 8 bytes an update). */
export class TimeTable {
  #times = new Float64Array(256)

  set(clock: number, time: number): void {
    if (clock >= this.#times.length) {
      let size = this.#times.length * 2
      while (size <= clock) size *= 2
      const grown = new Float64Array(size)
      grown.set(this.#times)
      this.#times = grown
    }
    this.#times[clock] = time
  }

  /** The time stored for `clock`, or NaN when none was. */
  get(clock: number): number {
    return clock < this.#times.length ? (this.#times[clock] as number) || Number.NaN : Number.NaN
  }
}
