/** "Share": copies the document's link. */
import { h } from './dom.js'

/** The button; `copy` writes text to the clipboard (rejects when it cannot). */
export function createShareButton(
  link: () => string,
  copy: (text: string) => Promise<void>,
): { element: HTMLButtonElement; destroy(): void } {
  let resetTimer: ReturnType<typeof setTimeout> | null = null
  const element = h('button', { type: 'button', class: 'button button--primary share' }, 'Share')
  element.addEventListener('click', () => {
    copy(link()).then(
      () => flash('Link copied'),
      // No clipboard (insecure context, permission refused): show the link to copy by hand.
      () => window.prompt('Copy this link', link()),
    )
  })
  const flash = (text: string): void => {
    element.textContent = text
    if (resetTimer !== null) clearTimeout(resetTimer)
    resetTimer = setTimeout(() => {
      element.textContent = 'Share'
    }, 2000)
  }
  return {
    element,
    destroy() {
      if (resetTimer !== null) clearTimeout(resetTimer)
    },
  }
}
