/**
 * deploy/healthcheck.mjs, the image's HEALTHCHECK: exit 0 only for a 200 from /healthz
 * within its deadline; it follows WEFT_PORT, WEFT_HOST and WEFT_TLS_CERT like the server.
 * The server it checks is a stand-in here, so every answer (and no answer) can be had.
 */
import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { freePort, runProcess } from './support/processes.js'

const SCRIPT = fileURLToPath(new URL('../healthcheck.mjs', import.meta.url))
const servers: Server[] = []
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections()
    server.close()
  }
})

async function serve(handler: Parameters<typeof createServer>[1]): Promise<number> {
  const server = createServer(handler)
  servers.push(server)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return (server.address() as AddressInfo).port
}

function check(env: Record<string, string>) {
  return runProcess(process.execPath, [SCRIPT], {
    env: { PATH: process.env.PATH ?? '', ...env },
    timeoutMs: 15_000,
  })
}

describe('healthcheck.mjs', () => {
  it('exits 0 when /healthz answers 200 on WEFT_PORT', async () => {
    const paths: string[] = []
    const port = await serve((req, res) => {
      paths.push(req.url ?? '')
      res.writeHead(200).end('{"status":"ok"}')
    })
    expect((await check({ WEFT_PORT: String(port), WEFT_HOST: '0.0.0.0' })).code).toBe(0)
    expect(paths).toEqual(['/healthz'])
  })

  it('exits 1 for any other status', async () => {
    const port = await serve((_req, res) => res.writeHead(503).end())
    const result = await check({ WEFT_PORT: String(port) })
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/answered 503/)
  })

  it('exits 1 when nothing listens', async () => {
    const result = await check({ WEFT_PORT: String(await freePort()) })
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/ECONNREFUSED/)
  })

  it('exits 1 when the server does not answer within 3 s', async () => {
    const port = await serve(() => {
      // Never answers: a hung event loop looks like this from outside.
    })
    const started = Date.now()
    const result = await check({ WEFT_PORT: String(port) })
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/no answer within 3000 ms/)
    expect(Date.now() - started).toBeLessThan(10_000)
  })

  it('asks a specific WEFT_HOST on that address, and speaks https when WEFT_TLS_CERT is set', async () => {
    const port = await serve((_req, res) => res.writeHead(200).end())
    // 127.0.0.2 is loopback too, but nothing listens there.
    expect((await check({ WEFT_PORT: String(port), WEFT_HOST: '127.0.0.2' })).code).toBe(1)
    expect((await check({ WEFT_PORT: String(port), WEFT_HOST: '127.0.0.1' })).code).toBe(0)
    // A plain-http server cannot complete a TLS handshake: https is really attempted.
    const tls = await check({ WEFT_PORT: String(port), WEFT_TLS_CERT: '/etc/weft/cert.pem' })
    expect(tls.code).toBe(1)
  })
})
