/** Integration: tokens, read-only access, origins and identity, on real sockets. */
import { generateKeyPairSync } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as decoding from 'lib0/decoding'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import * as Y from 'yjs'
import { createToken } from './auth/create-token.js'
import { CloseCode } from './protocol/close-codes.js'
import { encodeSyncUpdate } from './protocol/codec.js'
import {
  Cleanup,
  connectClient,
  converged,
  startServer,
  synced,
  tempDir,
  until,
  upgradeStatus,
} from './test-support/harness.js'

const cleanup = new Cleanup()
afterEach(() => cleanup.run())

const SECRET = 'test-secret-that-is-long-enough-for-hs256'

const token = (overrides: Partial<Parameters<typeof createToken>[0]> = {}) =>
  createToken({
    key: SECRET,
    user: 'u1',
    doc: 'doc',
    access: 'write',
    ttlSeconds: 600,
    ...overrides,
  })

/** Open a raw socket and resolve with how it ended (or 'open' once the server sent a frame). */
function attempt(url: string, options: { origin?: string; protocols?: string[] } = {}) {
  const ws = new WebSocket(
    url,
    options.protocols ?? [],
    options.origin ? { origin: options.origin } : {},
  )
  cleanup.add(() => ws.terminate())
  return new Promise<
    | { outcome: 'open' }
    | { outcome: 'closed'; code: number; reason: string }
    | { outcome: 'http'; status: number }
  >((resolve) => {
    ws.on('message', () => resolve({ outcome: 'open' }))
    ws.on('close', (code, reason) =>
      resolve({ outcome: 'closed', code, reason: reason.toString() }),
    )
    ws.on('unexpected-response', (_req, res) =>
      resolve({ outcome: 'http', status: res.statusCode ?? 0 }),
    )
    ws.on('error', () => undefined)
  })
}

describe('authentication', () => {
  it('refuses missing, invalid, expired and wrong-document tokens', async () => {
    const { wsUrl, httpUrl } = await startServer(cleanup, { authSecret: SECRET })
    const expired = await token({ now: Date.now() - 3_600_000, ttlSeconds: 60 })
    const otherKey = await token({ key: 'another-secret-that-is-also-long-enough' })
    const otherDoc = await token({ doc: 'not-this-one' })
    const cases: [string, number, RegExp][] = [
      ['/doc', 401, /token required/],
      ['/doc?token=garbage', 401, /token invalid/],
      [`/doc?token=${otherKey}`, 401, /signature/],
      [`/doc?token=${expired}`, 401, /expired/],
      [`/doc?token=${otherDoc}`, 403, /does not grant/],
    ]
    // Non-browser clients get the HTTP status; browsers (with an Origin) a close code.
    for (const [path, status, reason] of cases) {
      const answer = await upgradeStatus(httpUrl, path)
      expect({ path, status: answer.status }).toEqual({ path, status })
      expect(answer.body).toMatch(reason)
      const browser = await attempt(`${wsUrl}${path}`, { origin: httpUrl })
      expect(browser).toMatchObject({
        outcome: 'closed',
        code: status === 401 ? 4401 : 4403,
        reason,
      })
    }
  })

  it('lets a write token sync and edit, and honours document prefixes', async () => {
    const { wsUrl } = await startServer(cleanup, { authSecret: SECRET })
    const write = await token({ doc: ['team/*', 'other'] })
    const a = connectClient(cleanup, wsUrl, 'team/notes', { params: { token: write } })
    const b = connectClient(cleanup, wsUrl, 'team/notes', { params: { token: write } })
    await Promise.all([synced(a), synced(b)])
    a.doc.getText('t').insert(0, 'hello')
    await converged([a.doc, b.doc])
    expect(b.doc.getText('t').toString()).toBe('hello')
  })

  it('accepts the token as a subprotocol', async () => {
    const { wsUrl } = await startServer(cleanup, { authSecret: SECRET })
    const ws = new WebSocket(`${wsUrl}/doc`, ['weft', await token()])
    cleanup.add(() => ws.terminate())
    await new Promise((resolve) => ws.once('message', resolve))
    expect(ws.protocol).toBe('weft')
  })

  it('verifies ES256 tokens with a public key file', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const dir = await tempDir(cleanup)
    const keyFile = join(dir, 'public.pem')
    await writeFile(keyFile, publicKey.export({ type: 'spki', format: 'pem' }))
    const { wsUrl } = await startServer(cleanup, { authPublicKey: keyFile })
    const good = await createToken({
      key: privateKey,
      algorithm: 'ES256',
      user: 'u',
      doc: '*',
      access: 'write',
      ttlSeconds: 60,
    })
    expect(await attempt(`${wsUrl}/any?token=${good}`)).toEqual({ outcome: 'open' })
    // An HS256 token is refused even if someone signs it with the public key's bytes.
    const confused = await createToken({
      key: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      user: 'u',
      doc: '*',
      access: 'write',
      ttlSeconds: 60,
    })
    expect(await attempt(`${wsUrl}/any?token=${confused}`)).toEqual({
      outcome: 'http',
      status: 401,
    })
  })

  it('closes a live socket with 4401 when its token expires', async () => {
    const { wsUrl } = await startServer(cleanup, { authSecret: SECRET })
    const shortLived = await token({ ttlSeconds: 1 })
    const ws = new WebSocket(`${wsUrl}/doc?token=${shortLived}`)
    cleanup.add(() => ws.terminate())
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)))
    await new Promise((resolve) => ws.once('message', resolve))
    expect(await closed).toBe(CloseCode.unauthorized)
  })
})

