/**
 * The node list a node actually routes by ("effective view"). Pure.
 *
 * Each node is configured with a list, and during a rolling restart the lists differ. A node
 * therefore routes by the union of its own list and the lists of every node it has heard from
 * (each node sends its list when a link opens; the latest one a node sent counts, also while
 * it is down). Nodes that can talk to each other thus agree, even while some still run with
 * the old list:
 *
 * - scale up: the first node started with the new list makes every node route by it, so
 *   documents move to the new node once, right away, not once per restarted node;
 * - scale down: the leaving node stays an owner until no node lists it any more; then its
 *   documents move to the remaining nodes, once.
 */
import type { ClusterNode } from './node-list.js'

/**
 * The union of `own` and `known`, by node id. A node's URL comes from the first list naming
 * it: this node's own list wins, then the lists in the order given. Sorted by id.
 */
export function effectiveMembers(
  own: readonly ClusterNode[],
  known: Iterable<readonly ClusterNode[]>,
): ClusterNode[] {
  const byId = new Map<string, ClusterNode>()
  for (const node of own) if (!byId.has(node.id)) byId.set(node.id, node)
  for (const list of known) {
    for (const node of list) if (!byId.has(node.id)) byId.set(node.id, node)
  }
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
}

/** Whether two member lists name the same nodes at the same URLs. */
export function sameMembers(a: readonly ClusterNode[], b: readonly ClusterNode[]): boolean {
  return a.length === b.length && a.every((n, i) => n.id === b[i]?.id && n.url === b[i]?.url)
}
