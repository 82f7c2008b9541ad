import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import {
  createPresenceValidator,
  parseForeignPresence,
  parsePeerState,
  parsePresence,
} from './parse-presence.js'
import { DEFAULT_PRESENCE_LIMITS, type PresenceState } from './presence-state.js'
import { utf8ByteLength } from './utf8-length.js'

const valid = (): PresenceState => ({
  v: 1,
  user: { id: 'u-1', name: 'Ada Lovelace', color: '#1f6feb' },
  cursor: null,
  activity: { status: 'active', lastActiveAt: 1_700_000_000_000 },
})

/** A real y-prosemirror style cursor: relative positions made by Yjs itself. */
function realCursor(): { anchor: Y.RelativePosition; head: Y.RelativePosition } {
  const doc = new Y.Doc()
  const fragment = doc.getXmlFragment('prosemirror')
  const paragraph = new Y.XmlElement('paragraph')
  fragment.insert(0, [paragraph])
  paragraph.insert(0, [new Y.XmlText('hello')])
  const text = paragraph.get(0) as Y.XmlText
  const cursor = {
    anchor: Y.createRelativePositionFromTypeIndex(text, 1),
    head: Y.createRelativePositionFromTypeIndex(fragment, 1),
  }
  doc.destroy()
  return cursor
}

const arbitraryId = fc.record({ client: fc.nat(), clock: fc.nat() })
const arbitraryRelPos = fc.record({
  type: fc.option(arbitraryId),
  tname: fc.option(fc.string({ maxLength: 20 })),
  item: fc.option(arbitraryId),
  assoc: fc.integer({ min: -1, max: 1 }),
})
// biome-ignore lint/suspicious/noControlCharactersInRegex: generating names the parser accepts
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/
const arbitraryName = fc
  .string({ minLength: 1, maxLength: 64 })
  .filter((s) => s.trim().length > 0 && !FORBIDDEN.test(s))
const arbitraryState = fc.record({
  v: fc.constant(1 as const),
  user: fc.record({
    id: fc.string({ minLength: 1, maxLength: 128 }),
    name: arbitraryName,
    color: fc.integer({ min: 0, max: 0xffffff }).map((n) => `#${n.toString(16).padStart(6, '0')}`),
  }),
  cursor: fc.option(fc.record({ anchor: arbitraryRelPos, head: arbitraryRelPos })),
  activity: fc.record({
    status: fc.constantFrom('active' as const, 'idle' as const),
    lastActiveAt: fc.nat(),
  }),
})

describe('parsePresence', () => {
  it('accepts a valid state and returns a normalised copy', () => {
    const input = { ...valid(), user: { id: 'u-1', name: '  Ada  ', color: '#1F6FEB' } }
    const parsed = parsePresence(input)
    expect(parsed).toEqual({ ...valid(), user: { id: 'u-1', name: 'Ada', color: '#1f6feb' } })
    expect(parsed).not.toBe(input)
  })

  it('accepts the cursor y-prosemirror publishes (real Yjs relative positions)', () => {
    const cursor = realCursor()
    const parsed = parsePresence({ ...valid(), cursor })
    expect(parsed?.cursor).toEqual(JSON.parse(JSON.stringify(cursor)))
    // And it still locates the same positions once turned back into Yjs objects.
    const anchor = Y.createRelativePositionFromJSON(parsed?.cursor?.anchor)
    expect(Y.compareRelativePositions(anchor, cursor.anchor)).toBe(true)
  })

  it('treats a missing cursor as no cursor', () => {
    const { cursor: _cursor, ...withoutCursor } = valid()
    expect(parsePresence(withoutCursor)?.cursor).toBeNull()
  })

  it.each([
    ['no version', { ...valid(), v: undefined }],
    ['an unknown version', { ...valid(), v: 2 }],
    ['a name of spaces', { ...valid(), user: { ...valid().user, name: '   ' } }],
    ['a name too long', { ...valid(), user: { ...valid().user, name: 'x'.repeat(65) } }],
    ['a control character', { ...valid(), user: { ...valid().user, name: 'a\u0007b' } }],
    ['a bidi override', { ...valid(), user: { ...valid().user, name: 'abc\u202egpj.exe' } }],
    ['a CSS colour name', { ...valid(), user: { ...valid().user, color: 'red' } }],
    ['a colour with CSS in it', { ...valid(), user: { ...valid().user, color: '#fff;x:y' } }],
    ['an empty id', { ...valid(), user: { ...valid().user, id: '' } }],
    ['a javascript: avatar', { ...valid(), user: { ...valid().user, avatarUrl: 'javascript:1' } }],
    ['a cursor without head', { ...valid(), cursor: { anchor: { assoc: 0 } } }],
    [
      'a negative clock',
      { ...valid(), cursor: { anchor: { item: { client: 1, clock: -1 } }, head: {} } },
    ],
    ['an unknown status', { ...valid(), activity: { status: 'away', lastActiveAt: 0 } }],
    ['an array', [valid()]],
    ['a string', JSON.stringify(valid())],
    ['null', null],
  ])('refuses %s', (_label, value) => {
    expect(parsePresence(value)).toBeNull()
  })

  it('accepts an https avatar', () => {
    const user = { ...valid().user, avatarUrl: 'https://example.org/a.png' }
    expect(parsePresence({ ...valid(), user })?.user.avatarUrl).toBe('https://example.org/a.png')
  })

  it('refuses values with no JSON form instead of throwing', () => {
    const cyclic: Record<string, unknown> = { ...valid() }
    cyclic.self = cyclic
    const throwing = Object.defineProperty({ ...valid() }, 'user', {
      enumerable: true,
      get() {
        throw new Error('boom')
      },
    })
    const hostile = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error('boom')
        },
      },
    )
    expect(parsePresence(cyclic)).toBeNull()
    expect(parsePresence(throwing)).toBeNull()
    expect(parsePresence(hostile)).toBeNull()
    expect(parsePresence({ ...valid(), big: 10n })).toBeNull()
  })

  it('refuses a state just over the size limit and accepts one just under', () => {
    const base = JSON.stringify({ ...valid(), pad: '' })
    const room = DEFAULT_PRESENCE_LIMITS.maxStateBytes - utf8ByteLength(base)
    expect(parsePresence({ ...valid(), pad: 'x'.repeat(room) })).not.toBeNull()
    expect(parsePresence({ ...valid(), pad: 'x'.repeat(room + 1) })).toBeNull()
    // Multi-byte characters count in bytes, not characters.
    expect(parsePresence({ ...valid(), pad: 'é'.repeat(Math.ceil(room / 2) + 1) })).toBeNull()
  })

  it('property: never throws, and anything accepted fits the limits and parses to itself', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), arbitraryState, fc.jsonValue()), (value) => {
        const parsed = parsePresence(value)
        if (parsed === null) return
        expect(utf8ByteLength(JSON.stringify(parsed))).toBeLessThanOrEqual(
          DEFAULT_PRESENCE_LIMITS.maxStateBytes,
        )
        expect(parsePresence(parsed)).toEqual(parsed)
      }),
      { numRuns: 2000 },
    )
  })

  it('property: every well-formed state within the limits is accepted', () => {
    fc.assert(
      fc.property(arbitraryState, (state) => {
        expect(parsePresence(state)).not.toBeNull()
      }),
    )
  })

  it('property: never accepts a state whose JSON is over the limit', () => {
    const limits = { ...DEFAULT_PRESENCE_LIMITS, maxStateBytes: 300 }
    fc.assert(
      fc.property(arbitraryState, fc.string({ unit: 'binary', maxLength: 200 }), (state, pad) => {
        const value = { ...state, pad }
        const parsed = parsePresence(value, limits)
        if (utf8ByteLength(JSON.stringify(value)) > limits.maxStateBytes) {
          expect(parsed).toBeNull()
        }
      }),
    )
  })
})

