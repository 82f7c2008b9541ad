/** Plain HTTP requests for tests: bounded, no keep-alive, body read as text. */
import { request } from 'node:http'
import { WebSocket } from 'ws'

/** A response: status, headers and body text. */
export interface HttpResponse {
  readonly status: number
  readonly headers: Record<string, string | string[] | undefined>
  readonly body: string
}

/** `GET url` with optional headers; rejects after `timeoutMs`. */
export function httpGet(
  url: string,
  headers: Record<string, string> = {},
  timeoutMs = 10_000,
): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, agent: false, timeout: timeoutMs }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        body += chunk
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer within ${timeoutMs} ms`)))
    req.on('error', reject)
    req.end()
  })
}

/** How a WebSocket attempt ended: open (the server sent a frame), closed, or refused. */
export type SocketOutcome =
  | { readonly outcome: 'open' }
  | { readonly outcome: 'closed'; readonly code: number; readonly reason: string }
  | { readonly outcome: 'http'; readonly status: number }

/**
 * Open a WebSocket to `url` as a browser page at `origin` would, and resolve with how it
 * went. The server refuses browsers with a close code (they cannot read HTTP statuses).
 */
export function openSocket(
  url: string,
  origin: string,
  timeoutMs = 10_000,
): Promise<SocketOutcome> {
  const ws = new WebSocket(url, { origin })
  return new Promise<SocketOutcome>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${url}: no outcome within ${timeoutMs} ms`)),
      timeoutMs,
    )
    const done = (outcome: SocketOutcome): void => {
      clearTimeout(timer)
      resolve(outcome)
    }
    ws.on('message', () => done({ outcome: 'open' }))
    ws.on('close', (code, reason) => done({ outcome: 'closed', code, reason: reason.toString() }))
    ws.on('unexpected-response', (_req, res) =>
      done({ outcome: 'http', status: res.statusCode ?? 0 }),
    )
    // Reported through 'close' or 'unexpected-response'.
    ws.on('error', () => undefined)
  }).finally(() => ws.terminate())
}
