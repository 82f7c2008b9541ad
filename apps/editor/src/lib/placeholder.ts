/** Shows a hint in an empty document (CSS renders `data-placeholder` of the first line). */
import { Plugin } from 'prosemirror-state'
import { Decoration, DecorationSet } from 'prosemirror-view'

/** A plugin that marks the only, empty paragraph with `data-placeholder`. */
export function placeholderPlugin(text: string): Plugin {
  return new Plugin({
    props: {
      decorations(state) {
        const { doc } = state
        const first = doc.firstChild
        if (
          doc.childCount !== 1 ||
          first === null ||
          !first.isTextblock ||
          first.content.size > 0
        ) {
          return null
        }
        return DecorationSet.create(doc, [
          Decoration.node(0, first.nodeSize, {
            class: 'weft-placeholder',
            'data-placeholder': text,
          }),
        ])
      },
    },
  })
}
