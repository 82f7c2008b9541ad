/** Reading request bodies with a size bound. */
import type { IncomingMessage } from 'node:http'

/** A request body that cannot be used; `status` is the HTTP status to answer with. */
export class BodyError extends Error {
  override readonly name = 'BodyError'
  readonly status: 400 | 413 | 415

  constructor(status: 400 | 413 | 415, message: string) {
    super(message)
    this.status = status
  }
}

/** Read the whole body, refusing more than `maxBytes` (413) without buffering it. */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? Number.NaN)
  if (declared > maxBytes) throw new BodyError(413, `body larger than ${maxBytes} bytes`)
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).byteLength
    if (size > maxBytes) {
      req.destroy()
      throw new BodyError(413, `body larger than ${maxBytes} bytes`)
    }
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks)
}

/** Read a JSON body (content type `application/json`). */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const type = req.headers['content-type'] ?? ''
  if (!/^application\/json\b/i.test(type)) {
    throw new BodyError(415, 'content type must be application/json')
  }
  const body = await readBody(req, maxBytes)
  try {
    return JSON.parse(body.toString('utf8'))
  } catch {
    throw new BodyError(400, 'body is not valid JSON')
  }
}
