/**
 * For `npm run dev`: start the built sync server CLI on a free port and resolve with its
 * HTTP URL once it logs that it listens. The child is killed (by its pid) when Vite exits.
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'

/** Start the server; rejects if the CLI is not built or exits before listening. */
export function startDevSyncServer(options: { cli: string; dataDir: string }): Promise<string> {
  if (!existsSync(options.cli)) {
    return Promise.reject(
      new Error(
        `${options.cli} does not exist: run "npm run build -w @weft/sync-server" first, or set WEFT_DEV_SERVER=http://host:port`,
      ),
    )
  }
  const child = spawn(
    process.execPath,
    [options.cli, '--port', '0', '--data-dir', options.dataDir, '--log-level', 'info'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  const stop = (): void => {
    if (child.exitCode === null) child.kill('SIGTERM')
  }
  process.once('exit', stop)
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      stop()
      process.exit(0)
    })
  }
  return new Promise((resolve, reject) => {
    let buffered = ''
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk
      for (let newline = buffered.indexOf('\n'); newline !== -1; newline = buffered.indexOf('\n')) {
        const line = buffered.slice(0, newline)
        buffered = buffered.slice(newline + 1)
        const port = listeningPort(line)
        if (port !== null) {
          process.stdout.write(`weft dev sync server on http://127.0.0.1:${port}\n`)
          resolve(`http://127.0.0.1:${port}`)
        }
      }
    })
    child.once('exit', (code) => reject(new Error(`dev sync server exited with ${code}`)))
  })
}

function listeningPort(line: string): number | null {
  try {
    const entry = JSON.parse(line) as { msg?: unknown; port?: unknown }
    return entry.msg === 'weft-server listening' && typeof entry.port === 'number'
      ? entry.port
      : null
  } catch {
    // Not a JSON log line.
    return null
  }
}
