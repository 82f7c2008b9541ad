/** A tiny element builder: text always goes in as text, never as HTML. */

type Child = Node | string | null | undefined | false

/** Attributes (`class`, `aria-*`, `data-*`…) and `on<event>` listeners of `h`. */
export type Props = Record<string, string | number | boolean | null | undefined | EventListener>

/**
 * Create an element.
 *
 * @example
 * h('button', { class: 'primary', onclick: () => go() }, 'New document')
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag)
  for (const [name, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2), value)
    } else {
      element.setAttribute(name, value === true ? '' : String(value))
    }
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue
    element.append(child)
  }
  return element
}