describe('read-only access', () => {
  it('syncs the document and presence, but drops every update with a permission-denied answer', async () => {
    const { wsUrl } = await startServer(cleanup, { authSecret: SECRET })
    const writer = connectClient(cleanup, wsUrl, 'doc', { params: { token: await token() } })
    await synced(writer)
    writer.doc.getText('t').insert(0, 'original')
    const readToken = await token({ access: 'read', user: 'reader' })
    const reader = connectClient(cleanup, wsUrl, 'doc', { params: { token: readToken } })
    await synced(reader)
    await converged([writer.doc, reader.doc])
    expect(reader.doc.getText('t').toString()).toBe('original')

    // A modified client that sends an update anyway.
    const rogue = new WebSocket(`${wsUrl}/doc?token=${readToken}`)
    cleanup.add(() => rogue.terminate())
    const frames: Buffer[] = []
    const denied = new Promise<string>((resolve) => {
      rogue.on('message', (data: Buffer) => {
        frames.push(data)
        const decoder = decoding.createDecoder(data)
        if (decoding.readVarUint(decoder) === 2 && decoding.readVarUint(decoder) === 0) {
          resolve(decoding.readVarString(decoder))
        }
      })
    })
    await new Promise((resolve) => rogue.once('open', resolve))
    const evil = new Y.Doc()
    evil.getText('t').insert(0, 'vandalised ')
    rogue.send(encodeSyncUpdate(Y.encodeStateAsUpdate(evil)))
    expect(await denied).toMatch(/read-only/)
    evil.destroy()
    expect(rogue.readyState).toBe(WebSocket.OPEN)

    // Presence from read-only clients is fine.
    reader.provider.awareness.setLocalStateField('user', { name: 'Reader' })
    await until(() => writer.provider.awareness.getStates().has(reader.doc.clientID), {
      alsoOn: [[writer.provider.awareness, 'change']],
    })
    // Nothing of the rogue update reached anyone or the store.
    writer.doc.getText('t').insert(8, '!')
    await converged([writer.doc, reader.doc])
    const fresh = connectClient(cleanup, wsUrl, 'doc', { params: { token: await token() } })
    await synced(fresh)
    expect(fresh.doc.getText('t').toString()).toBe('original!')
  })
})

describe('identity and origins', () => {
  it('shows others the identity from the token, not the one the client claims', async () => {
    const { wsUrl } = await startServer(cleanup, { authSecret: SECRET })
    const mallory = connectClient(cleanup, wsUrl, 'doc', {
      params: { token: await token({ user: 'u-mallory', name: 'Mallory' }) },
    })
    const watcher = connectClient(cleanup, wsUrl, 'doc', {
      params: { token: await token({ user: 'u-w' }) },
    })
    await Promise.all([synced(mallory), synced(watcher)])
    mallory.provider.awareness.setLocalState({
      user: { id: 'u-admin', name: 'Admin', color: '#c00' },
    })
    const seen = () => watcher.provider.awareness.getStates().get(mallory.doc.clientID)?.user
    await until(() => seen() !== undefined, { alsoOn: [[watcher.provider.awareness, 'change']] })
    expect(seen()).toEqual({ id: 'u-mallory', name: 'Mallory', color: '#c00' })
  })

  it('refuses upgrades from origins that are not allowed', async () => {
    const { wsUrl, httpUrl } = await startServer(cleanup, {
      allowedOrigins: ['https://app.example.com', 'https://*.tenant.io'],
    })
    expect(await attempt(`${wsUrl}/doc`, { origin: 'https://evil.example' })).toMatchObject({
      outcome: 'closed',
      code: 4403,
      reason: 'origin not allowed',
    })
    for (const origin of [httpUrl, 'https://app.example.com', 'https://x.tenant.io', undefined]) {
      expect(await attempt(`${wsUrl}/doc`, origin ? { origin } : {})).toEqual({ outcome: 'open' })
    }
  })
})
