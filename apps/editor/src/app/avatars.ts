/** Who is here: one avatar per person, the name on hover. */
import { initialsOf, type Peer } from '@weft/awareness'
import { h } from './dom.js'

const MAX_SHOWN = 5

/** One person's avatar (a picture when they have one, else initials on their colour). */
export function avatar(peer: Pick<Peer, 'user' | 'status'>, extraClass = ''): HTMLElement {
  const { name, color, avatarUrl } = peer.user
  const element = h('span', {
    class: `avatar ${peer.status === 'idle' ? 'avatar--idle' : ''} ${extraClass}`.trim(),
    title: peer.status === 'idle' ? `${name} (idle)` : name,
    'aria-label': name,
    role: 'img',
  })
  element.style.setProperty('--avatar-color', color)
  if (avatarUrl) {
    element.append(h('img', { src: avatarUrl, alt: '', referrerpolicy: 'no-referrer' }))
  } else {
    element.textContent = initialsOf(name)
  }
  return element
}

/** The list of avatars, updated from `weft-peers` events. */
export function createAvatars(): { element: HTMLElement; show(peers: readonly Peer[]): void } {
  const element = h('div', { class: 'avatars', 'aria-label': 'People in this document' })
  return {
    element,
    show(peers) {
      const shown = peers.slice(0, MAX_SHOWN)
      const rest = peers.length - shown.length
      element.replaceChildren(
        ...shown.map((peer) => {
          const item = avatar(peer, peer.isSelf ? 'avatar--self' : '')
          item.dataset.peer = peer.user.name
          return item
        }),
        ...(rest > 0
          ? [
              h(
                'span',
                {
                  class: 'avatar avatar--more',
                  title: peers
                    .slice(MAX_SHOWN)
                    .map((p) => p.user.name)
                    .join(', '),
                },
                `+${rest}`,
              ),
            ]
          : []),
      )
    },
  }
}
