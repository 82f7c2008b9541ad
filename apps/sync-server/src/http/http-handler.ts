/** Plain HTTP on the server's port: health, readiness, metrics and the web app. */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import { sendJson } from './send-json.js'
import type { StaticHandler } from './static-files.js'

/** A route: handles the request and resolves true, or resolves false for paths not its own. */
export type HttpRoute = (
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
) => Promise<boolean>

/** What the HTTP routes read from the server. */
export interface HttpDeps {
  readonly logger: Logger
  readonly registry: Registry
  readonly serveStatic: StaticHandler
  /** Why the server is not ready, or null when it is. */
  readonly notReadyReason: () => string | null
  /** More facts for the `/readyz` answer (for example which cluster peers are unreachable). */
  readonly readyDetails?: () => Record<string, unknown>
  /** Further routes (admin, API), tried in order before static files; true when handled. */
  readonly routes?: readonly HttpRoute[]
}

/** The request listener of the HTTP server. */
export function createHttpHandler(
  deps: HttpDeps,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(deps, req, res).catch((error: unknown) => {
      deps.logger.error({ err: error, url: req.url }, 'HTTP handler failed')
      if (!res.headersSent) json(res, 500, { error: 'internal error' })
      else res.destroy()
    })
  }
}

async function handle(deps: HttpDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const pathname = new URL(req.url ?? '/', 'http://localhost').pathname
  for (const route of deps.routes ?? []) {
    if (await route(req, res, pathname)) return
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD')
    json(res, 405, { error: 'method not allowed' })
    return
  }
  switch (pathname) {
    case '/healthz':
      json(res, 200, { status: 'ok' })
      return
    case '/readyz': {
      const reason = deps.notReadyReason()
      const details = deps.readyDetails?.() ?? {}
      json(
        res,
        reason === null ? 200 : 503,
        reason === null
          ? { status: 'ready', ...details }
          : { status: 'not ready', reason, ...details },
      )
      return
    }
    case '/metrics': {
      const body = await deps.registry.metrics()
      res.writeHead(200, { 'content-type': deps.registry.contentType, 'cache-control': 'no-store' })
      res.end(body)
      return
    }
  }
  if (await deps.serveStatic(req, res, pathname)) return
  json(res, 404, { error: 'not found' })
}

const json = sendJson
