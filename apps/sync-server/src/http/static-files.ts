/**
 * Serves the web app's built files. `/` and `/d/<doc>` get `index.html` (the app routes on
 * the client); other paths map to files inside the directory and nowhere else.
 */
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { extname, join, normalize, sep } from 'node:path'

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webmanifest': 'application/manifest+json',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
}

const PLACEHOLDER = `<!doctype html>
<html lang="en">
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Weft sync server</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#1f2328}</style>
<h1>Weft sync server</h1>
<p>The sync server is running and accepts y-websocket clients at <code>ws://&lt;this host&gt;/&lt;document&gt;</code>.</p>
<p>No editor app is bundled with this build. Start the server with <code>--static-dir</code> pointing at a built web app to serve one here.</p>
`

/** Handles a GET/HEAD request for a static file; returns false when nothing matched. */
export type StaticHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
) => Promise<boolean>

/** A handler serving `dir`, or a plain placeholder page when `dir` is null. */
export function createStaticHandler(dir: string | null): StaticHandler {
  return async (req, res, pathname) => {
    const isApp = pathname === '/' || pathname.startsWith('/d/')
    if (dir === null) {
      if (!isApp) return false
      send(res, req, 200, 'text/html; charset=utf-8', PLACEHOLDER, 'no-cache')
      return true
    }
    const file = isApp ? join(dir, 'index.html') : resolveInside(dir, pathname)
    if (file === null) return false
    let info: Awaited<ReturnType<typeof stat>>
    try {
      info = await stat(file)
    } catch {
      return false
    }
    if (!info.isFile()) return false
    // Vite puts content-hashed names under assets/: those never change.
    const cache = pathname.startsWith('/assets/')
      ? 'public, max-age=31536000, immutable'
      : 'no-cache'
    res.writeHead(200, {
      'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': info.size,
      'cache-control': cache,
      'x-content-type-options': 'nosniff',
    })
    if (req.method === 'HEAD') {
      res.end()
      return true
    }
    createReadStream(file)
      .on('error', () => res.destroy())
      .pipe(res)
    return true
  }
}

/** The file `pathname` names inside `dir`, or null when it would leave it. */
function resolveInside(dir: string, pathname: string): string | null {
  let decoded: string
  try {
    decoded = decodeURIComponent(pathname)
  } catch {
    return null
  }
  if (decoded.includes('\0')) return null
  const root = normalize(dir + sep)
  const file = normalize(join(root, decoded))
  return file.startsWith(root) ? file : null
}

function send(
  res: ServerResponse,
  req: IncomingMessage,
  status: number,
  type: string,
  body: string,
  cache: string,
): void {
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': cache,
  })
  res.end(req.method === 'HEAD' ? undefined : body)
}
