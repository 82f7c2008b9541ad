#!/usr/bin/env node
// Committed entry point, so `npm ci` can link the `weft-server` bin before anything is
// built; the CLI itself is compiled to dist/ by `npm run build`.
import '../dist/cli/main.js'
