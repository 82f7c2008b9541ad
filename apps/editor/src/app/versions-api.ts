/** The sync server's version endpoints (`/api/docs/<doc>/versions…`), for the History panel. */

/** A saved version, as the server lists it. */
export interface VersionSummary {
  readonly id: number
  /** ISO 8601 time it was saved. */
  readonly createdAt: string
  readonly label: string | null
  readonly kind: 'auto' | 'manual'
  /** Bytes of its content. */
  readonly size: number
}

/** The version calls of one document. */
export interface VersionsApi {
  /** Newest first. */
  list(): Promise<VersionSummary[]>
  save(label: string | null): Promise<VersionSummary>
  /** ProseMirror JSON of the version's content. */
  content(id: number): Promise<unknown>
  restore(id: number): Promise<{ changed: boolean }>
}

/** A request the server refused; `message` is its explanation, `code` its error code. */
export class ApiRequestError extends Error {
  override readonly name = 'ApiRequestError'
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | null,
  ) {
    super(message)
  }
}

/** How the calls are made. */
export interface VersionsApiOptions {
  /** A document token, sent as `Authorization: Bearer` (servers with authentication on). */
  readonly token?: string | null
  /** Injected so the panel can be tried without a server. */
  readonly fetch?: typeof fetch
}

/** Calls for document `doc` under `base` (e.g. `/api`). */
export function createVersionsApi(
  base: string,
  doc: string,
  options: VersionsApiOptions = {},
): VersionsApi {
  const fetchFn = options.fetch ?? ((input, init) => fetch(input, init))
  const auth: Record<string, string> =
    options.token == null ? {} : { authorization: `Bearer ${options.token}` }
  const root = `${base}/docs/${encodeURIComponent(doc)}/versions`
  const call = async <T>(path: string, init?: RequestInit): Promise<T> => {
    let res: Response
    try {
      res = await fetchFn(`${root}${path}`, {
        cache: 'no-store',
        ...init,
        headers: { ...auth, ...(init?.headers as Record<string, string> | undefined) },
      })
    } catch {
      throw new ApiRequestError('The server cannot be reached.', 0, null)
    }
    const body = (await res.json().catch(() => null)) as unknown
    if (!res.ok) {
      const error = body as { error?: unknown; code?: unknown } | null
      throw new ApiRequestError(
        typeof error?.error === 'string' ? error.error : `The server answered ${res.status}.`,
        res.status,
        typeof error?.code === 'string' ? error.code : null,
      )
    }
    return body as T
  }
  return {
    list: async () => (await call<{ versions: VersionSummary[] }>('')).versions,
    save: (label) =>
      call('', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ label }),
      }),
    content: (id) => call(`/${id}`),
    restore: (id) => call(`/${id}/restore`, { method: 'POST' }),
  }
}
