/**
 * Colours for people: derived from a user id, and made readable. "Readable" means white text
 * on the colour (cursor labels, avatars) and the colour on a white page (caret lines) both
 * reach WCAG's 4.5:1 contrast ratio, the level for normal-size text.
 */

/** The contrast ratio every colour this module returns reaches against white. */
export const MIN_CONTRAST_ON_WHITE = 4.5

const HEX = /^#([0-9a-fA-F]{6})$/

type Rgb = readonly [number, number, number]

function parseHex(color: string): Rgb | null {
  const match = HEX.exec(color)
  if (match === null) return null
  const n = Number.parseInt(match[1] as string, 16)
  return [(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]
}

function toHex([r, g, b]: Rgb): string {
  return `#${((1 << 24) | (r << 16) | (g << 8) | b).toString(16).slice(1)}`
}

/** WCAG relative luminance of an sRGB colour, 0 (black) to 1 (white). */
function luminance(rgb: Rgb): number {
  const [r, g, b] = rgb.map((channel) => {
    const c = channel / 255
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4
  }) as unknown as Rgb
  return 0.2126 * r + 0.7152 * g + 0.0722 * b
}

/**
 * WCAG contrast ratio of two `#rrggbb` colours, from 1 to 21.
 *
 * @throws {TypeError} when a colour is not `#rrggbb`.
 */
export function contrastRatio(a: string, b: string): number {
  const rgbA = parseHex(a)
  const rgbB = parseHex(b)
  if (rgbA === null || rgbB === null) throw new TypeError(`not a #rrggbb colour: ${a}, ${b}`)
  const [hi, lo] = [luminance(rgbA), luminance(rgbB)].sort((x, y) => y - x) as [number, number]
  return (hi + 0.05) / (lo + 0.05)
}

/** HSL (hue in degrees, saturation and lightness 0–1) to rounded sRGB. */
function hslToRgb(hue: number, saturation: number, lightness: number): Rgb {
  const chroma = (1 - Math.abs(2 * lightness - 1)) * saturation
  const h = (((hue % 360) + 360) % 360) / 60
  const x = chroma * (1 - Math.abs((h % 2) - 1))
  const [r, g, b] =
    h < 1
      ? [chroma, x, 0]
      : h < 2
        ? [x, chroma, 0]
        : h < 3
          ? [0, chroma, x]
          : h < 4
            ? [0, x, chroma]
            : h < 5
              ? [x, 0, chroma]
              : [chroma, 0, x]
  const m = lightness - chroma / 2
  return [r, g, b].map((c) => Math.round((c + m) * 255)) as unknown as Rgb
}

function rgbToHsl([r8, g8, b8]: Rgb): [number, number, number] {
  const [r, g, b] = [r8 / 255, g8 / 255, b8 / 255]
  const max = Math.max(r, g, b)
  const min = Math.min(r, g, b)
  const lightness = (max + min) / 2
  const delta = max - min
  if (delta === 0) return [0, 0, lightness]
  const saturation = delta / (1 - Math.abs(2 * lightness - 1))
  const hue =
    max === r
      ? 60 * (((g - b) / delta) % 6)
      : max === g
        ? 60 * ((b - r) / delta + 2)
        : 60 * ((r - g) / delta + 4)
  return [hue, Math.min(1, saturation), lightness]
}

/** Lower the lightness until white reaches the minimum contrast (black always does). */
function darkenUntilReadable(hue: number, saturation: number, lightness: number): string {
  for (let l = lightness; l > 0; l -= 0.02) {
    const hex = toHex(hslToRgb(hue, saturation, l))
    if (contrastRatio(hex, '#ffffff') >= MIN_CONTRAST_ON_WHITE) return hex
  }
  return '#000000'
}

/** 32-bit FNV-1a over UTF-16 code units: small, fast and well spread for short ids. */
function hash32(text: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return hash >>> 0
}

/**
 * The colour of a user id: the same id always gets the same colour, different ids spread
 * over the hue circle, and the result is readable (see the module comment).
 *
 * @example
 * colorForUserId('u-123') // always the same '#rrggbb'
 */
export function colorForUserId(id: string): string {
  const hash = hash32(id)
  const hue = hash % 360
  // Vary saturation a little too, so ids with close hues stay apart.
  const saturation = 0.55 + ((hash >>> 9) % 25) / 100
  return darkenUntilReadable(hue, saturation, 0.45)
}

/**
 * A readable version of any `#rrggbb` colour: the colour itself (lower-cased) when it
 * already reaches the contrast, else the same hue darkened just enough. Null when the input
 * is not `#rrggbb`.
 *
 * @example
 * readableColor('#ffeb3b') // a darker yellow-brown that white text can sit on
 */
export function readableColor(color: string): string | null {
  const rgb = parseHex(color)
  if (rgb === null) return null
  const hex = toHex(rgb)
  if (contrastRatio(hex, '#ffffff') >= MIN_CONTRAST_ON_WHITE) return hex
  const [hue, saturation, lightness] = rgbToHsl(rgb)
  return darkenUntilReadable(hue, saturation, lightness)
}
