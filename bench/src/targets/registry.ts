/**
 * The targets a benchmark can run against, each an external process: how to start it on a
 * port (and a data directory), the output line that says it is ready, its URL pattern and the
 * protocol the generator speaks to it. The same scenarios run against every one of them.
 */
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ProtocolName } from '../protocol/adapter.js'

/** How to start one target. */
export interface TargetSpec {
  readonly name: string
  /** One line for reports. */
  readonly title: string
  readonly protocol: ProtocolName
  /** Keeps documents across a restart (the cold-load scenario needs it). */
  readonly persistent: boolean
  /** Node arguments (script first) and extra environment for a port and a data directory. */
  command(port: number, dataDir: string): { args: string[]; env: Record<string, string> }
  /** A line of its standard output or error that means it accepts connections. */
  readonly ready: RegExp
  /** WebSocket URL pattern; `{doc}` is replaced by the URI-encoded document name. */
  urlPattern(port: number): string
}

const require = createRequire(import.meta.url)
/** The bench package directory (this file is in src/targets or dist/targets). */
const benchRoot = fileURLToPath(new URL('../../', import.meta.url))
const script = (name: string): string => join(benchRoot, 'dist', 'targets', name)
// Resolved when a target starts, so that listing targets needs no build.
const weftCli = (): string =>
  join(dirname(require.resolve('@weft/sync-server')), '..', 'bin', 'weft-server.js')
const referenceServer = (): string =>
  join(dirname(require.resolve('@y/websocket-server/package.json')), 'src', 'server.js')
const local = (port: number): string => `ws://127.0.0.1:${port}/{doc}`

/**
 * Flags the bench passes to Weft. Its defaults protect a public server from one abusive
 * client (300 frames/s and 2 MiB/s per socket, 200 connections per address, 10,000 rooms);
 * a load generator is one such client on one address opening thousands of rooms, so the
 * limits are raised here — never the defaults. A deployment behind a proxy (every client then
 * shares the proxy's address) needs `--max-connections-per-ip` raised the same way.
 */
export const WEFT_BENCH_FLAGS: readonly string[] = [
  '--max-messages-per-second',
  '1000000',
  '--message-burst',
  '10000000',
  '--max-bytes-per-second',
  '1024MiB',
  '--byte-burst',
  '4096MiB',
  '--max-connections',
  '1000000',
  '--max-connections-per-ip',
  '1000000',
  '--max-rooms',
  '1000000',
]

const weft = (name: string, title: string, extra: readonly string[]): TargetSpec => ({
  name,
  title,
  protocol: 'y-websocket',
  persistent: !extra.includes('memory'),
  command: (port, dataDir) => ({
    args: [
      weftCli(),
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--data-dir',
      dataDir,
      '--log-level',
      'info',
      ...WEFT_BENCH_FLAGS,
      ...extra,
    ],
    env: {},
  }),
  ready: /"msg":"weft-server listening"/,
  urlPattern: local,
})

const reference = (name: string, title: string, leveldb: boolean): TargetSpec => ({
  name,
  title,
  protocol: 'y-websocket',
  persistent: leveldb,
  command: (port, dataDir) => ({
    args: [referenceServer()],
    env: {
      HOST: '127.0.0.1',
      PORT: String(port),
      ...(leveldb ? { YPERSISTENCE: dataDir } : {}),
    },
  }),
  ready: /running at/,
  urlPattern: local,
})

const relay = (name: string, title: string, fault: string | null): TargetSpec => ({
  name,
  title,
  protocol: 'relay',
  persistent: false,
  command: (port) => ({
    args: [script('bare-relay.js'), '--port', String(port), ...(fault ? ['--fault', fault] : [])],
    env: {},
  }),
  ready: /bare-relay listening on/,
  urlPattern: local,
})

const hocuspocus = (name: string, title: string, database: boolean): TargetSpec => ({
  name,
  title,
  protocol: 'hocuspocus',
  persistent: database,
  command: (port, dataDir) => ({
    args: [
      script('hocuspocus-server.js'),
      '--port',
      String(port),
      ...(database ? ['--store', dataDir] : []),
    ],
    env: {},
  }),
  ready: /hocuspocus listening on/,
  urlPattern: local,
})

/** Every target by name. */
export const TARGETS: ReadonlyMap<string, TargetSpec> = new Map(
  [
    weft('weft', 'Weft (LevelDB, persist before relay)', []),
    weft('weft-memory', 'Weft (memory storage)', ['--storage', 'memory']),
    relay('relay', 'bare relay (forwards bytes, no state)', null),
    reference('ref-memory', '@y/websocket-server 0.1.1 (memory)', false),
    reference('ref-leveldb', '@y/websocket-server 0.1.1 (YPERSISTENCE, LevelDB)', true),
    hocuspocus('hocuspocus', '@hocuspocus/server 3.4.4 (default config)', false),
    hocuspocus('hocuspocus-db', '@hocuspocus/server 3.4.4 + extension-database (files)', true),
    // Broken on purpose: the harness must fail these.
    relay('lossy-drop', 'relay dropping every 20th frame', 'drop:20'),
    relay(
      'lossy-reorder',
      'relay swapping every 20th frame of a socket with its next',
      'reorder:20',
    ),
  ].map((spec) => [spec.name, spec]),
)

/**
 * The target called `name`.
 *
 * @throws {Error} for an unknown name.
 */
export function targetNamed(name: string): TargetSpec {
  const spec = TARGETS.get(name)
  if (spec === undefined) {
    throw new Error(`unknown target ${name}; known: ${[...TARGETS.keys()].join(', ')}`)
  }
  return spec
}
