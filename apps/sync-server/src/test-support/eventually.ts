/**
 * Waiting for state that has no event to listen to (a metric, a queue size on disk): check it
 * again on every short tick until it holds, with a deadline. The tick is not a sleep that a
 * test depends on: the test ends as soon as the state is reached, and fails at the deadline.
 */

/**
 * Resolve once `check()` (sync or async) returns true; reject with `message` after
 * `timeoutMs`. Re-checks every `intervalMs`.
 */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  message = 'condition not reached',
  { timeoutMs = 15_000, intervalMs = 20 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<void> {
  const deadline = performance.now() + timeoutMs
  for (;;) {
    if (await check()) return
    if (performance.now() > deadline) throw new Error(`timed out: ${message}`)
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
}
