/** Turning the `server` option into the WebSocket base URL y-websocket expects. */

/**
 * The `ws:`/`wss:` URL of a server given as `ws(s)://…`, `http(s)://…` or a path relative to
 * the page (`/`, `/sync`). No trailing slash: y-websocket appends `/<document>`.
 *
 * @throws {TypeError} when the URL cannot be parsed or has another scheme.
 * @example
 * toWebSocketUrl('https://example.org/', 'https://app.test/') // 'wss://example.org'
 * toWebSocketUrl('/', 'http://localhost:1234/d/x')            // 'ws://localhost:1234'
 */
export function toWebSocketUrl(server: string, base: string): string {
  const url = new URL(server, base)
  if (url.protocol === 'http:') url.protocol = 'ws:'
  else if (url.protocol === 'https:') url.protocol = 'wss:'
  else if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new TypeError(`server must be a ws:, wss:, http: or https: URL, not ${url.protocol}`)
  }
  url.search = ''
  url.hash = ''
  return url.href.replace(/\/+$/, '')
}
