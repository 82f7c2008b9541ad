/**
 * Hocuspocus as a benchmark target: its `Server` with the default configuration, and with
 * `--store <dir>` its database extension over a local file store (one file per document,
 * replaced atomically), since the SQLite extension's native module cannot be built here.
 * Stops (storing every document) on SIGTERM, as Hocuspocus does by default.
 *
 * Usage: node hocuspocus-server.js --port <port> [--store <dir>]
 * Prints "hocuspocus listening on <port>" once it accepts connections.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { Database } from '@hocuspocus/extension-database'
import { Server } from '@hocuspocus/server'

/** The file a document is stored in (names are encoded, never used as paths). */
const fileOf = (dir: string, name: string): string =>
  join(dir, `${Buffer.from(name).toString('base64url')}.ydoc`)

/** The database extension over files in `dir`. */
export function fileDatabase(dir: string): Database {
  return new Database({
    fetch: async ({ documentName }) => {
      try {
        return new Uint8Array(await readFile(fileOf(dir, documentName)))
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
        throw error
      }
    },
    store: async ({ documentName, state }) => {
      const file = fileOf(dir, documentName)
      await writeFile(`${file}.tmp`, state)
      await rename(`${file}.tmp`, file)
    },
  })
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { port: { type: 'string', default: '0' }, store: { type: 'string' } },
  })
  if (values.store !== undefined) await mkdir(values.store, { recursive: true })
  const server = new Server({
    port: Number(values.port),
    address: '127.0.0.1',
    // Only the start banner; behaviour is the default configuration.
    quiet: true,
    extensions: values.store === undefined ? [] : [fileDatabase(values.store)],
  })
  await server.listen()
  process.stdout.write(`hocuspocus listening on ${server.address.port}\n`)
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    process.stderr.write(`hocuspocus-server: ${String(error)}\n`)
    process.exit(1)
  })
}
