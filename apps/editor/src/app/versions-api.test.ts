import { describe, expect, it } from 'vitest'
import { ApiRequestError, createVersionsApi } from './versions-api.js'

/** A fetch that answers every request with `status` and `body`, recording what was asked. */
function fakeFetch(status: number, body: unknown) {
  const calls: { url: string; init: RequestInit | undefined }[] = []
  const fetchFn = (async (url: string, init?: RequestInit) => {
    calls.push({ url, init })
    return new Response(JSON.stringify(body), { status })
  }) as typeof fetch
  return { calls, fetchFn }
}

describe('createVersionsApi', () => {
  it('calls the document’s version endpoints, the name percent-encoded', async () => {
    const { calls, fetchFn } = fakeFetch(200, { versions: [] })
    const api = createVersionsApi('/api', 'team/notes', { fetch: fetchFn })
    expect(await api.list()).toEqual([])
    await api.save('Draft')
    await api.restore(3)
    expect(calls.map((c) => [c.init?.method ?? 'GET', c.url])).toEqual([
      ['GET', '/api/docs/team%2Fnotes/versions'],
      ['POST', '/api/docs/team%2Fnotes/versions'],
      ['POST', '/api/docs/team%2Fnotes/versions/3/restore'],
    ])
    expect(calls[1]?.init?.body).toBe('{"label":"Draft"}')
    expect(calls[1]?.init?.headers).toEqual({ 'content-type': 'application/json' })
  })

  it('sends the document token with every call', async () => {
    const { calls, fetchFn } = fakeFetch(200, { versions: [] })
    const api = createVersionsApi('/api', 'd', { fetch: fetchFn, token: 'jwt' })
    await api.list()
    await api.save(null)
    expect(calls.map((c) => c.init?.headers)).toEqual([
      { authorization: 'Bearer jwt' },
      { authorization: 'Bearer jwt', 'content-type': 'application/json' },
    ])
  })

  it('turns refusals into errors carrying the server’s message and code', async () => {
    const { fetchFn } = fakeFetch(409, { error: 'too many versions', code: 'VERSION_LIMIT' })
    const error = await createVersionsApi('/api', 'd', { fetch: fetchFn })
      .save(null)
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiRequestError)
    expect(error).toMatchObject({
      message: 'too many versions',
      status: 409,
      code: 'VERSION_LIMIT',
    })
  })

  it('says when the server cannot be reached', async () => {
    const failing = (async () => {
      throw new TypeError('fetch failed')
    }) as typeof fetch
    await expect(createVersionsApi('/api', 'd', { fetch: failing }).list()).rejects.toMatchObject({
      message: 'The server cannot be reached.',
      status: 0,
    })
  })
})
