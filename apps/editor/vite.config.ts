/**
 * The web app. `vite build` writes it to dist/app (served by `weft-server --static-dir`).
 * `vite` (npm run dev) serves it with hot reload and proxies `/ws/<doc>` WebSockets and the
 * REST API (`/api/…`) to a sync server: the one at WEFT_DEV_SERVER if set, else one it starts itself on a free port
 * (the built CLI of apps/sync-server, data in apps/editor/.dev-data).
 */
import { fileURLToPath } from 'node:url'
import { defineConfig, type UserConfig } from 'vite'
import { startDevSyncServer } from './dev/dev-sync-server.js'

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url))

export default defineConfig(async ({ command }): Promise<UserConfig> => {
  const target =
    command === 'serve'
      ? (process.env.WEFT_DEV_SERVER ??
        (await startDevSyncServer({
          cli: here('../sync-server/dist/cli/main.js'),
          dataDir: here('./.dev-data'),
        })))
      : null
  return {
    root: here('./src/app'),
    publicDir: false,
    build: {
      outDir: here('./dist/app'),
      emptyOutDir: true,
      sourcemap: true,
    },
    server: {
      proxy:
        target === null
          ? {}
          : {
              '^/ws/': {
                target,
                ws: true,
                rewrite: (path: string) => path.replace(/^\/ws/, ''),
              },
              '^/api/': { target },
            },
    },
  }
})
