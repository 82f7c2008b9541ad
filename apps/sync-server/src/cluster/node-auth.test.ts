import { SignJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import { createNodeAuth } from './node-auth.js'

const SECRET = 'cluster-secret-cluster-secret-0123456789'
const auth = createNodeAuth(SECRET)
const grant = {
  user: 'alice',
  displayName: 'Alice',
  access: 'read' as const,
  expiresAt: 1_900_000_000_000,
  issuedAt: 1_700_000_000_000,
}

describe('node assertions', () => {
  it('carry a link, a socket with its grant, or an HTTP request to the addressed node', async () => {
    for (const claim of [
      { kind: 'link' as const, from: 'a' },
      { kind: 'socket' as const, from: 'a', doc: 'notes', grant },
      { kind: 'http' as const, from: 'a', doc: 'notes' },
    ]) {
      expect(await auth.verify(await auth.sign(claim, 'b'), 'b')).toEqual({ ok: true, claim })
    }
  })

  it('are refused when signed with another secret', async () => {
    const forged = await createNodeAuth(`${SECRET}-other`).sign({ kind: 'link', from: 'a' }, 'b')
    expect(await auth.verify(forged, 'b')).toEqual({ ok: false, reason: 'wrong cluster secret' })
  })

  it('are refused by a node they are not addressed to', async () => {
    const token = await auth.sign({ kind: 'link', from: 'a' }, 'b')
    expect(await auth.verify(token, 'c')).toMatchObject({ ok: false, reason: /aud/ })
  })

  it('are refused when expired, malformed or of the wrong type', async () => {
    const key = new TextEncoder().encode(SECRET)
    const old = await new SignJWT({ kind: 'link' })
      .setProtectedHeader({ alg: 'HS256', typ: 'weft-node+jwt' })
      .setIssuer('a')
      .setAudience('b')
      .setIssuedAt(Math.floor(Date.now() / 1000) - 600)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 300)
      .sign(key)
    expect(await auth.verify(old, 'b')).toEqual({ ok: false, reason: 'node assertion expired' })
    // A client access token signed with the same bytes is still not a node assertion.
    const clientToken = await new SignJWT({ kind: 'link', doc: '*', access: 'write' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('a')
      .setAudience('b')
      .setIssuedAt()
      .setExpirationTime('1m')
      .sign(key)
    expect((await auth.verify(clientToken, 'b')).ok).toBe(false)
    expect((await auth.verify('not.a.jwt', 'b')).ok).toBe(false)
    const noGrant = await new SignJWT({ kind: 'socket', doc: 'x', grant: { access: 'admin' } })
      .setProtectedHeader({ alg: 'HS256', typ: 'weft-node+jwt' })
      .setIssuer('a')
      .setAudience('b')
      .setIssuedAt()
      .setExpirationTime('1m')
      .sign(key)
    expect(await auth.verify(noGrant, 'b')).toEqual({
      ok: false,
      reason: 'node assertion has no valid grant',
    })
  })
})
