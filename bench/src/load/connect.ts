/**
 * Open many clients at once with a bounded number of handshakes in flight, each synced within
 * a deadline. Connections are spread over several loopback source addresses so that ten
 * thousand of them (and the TIME_WAIT entries of earlier runs) never exhaust one address's
 * ephemeral ports (about 28,000 on Linux by default).
 */
import type { ProtocolName } from '../protocol/adapter.js'
import { BenchClient, type ClientHandlers } from './bench-client.js'
import { withTimeout } from './wait.js'

/** The URL of `docName` from a target's URL pattern (`ws://127.0.0.1:8080/{doc}`). */
export function urlFor(pattern: string, docName: string): string {
  return pattern.replace('{doc}', encodeURIComponent(docName))
}

/** Connections per loopback source address. */
const PER_SOURCE_ADDRESS = 8000

/**
 * Source address of connection `index` of `total` (127.0.0.`base`, `base + 1`, …), or
 * undefined to let the OS choose. Runs use different bases: the TIME_WAIT entries ten
 * thousand closed connections leave on their addresses make finding a free port there slow
 * for a minute.
 */
export function sourceAddress(index: number, total: number, base = 2): string | undefined {
  if (total <= PER_SOURCE_ADDRESS) return undefined
  const addresses = Math.ceil(total / PER_SOURCE_ADDRESS)
  return `127.0.0.${base + (index % addresses)}`
}

/** What to connect to. */
export interface ConnectPlan {
  readonly urlPattern: string
  readonly protocol: ProtocolName
  /** Document name of connection `index`. */
  readonly docOf: (index: number) => string
  readonly count: number
  /** Handshakes in flight at once. */
  readonly concurrency: number
  /** Deadline of each connection (open and synced). */
  readonly timeoutMs: number
  /** Called with each client before it connects (to tag it). */
  readonly prepare?: (client: BenchClient, index: number) => void
  /** First loopback source address (127.0.0.x) when connections are spread; default 2. */
  readonly sourceBase?: number
}

/** Clients in connection order, and how long connecting all of them took. */
export interface Connected {
  readonly clients: BenchClient[]
  readonly elapsedMs: number
}

/**
 * Connect `plan.count` clients and wait until every one is synced.
 *
 * @throws {Error} the first client error or timeout; every client opened is closed first.
 */
export async function connectAll(plan: ConnectPlan, handlers: ClientHandlers): Promise<Connected> {
  const clients: BenchClient[] = new Array(plan.count)
  const started = performance.now()
  let next = 0
  let failure: unknown = null
  const worker = async (): Promise<void> => {
    while (failure === null && next < plan.count) {
      const index = next++
      const docName = plan.docOf(index)
      const localAddress = sourceAddress(index, plan.count, plan.sourceBase)
      const client = new BenchClient(
        {
          url: urlFor(plan.urlPattern, docName),
          docName,
          protocol: plan.protocol,
          ...(localAddress === undefined ? {} : { localAddress }),
        },
        handlers,
      )
      clients[index] = client
      plan.prepare?.(client, index)
      try {
        await withTimeout(client.whenSynced(), plan.timeoutMs, `client ${index} (${docName}) sync`)
      } catch (error) {
        failure ??= error
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(plan.concurrency, plan.count) }, worker))
  const elapsedMs = performance.now() - started
  if (failure !== null) {
    await closeAll(clients.filter((c) => c !== undefined))
    throw failure
  }
  return { clients, elapsedMs }
}

/** Close clients, a bounded number at a time would gain nothing here: close all, wait all. */
export async function closeAll(clients: readonly BenchClient[]): Promise<void> {
  await withTimeout(Promise.all(clients.map((c) => c.close())), 30_000, 'closing clients').catch(
    () => Promise.all(clients.map((c) => c.terminate())),
  )
}

/** The first error of any client, or null. */
export function firstError(clients: readonly BenchClient[]): Error | null {
  for (const client of clients) if (client.error !== null) return client.error
  return null
}
