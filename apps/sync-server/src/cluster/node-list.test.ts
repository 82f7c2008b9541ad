import { describe, expect, it } from 'vitest'
import { parseConfig } from '../config/parse-config.js'
import { formatNodeList, parseNodeList } from './node-list.js'

const SECRET = 'a-cluster-secret-of-at-least-32-chars'

const parse = (argv: string[], env: Record<string, string> = {}) => {
  const parsed = parseConfig({ argv, env })
  if (parsed.help) throw new Error('unexpected help')
  return parsed.config
}

describe('parseNodeList', () => {
  it('reads id=url pairs, normalising ws to http and dropping a trailing slash', () => {
    expect(
      parseNodeList(' weft-0=http://10.0.0.1:1234 , weft-1=wss://b.example:443/,weft-2=ws://c:80'),
    ).toEqual([
      { id: 'weft-0', url: 'http://10.0.0.1:1234' },
      { id: 'weft-1', url: 'https://b.example' },
      { id: 'weft-2', url: 'http://c' },
    ])
  })

  it('round-trips through formatNodeList', () => {
    const nodes = parseNodeList('a=http://h:1,b=https://i:2')
    expect(parseNodeList(formatNodeList(nodes))).toEqual(nodes)
  })

  it.each([
    ['a', /must look like id=/],
    ['=http://h:1', /must look like id=/],
    ['-a=http://h:1', /node id "-a"/],
    ['a b=http://h:1', /node id "a b"/],
    ['a=ftp://h', /http\(s\) or ws\(s\)/],
    ['a=http://h:1/path', /must not have a path/],
    ['a=http://u:p@h:1', /credentials/],
    ['a=nonsense', /is not a URL/],
    ['a=http://h:1,a=http://h:2', /appears twice/],
  ])('refuses %j', (text, message) => {
    expect(() => parseNodeList(text)).toThrow(message)
  })
})

describe('cluster options', () => {
  it('are off by default: a cluster of one', () => {
    expect(parse([])).toMatchObject({
      nodeId: null,
      clusterNodes: [],
      clusterSecret: null,
      clusterTimeoutMs: 5000,
    })
  })

  it('come from flags or the environment', () => {
    const config = parse(['--node-id', 'b'], {
      WEFT_CLUSTER_NODES: 'a=http://h:1,b=http://h:2',
      WEFT_CLUSTER_SECRET: SECRET,
      WEFT_CLUSTER_TIMEOUT: '2s',
    })
    expect(config).toMatchObject({
      nodeId: 'b',
      clusterNodes: [
        { id: 'a', url: 'http://h:1' },
        { id: 'b', url: 'http://h:2' },
      ],
      clusterSecret: SECRET,
      clusterTimeoutMs: 2000,
    })
  })

  it('accept a node that is not in the list (it is leaving the cluster)', () => {
    const argv = ['--node-id', 'c', '--cluster-nodes', 'a=http://h:1', '--cluster-secret', SECRET]
    expect(parse(argv).nodeId).toBe('c')
  })

  it.each([
    [['--cluster-nodes', 'a=http://h:1'], /needs --node-id/],
    [['--node-id', 'a', '--cluster-nodes', 'a=http://h:1,b=http://h:2'], /needs --cluster-secret/],
    [['--node-id', 'c', '--cluster-nodes', 'a=http://h:1'], /needs --cluster-secret/],
    [['--cluster-secret', 'short'], /at least 32 characters/],
    [['--cluster-secret', SECRET, '--auth-secret', SECRET], /must differ from --auth-secret/],
    [['--node-id', 'a/b'], /--node-id must be/],
    [['--cluster-nodes', 'a=http://h:1,a=http://h:1', '--node-id', 'a'], /appears twice/],
  ])('refuse %j', (argv, message) => {
    expect(() => parse(argv)).toThrow(message)
  })

  it('allow a one-node list without a secret', () => {
    expect(parse(['--node-id', 'a', '--cluster-nodes', 'a=http://h:1']).clusterSecret).toBeNull()
  })
})
