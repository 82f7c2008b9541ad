/**
 * The single-file script (`dist/element/weft-editor.js` + `weft-editor.css`): everything
 * bundled, defines `<weft-editor>` when loaded. For pages without a build step.
 */
import { defineConfig } from 'vite'

export default defineConfig({
  build: {
    outDir: 'dist/element',
    emptyOutDir: true,
    sourcemap: true,
    // A final bundle, not a library others rebundle: minify it fully (Vite keeps whitespace
    // in ES library builds unless the bundler is told directly).
    minify: true,
    rolldownOptions: { output: { minify: true } },
    lib: {
      entry: 'src/lib/define.ts',
      formats: ['es'],
      fileName: () => 'weft-editor.js',
      cssFileName: 'weft-editor',
    },
  },
})
