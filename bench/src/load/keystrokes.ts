/**
 * Pre-generated keystrokes: real Yjs updates, one character each, made before a measurement
 * window so the generator only sends bytes while it measures. Client `i` of every room sends
 * the same byte sequence (rooms are separate documents), so a thousand rooms cost no more to
 * prepare than one.
 *
 * Each client types into its own Y.Doc without seeing the others (concurrent edits); its
 * `n`-th update carries clock `n` of its Yjs client id, which is how receivers match a
 * delivered struct to its send time.
 */
import * as Y from 'yjs'
import { encodeUpdateBody } from '../protocol/adapter.js'

/** Yjs client id of client index `i` (the same in every room). */
export const clientIdOf = (index: number): number => 0x10_0000 + index

/** Client index of a Yjs client id made by `clientIdOf`, or -1. */
export const clientIndexOf = (clientId: number): number => {
  const index = clientId - 0x10_0000
  return index >= 0 && index < 0x10_0000 ? index : -1
}

/** Name of the shared text every scenario edits. */
export const TEXT_NAME = 'text'

const LETTERS = 'abcdefghijklmnopqrstuvwxyz'

interface Typist {
  readonly doc: Y.Doc
  readonly updates: Uint8Array[]
  /** y-websocket sync-update bodies of `updates`. */
  readonly bodies: Uint8Array[]
}

/** Keystroke updates of every client index, generated on demand. */
export class Keystrokes {
  readonly #typists: Typist[] = []

  /** Make sure client `index` has at least `count` updates. */
  ensure(index: number, count: number): void {
    const typist = this.#typist(index)
    const text = typist.doc.getText(TEXT_NAME)
    while (typist.updates.length < count) {
      const n = typist.updates.length
      text.insert(n, LETTERS[n % LETTERS.length] as string)
    }
  }

  /** Update `n` of client `index` (call `ensure` first). */
  update(index: number, n: number): Uint8Array {
    const update = this.#typists[index]?.updates[n]
    if (update === undefined) throw new RangeError(`keystroke ${n} of client ${index} not made`)
    return update
  }

  /** The sync-update body of update `n` of client `index` (call `ensure` first). */
  body(index: number, n: number): Uint8Array {
    const body = this.#typists[index]?.bodies[n]
    if (body === undefined) throw new RangeError(`keystroke ${n} of client ${index} not made`)
    return body
  }

  #typist(index: number): Typist {
    let typist = this.#typists[index]
    if (typist === undefined) {
      const doc = new Y.Doc()
      doc.clientID = clientIdOf(index)
      const made: Typist = { doc, updates: [], bodies: [] }
      doc.on('update', (update: Uint8Array) => {
        made.updates.push(update)
        made.bodies.push(encodeUpdateBody(update))
      })
      this.#typists[index] = made
      typist = made
    }
    return typist
  }
}

/**
 * The document a set of clients produces: client `index` contributed its first `counts[index]`
 * keystrokes. What every receiver must end up with.
 */
export function expectedText(source: Keystrokes, counts: readonly number[]): string {
  const doc = new Y.Doc()
  try {
    counts.forEach((count, index) => {
      for (let n = 0; n < count; n++) Y.applyUpdate(doc, source.update(index, n))
    })
    return doc.getText(TEXT_NAME).toString()
  } finally {
    doc.destroy()
  }
}
