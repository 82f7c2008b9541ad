/**
 * The static membership of a cluster: `id=url` pairs, as given by `--cluster-nodes`. Pure.
 */
import { ConfigError, type ValueParser } from '../config/parse-value.js'

/** One node of the cluster. */
export interface ClusterNode {
  /** Stable name of the node (`weft-0`): the input of `ownerOf`, so never reuse one for another disk. */
  readonly id: string
  /** Base URL other nodes reach it at: `http(s)://host:port`, no path. */
  readonly url: string
}

/** Letters, digits, `.`, `_`, `-`; starts with a letter or digit; at most 63 characters. */
const NODE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/

/** Whether `id` is a valid node id. */
export function isNodeId(id: string): boolean {
  return NODE_ID.test(id)
}

/**
 * The base URL of a node: `http`, `https`, `ws` or `wss`, with a host and no path, query or
 * credentials. `ws` is the same server as `http` (one port serves both), so it is stored as
 * `http`, and `wss` as `https`.
 *
 * @throws {ConfigError}
 */
export function parseNodeUrl(text: string): string {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new ConfigError(`"${text}" is not a URL`)
  }
  const scheme = { 'http:': 'http:', 'ws:': 'http:', 'https:': 'https:', 'wss:': 'https:' }[
    url.protocol
  ]
  if (scheme === undefined) throw new ConfigError(`"${text}" must be an http(s) or ws(s) URL`)
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    throw new ConfigError(`"${text}" must not carry credentials, a query or a fragment`)
  }
  if (url.pathname !== '/' && url.pathname !== '') {
    throw new ConfigError(`"${text}" must not have a path`)
  }
  return `${scheme}//${url.host}`
}

/**
 * Parse `id=url,id=url,…`.
 *
 * @example
 * parseNodeList('a=http://10.0.0.1:1234,b=http://10.0.0.2:1234')
 * @throws {ConfigError} for a malformed entry, a bad id or URL, or a repeated id.
 */
export function parseNodeList(text: string): readonly ClusterNode[] {
  const nodes: ClusterNode[] = []
  for (const entry of text.split(',')) {
    const item = entry.trim()
    if (item === '') continue
    const eq = item.indexOf('=')
    if (eq <= 0) throw new ConfigError(`entry "${item}" must look like id=http://host:port`)
    const id = item.slice(0, eq).trim()
    if (!isNodeId(id)) {
      throw new ConfigError(
        `node id "${id}" must be 1–63 letters, digits, ".", "_" or "-", starting with a letter or digit`,
      )
    }
    if (nodes.some((n) => n.id === id)) throw new ConfigError(`node id "${id}" appears twice`)
    nodes.push({ id, url: parseNodeUrl(item.slice(eq + 1).trim()) })
  }
  return nodes
}

/** Format a node list the way `parseNodeList` reads it. */
export function formatNodeList(nodes: readonly ClusterNode[]): string {
  return nodes.map((n) => `${n.id}=${n.url}`).join(',')
}

/** `--cluster-nodes`: a node list. */
export const nodeList: ValueParser<readonly ClusterNode[]> = {
  describe: 'id=url,id=url,…',
  parse: parseNodeList,
  format: (nodes) => (nodes.length === 0 ? '(none)' : formatNodeList(nodes)),
}
