/**
 * The status pill: "Saved", "Saving…", "Connecting…", "Offline — 3 changes pending", or why
 * the server refused the document ("Deleted", "No access", …).
 */
import type { EditorStatus } from '../lib/index.js'
import { h } from './dom.js'

/** What a person is told for a permanent close code (docs/PROTOCOL.md). */
const REFUSALS: Record<number, string> = {
  4401: 'Not signed in',
  4403: 'No access',
  4410: 'Deleted',
  4413: 'Too large to open',
}

/** Text and tone of a status. */
export function describeStatus(status: EditorStatus): { text: string; tone: string } {
  const pending = status.unconfirmed
  const changes = `${pending} ${pending === 1 ? 'change' : 'changes'}`
  if (status.refusal !== null) {
    const text = REFUSALS[status.refusal.code] ?? 'Refused by the server — reload'
    return { text: pending > 0 ? `${text} — ${changes} not saved` : text, tone: 'refused' }
  }
  switch (status.connection) {
    case 'connecting':
      return { text: 'Connecting…', tone: 'pending' }
    case 'offline':
      return pending > 0
        ? { text: `Offline — ${changes} pending`, tone: 'offline' }
        : { text: 'Offline', tone: 'offline' }
    case 'connected':
      if (status.synced) return { text: 'Saved', tone: 'saved' }
      return pending > 0
        ? { text: 'Saving…', tone: 'pending' }
        : { text: 'Syncing…', tone: 'pending' }
  }
}

/** The pill element and its update function. */
export function createStatusPill(): { element: HTMLElement; show(status: EditorStatus): void } {
  const label = h('span', { class: 'status-pill__text' }, 'Connecting…')
  const element = h(
    'span',
    { class: 'status-pill', 'data-tone': 'pending', role: 'status', 'aria-live': 'polite' },
    h('span', { class: 'status-pill__dot', 'aria-hidden': 'true' }),
    label,
  )
  return {
    element,
    show(status) {
      const { text, tone } = describeStatus(status)
      label.textContent = text
      element.dataset.tone = tone
      // The server's own words, for whoever wants the detail.
      if (status.refusal === null) element.removeAttribute('title')
      else element.title = `${status.refusal.code} ${status.refusal.reason}`.trim()
    },
  }
}
