/** Things to undo after a test (processes, temp dirs), run newest first. */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A stack of clean-up tasks; `run` empties it, newest first, even if one fails. */
export class Cleanup {
  readonly #tasks: (() => unknown)[] = []

  add(task: () => unknown): void {
    this.#tasks.push(task)
  }

  async run(): Promise<void> {
    const errors: unknown[] = []
    for (const task of this.#tasks.splice(0).reverse()) {
      try {
        await task()
      } catch (error) {
        errors.push(error)
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, 'clean-up failed')
  }
}

/** A new temporary directory, removed by `cleanup`. */
export async function tempDir(cleanup: Cleanup, prefix = 'weft-deploy-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  cleanup.add(() => rm(dir, { recursive: true, force: true }))
  return dir
}
