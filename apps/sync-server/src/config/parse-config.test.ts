import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { defaultConfig } from './options.js'
import { parseConfig } from './parse-config.js'
import { renderConfigDoc } from './render-docs.js'

const parse = (argv: string[], env: Record<string, string> = {}) => {
  const parsed = parseConfig({ argv, env })
  if (parsed.help) throw new Error('unexpected help')
  return parsed.config
}

describe('parseConfig', () => {
  it('gives the documented defaults', () => {
    expect(parse([])).toEqual(defaultConfig())
    expect(parse([])).toMatchObject({ host: '127.0.0.1', port: 1234, dataDir: './data' })
  })

  it('reads flags over environment over defaults', () => {
    const config = parse(['--port', '4000', '--fsync'], {
      WEFT_PORT: '3000',
      WEFT_DATA_DIR: '/var/lib/weft',
      WEFT_IDLE_TIMEOUT: '2m',
    })
    expect(config).toMatchObject({
      port: 4000,
      dataDir: '/var/lib/weft',
      idleTimeoutMs: 120_000,
      fsync: true,
    })
  })

  it('parses sizes, durations and booleans', () => {
    expect(
      parse(
        ['--max-frame-bytes', '2MiB', '--heartbeat-interval', '1.5s', '--max-buffered-bytes=40MB'],
        {
          WEFT_FSYNC: 'yes',
        },
      ),
    ).toMatchObject({
      maxFrameBytes: 2 * 1024 * 1024,
      maxBufferedBytes: 40_000_000,
      heartbeatIntervalMs: 1500,
      fsync: true,
    })
    expect(parse([], { WEFT_FSYNC: 'false' }).fsync).toBe(false)
    expect(parse(['--trusted-proxies', '10.0.0.0/8, 192.0.2.7,fd00::/8']).trustedProxies).toEqual([
      '10.0.0.0/8',
      '192.0.2.7',
      'fd00::/8',
    ])
  })

  it('asks for help', () => {
    expect(parseConfig({ argv: ['--help'], env: {} })).toEqual({ help: true })
  })

  it.each([
    [['--port=-1'], /--port must be between 0 and 65535/],
    [['--port'], /argument missing/],
    [['--port', '1.5'], /--port must be an integer/],
    [['--log-level', 'loud'], /--log-level must be one of/],
    [['--compact-after-bytes', '12 parsecs'], /--compact-after-bytes must be a size/],
    [['stray'], /positional/],
    [['--trusted-proxies', '10.0.0.0/33'], /--trusted-proxies must be IP addresses or CIDR/],
    [['--trusted-proxies', 'proxy.local'], /got "proxy.local"/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseConfig({ argv, env: {} })).toThrow(message)
  })

  it('names the environment variable in errors', () => {
    expect(() => parseConfig({ argv: [], env: { WEFT_STORAGE: 'floppy' } })).toThrow(
      /^WEFT_STORAGE must be one of leveldb, memory/,
    )
  })
})

describe('docs/CONFIG.md', () => {
  it('is generated from the schema (run `npm run docs -w @weft/sync-server` after changing options)', async () => {
    const committed = await readFile(new URL('../../../../docs/CONFIG.md', import.meta.url), 'utf8')
    expect(committed).toBe(renderConfigDoc())
  })
})
