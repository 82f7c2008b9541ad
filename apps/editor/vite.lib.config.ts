/**
 * The ESM library (`dist/lib/index.js` + `style.css`): our code only; every dependency stays
 * an import so the host app's bundler dedupes Yjs (two copies of Yjs break sync).
 */
import { defineConfig } from 'vite'

const isExternal = (id: string): boolean =>
  !id.startsWith('.') && !id.startsWith('/') && !id.startsWith('\0') && !/^[A-Za-z]:/.test(id)

export default defineConfig({
  build: {
    outDir: 'dist/lib',
    emptyOutDir: true,
    sourcemap: true,
    minify: false,
    lib: {
      entry: 'src/lib/index.ts',
      formats: ['es'],
      fileName: () => 'index.js',
      cssFileName: 'style',
    },
    rolldownOptions: { external: isExternal },
  },
})
