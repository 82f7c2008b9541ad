#!/usr/bin/env node
/**
 * The container's health check: `GET /healthz` on the server in this container. Exit code 0
 * when it answers 200 within 3 s, 1 otherwise (what Docker's HEALTHCHECK expects). Plain
 * node, because the slim image has no curl.
 *
 * It reads the same environment as the server (WEFT_PORT, WEFT_HOST, WEFT_TLS_CERT), so it
 * follows configuration given by environment variable, not by command-line flag.
 */
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'

const TIMEOUT_MS = 3000

const port = Number(process.env.WEFT_PORT || 1234)
const listenHost = process.env.WEFT_HOST || '0.0.0.0'
// A wildcard listener is reached on loopback; a specific address only on itself.
const host = listenHost === '0.0.0.0' || listenHost === '::' ? '127.0.0.1' : listenHost
const tls = Boolean(process.env.WEFT_TLS_CERT)

const req = (tls ? httpsRequest : httpRequest)(
  {
    host,
    port,
    path: '/healthz',
    timeout: TIMEOUT_MS,
    // The certificate names the public host, not 127.0.0.1; this only asks "alive?".
    rejectUnauthorized: false,
  },
  (res) => {
    res.resume()
    if (res.statusCode === 200) process.exit(0)
    process.stderr.write(`healthcheck: /healthz answered ${res.statusCode}\n`)
    process.exit(1)
  },
)
req.on('timeout', () => req.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)))
req.on('error', (error) => {
  process.stderr.write(`healthcheck: ${error.message}\n`)
  process.exit(1)
})
req.end()
