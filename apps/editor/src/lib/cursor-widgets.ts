/**
 * How other people's cursors and selections look. Names come from untrusted presence
 * states: they are parsed with `@weft/awareness` and set as text, never as HTML, and only
 * validated `#rrggbb` colours reach a style.
 */
import { type PeerState, parsePeerState, readableColor } from '@weft/awareness'
import type { DecorationAttrs } from 'prosemirror-view'
import type { Awareness } from 'y-protocols/awareness'

/** The cursor plugin options that render through `@weft/awareness`. */
export interface CursorRendering {
  awarenessStateFilter(ownClientId: number, clientId: number, state: unknown): boolean
  cursorBuilder(user: unknown, clientId: number): HTMLElement
  selectionBuilder(user: unknown, clientId: number): DecorationAttrs
}

/** Cursor rendering for the states in `awareness`. */
export function createCursorRendering(awareness: Awareness): CursorRendering {
  const peerOf = (clientId: number): PeerState | null =>
    parsePeerState(awareness.getStates().get(clientId), clientId)
  const colorOf = (peer: PeerState | null): string =>
    (peer && readableColor(peer.user.color)) ?? '#57606a'

  return {
    awarenessStateFilter: (ownClientId, clientId, state) =>
      ownClientId !== clientId && parsePeerState(state, clientId) !== null,
    cursorBuilder(_user, clientId) {
      const peer = peerOf(clientId)
      const caret = document.createElement('span')
      caret.className = 'weft-cursor'
      caret.setAttribute('data-weft-client', String(clientId))
      caret.style.setProperty('--weft-peer-color', colorOf(peer))
      if (peer?.activity.status === 'idle') caret.classList.add('weft-cursor--idle')
      const label = document.createElement('span')
      label.className = 'weft-cursor__label'
      label.textContent = peer?.user.name ?? ''
      // Word joiners keep the caret from creating a line-break opportunity in the text.
      caret.append('\u2060', label, '\u2060')
      return caret
    },
    selectionBuilder(_user, clientId) {
      // 33 = 20 % alpha: the selection tints the text without hiding it.
      return { class: 'weft-selection', style: `background-color: ${colorOf(peerOf(clientId))}33` }
    },
  }
}
