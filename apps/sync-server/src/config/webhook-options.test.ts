import { describe, expect, it } from 'vitest'
import { WEBHOOK_EVENT_TYPES } from '../webhooks/webhook-event.js'
import { parseConfig } from './parse-config.js'

const parse = (argv: string[], env: Record<string, string> = {}) => {
  const parsed = parseConfig({ argv, env })
  if (parsed.help) throw new Error('unexpected help')
  return parsed.config
}

const SECRET = ['--webhook-secret', 'sixteen-chars-min']

describe('webhook and logging options', () => {
  it('takes several receivers from a repeated flag or a comma list', () => {
    expect(
      parse(['--webhook-url', 'https://a.example/h', '--webhook-url', 'http://b:8080/x', ...SECRET])
        .webhookUrls,
    ).toEqual(['https://a.example/h', 'http://b:8080/x'])
    expect(
      parse([], {
        WEFT_WEBHOOK_URL: 'https://a.example/h, https://c.example/',
        WEFT_WEBHOOK_SECRET: 'sixteen-chars-min',
      }).webhookUrls,
    ).toEqual(['https://a.example/h', 'https://c.example/'])
  })

  it('has every event by default and accepts a subset', () => {
    expect(parse([]).webhookEvents).toEqual(WEBHOOK_EVENT_TYPES)
    expect(parse(['--webhook-events', 'all']).webhookEvents).toEqual(WEBHOOK_EVENT_TYPES)
    expect(parse(['--webhook-events', 'room.closed,user.left']).webhookEvents).toEqual([
      'room.closed',
      'user.left',
    ])
  })

  it.each([
    [['--webhook-url', 'https://a.example/h'], /--webhook-url needs --webhook-secret/],
    [['--webhook-url', 'ftp://a.example/', ...SECRET], /must be http or https URLs/],
    [['--webhook-url', 'not a url', ...SECRET], /must be http or https URLs/],
    [['--webhook-url', 'http://a/,http://a/', ...SECRET], /same URL twice/],
    [['--webhook-secret', 'short'], /at least 16 characters/],
    [['--webhook-events', 'room.opened,doc.saved'], /must be all, or some of/],
    [['--webhook-debounce', '10s', '--webhook-max-wait', '5s'], /at least --webhook-debounce/],
    [['--webhook-retry-min', '1m', '--webhook-retry-max', '10s'], /at least --webhook-retry-min/],
    [['--log-format', 'xml'], /--log-format must be one of auto, json, pretty/],
  ])('refuses %j', (argv, message) => {
    expect(() => parse(argv)).toThrow(message)
  })

  it('reads durations and the queue bound', () => {
    expect(
      parse([
        '--webhook-debounce',
        '500ms',
        '--webhook-max-wait',
        '1m',
        '--webhook-queue-max',
        '50',
        '--webhook-timeout',
        '3s',
        '--log-format',
        'json',
      ]),
    ).toMatchObject({
      webhookDebounceMs: 500,
      webhookMaxWaitMs: 60_000,
      webhookQueueMax: 50,
      webhookTimeoutMs: 3000,
      logFormat: 'json',
    })
  })
})