describe('parseForeignPresence', () => {
  it('accepts the Tiptap collaboration-cursor shape', () => {
    const cursor = JSON.parse(JSON.stringify(realCursor()))
    const parsed = parseForeignPresence({ user: { name: 'Bo', color: '#958DF1', x: 1 }, cursor })
    expect(parsed).toEqual({ user: { name: 'Bo', color: '#958df1' }, cursor })
  })

  it('accepts the empty state of a plain y-websocket client', () => {
    expect(parseForeignPresence({})).toEqual({ user: null, cursor: null })
  })

  it('reports an unusable colour as null but refuses a bad name', () => {
    expect(parseForeignPresence({ user: { name: 'Bo', color: 'hsl(1,2%,3%)' } })?.user?.color).toBe(
      null,
    )
    expect(parseForeignPresence({ user: { name: 'x'.repeat(65) } })).toBeNull()
    expect(parseForeignPresence({ user: 'Bo' })).toBeNull()
  })

  it('leaves states that claim a Weft version to parsePresence', () => {
    expect(parseForeignPresence({ v: 1 })).toBeNull()
  })

  it('property: never throws', () => {
    fc.assert(fc.property(fc.anything(), (value) => void parseForeignPresence(value)))
  })
})

describe('parsePeerState', () => {
  it('keys Weft states by user and foreign states by client', () => {
    expect(parsePeerState(valid(), 7)?.key).toBe('user:u-1')
    const foreign = parsePeerState({ user: { name: 'Bo' } }, 9)
    expect(foreign).toMatchObject({ key: 'client:9', foreign: true, user: { name: 'Bo' } })
    expect(foreign?.user.color).toMatch(/^#[0-9a-f]{6}$/)
  })

  it('skips foreign states when asked to, and nameless ones always', () => {
    expect(parsePeerState({ user: { name: 'Bo' } }, 9, { acceptForeign: false })).toBeNull()
    expect(parsePeerState({}, 9)).toBeNull()
  })
})

describe('createPresenceValidator', () => {
  it('accepts foreign states only when allowed', () => {
    const strict = createPresenceValidator({ acceptForeign: false })
    const lenient = createPresenceValidator({ acceptForeign: true })
    const tiptap = { user: { name: 'Bo', color: '#958df1' }, cursor: null }
    expect(strict(valid())).toBe(true)
    expect(strict(tiptap)).toBe(false)
    expect(lenient(tiptap)).toBe(true)
    expect(lenient({})).toBe(true)
    expect(lenient({ ...valid(), v: 2 })).toBe(false)
    expect(lenient({ user: { name: 'x'.repeat(5000) } })).toBe(false)
  })
})
