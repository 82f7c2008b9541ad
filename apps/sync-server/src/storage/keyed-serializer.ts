/**
 * Runs asynchronous tasks one after another per key, and tasks of different keys
 * concurrently. Used by stores so writes of one document keep their order without a global
 * queue. A task starts synchronously when its key is idle, so work issued in one event-loop
 * turn can still be grouped into one batch.
 */
export class KeyedSerializer {
  readonly #tails = new Map<string, Promise<unknown>>()

  /** Run `task` after every earlier task of `key` has settled. */
  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const tail = this.#tails.get(key)
    const result = tail === undefined ? task() : tail.then(task, task)
    // The stored tail never rejects, so one failed task does not poison later ones of the key.
    const settled = result.then(
      () => undefined,
      () => undefined,
    )
    this.#tails.set(key, settled)
    void settled.then(() => {
      if (this.#tails.get(key) === settled) this.#tails.delete(key)
    })
    return result
  }

  /** Resolves once every task issued so far has settled. */
  async idle(): Promise<void> {
    while (this.#tails.size > 0) await Promise.all(this.#tails.values())
  }
}
