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
  /**
   * Bring the carets under `root` up to date with the awareness. Needed because
   * y-prosemirror keys each caret widget by client id, so ProseMirror keeps the old DOM
   * when only a name, colour or activity changed.
   */
  refresh(root: HTMLElement): void
}

/** Cursor rendering for the states in `awareness`. */
export function createCursorRendering(awareness: Awareness): CursorRendering {
  const peerOf = (clientId: number): PeerState | null =>
    parsePeerState(awareness.getStates().get(clientId), clientId)
  const colorOf = (peer: PeerState | null): string =>
    (peer && readableColor(peer.user.color)) ?? '#57606a'
  const paint = (caret: HTMLElement, peer: PeerState | null): void => {
    caret.style.setProperty('--weft-peer-color', colorOf(peer))
    caret.classList.toggle('weft-cursor--idle', peer?.activity.status === 'idle')
    const label = caret.querySelector('.weft-cursor__label')
    const name = peer?.user.name ?? ''
    if (label !== null && label.textContent !== name) label.textContent = name
  }

  return {
    awarenessStateFilter: (ownClientId, clientId, state) =>
      ownClientId !== clientId && parsePeerState(state, clientId) !== null,
    cursorBuilder(_user, clientId) {
      const caret = document.createElement('span')
      caret.className = 'weft-cursor'
      caret.setAttribute('data-weft-client', String(clientId))
      const label = document.createElement('span')
      label.className = 'weft-cursor__label'
      // Word joiners keep the caret from creating a line-break opportunity in the text.
      caret.append('\u2060', label, '\u2060')
      paint(caret, peerOf(clientId))
      return caret
    },
    refresh(root) {
      for (const caret of root.querySelectorAll<HTMLElement>('.weft-cursor[data-weft-client]')) {
        paint(caret, peerOf(Number(caret.getAttribute('data-weft-client'))))
      }
    },
    selectionBuilder(_user, clientId) {
      // 33 = 20 % alpha: the selection tints the text without hiding it.
      return { class: 'weft-selection', style: `background-color: ${colorOf(peerOf(clientId))}33` }
    },
  }
}
