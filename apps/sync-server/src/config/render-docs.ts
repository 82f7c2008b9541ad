/** `--help` text and `docs/CONFIG.md`, both generated from the option schema. */
import { OPTIONS, type OptionSpec } from './options.js'

const entries = (): [string, OptionSpec<unknown>][] =>
  Object.entries(OPTIONS) as [string, OptionSpec<unknown>][]

const formatDefault = (spec: OptionSpec<unknown>): string =>
  spec.parser.format(spec.default as never)

/** The text `weft-server --help` prints. */
export function renderHelp(): string {
  const lines = [
    'Usage: weft-server [options]',
    '       weft-server token --help   (print an access token)',
    '',
    'Weft sync server: y-websocket compatible, documents stored in LevelDB.',
    'Every option can also be set by its environment variable; a flag wins over the environment.',
    '',
  ]
  let group = ''
  for (const [, spec] of entries()) {
    if (spec.group !== group) {
      group = spec.group
      lines.push(`${group}:`)
    }
    const flag =
      spec.default === false ? `--${spec.flag}` : `--${spec.flag} <${spec.parser.describe}>`
    lines.push(`  ${flag}`)
    lines.push(`      ${spec.description.replaceAll('`', '')}`)
    lines.push(`      env ${spec.env}, default ${formatDefault(spec)}`)
  }
  lines.push('  --help', '      Print this help.', '')
  return lines.join('\n')
}

/** The Markdown of `docs/CONFIG.md`. */
export function renderConfigDoc(): string {
  const lines = [
    '# Configuration',
    '',
    '<!-- Generated from apps/sync-server/src/config/options.ts by `npm run docs -w @weft/sync-server`; do not edit by hand. -->',
    '',
    'Every option is a command-line flag of `weft-server` and an environment variable. A flag',
    'wins over the environment, which wins over the default. A bad value stops the server with',
    'a one-line message and exit code 2. Sizes take `KiB`/`MiB`/`GiB` (or `KB`/`MB`/`GB`);',
    'durations take `ms`, `s`, `m`, `h` (a plain number is milliseconds). Boolean flags take no',
    'value on the command line; in the environment use `true` or `false`.',
    '',
  ]
  let group = ''
  for (const [, spec] of entries()) {
    if (spec.group !== group) {
      group = spec.group
      lines.push(
        `## ${group}`,
        '',
        '| Flag | Environment | Type | Default | Meaning |',
        '|---|---|---|---|---|',
      )
    }
    const cells = [
      `\`--${spec.flag}\``,
      `\`${spec.env}\``,
      spec.parser.describe,
      `\`${formatDefault(spec)}\``,
      spec.description,
    ]
    lines.push(`| ${cells.map((cell) => cell.replaceAll('|', '\\|')).join(' | ')} |`)
    const next = entries()[entries().findIndex(([, s]) => s === spec) + 1]
    if (next === undefined || next[1].group !== group) lines.push('')
  }
  return lines.join('\n')
}
