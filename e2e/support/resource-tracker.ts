/**
 * An init script that counts what a page holds: listeners on `window` and `document`,
 * intervals, WebSockets (and their URLs). Installed before any page script runs, it lets a
 * test compare counts before and after mounting and destroying editors.
 */

/** What `window.resources()` returns. */
export interface Resources {
  listeners: number
  intervals: number
  openSockets: number
  socketUrls: string[]
}

/** Pass to `page.addInitScript`; it runs in the page, so it must be self-contained. */
export function installResourceTracker(): void {
  const listeners = new Set<string>()
  const keys = new WeakMap<object, number>()
  let nextKey = 1
  const idOf = (value: object): number => {
    const known = keys.get(value)
    if (known !== undefined) return known
    const key = nextKey++
    keys.set(value, key)
    return key
  }
  const keyOf = (
    target: EventTarget,
    type: string,
    listener: EventListenerOrEventListenerObject,
    options: boolean | EventListenerOptions | undefined,
  ): string => {
    const capture = typeof options === 'boolean' ? options : Boolean(options?.capture)
    return `${idOf(target)}:${type}:${idOf(listener)}:${capture}`
  }
  const tracked = (target: EventTarget): boolean => target === window || target === document
  const add = EventTarget.prototype.addEventListener
  const remove = EventTarget.prototype.removeEventListener
  EventTarget.prototype.addEventListener = function (type, listener, options) {
    if (tracked(this) && listener) listeners.add(keyOf(this, type, listener, options))
    return add.call(this, type, listener, options)
  }
  EventTarget.prototype.removeEventListener = function (type, listener, options) {
    if (tracked(this) && listener) listeners.delete(keyOf(this, type, listener, options))
    return remove.call(this, type, listener, options)
  }

  const intervals = new Set<number>()
  const nativeSetInterval = window.setInterval.bind(window)
  const nativeClearInterval = window.clearInterval.bind(window)
  window.setInterval = ((handler: TimerHandler, ms?: number, ...args: unknown[]) => {
    const id = nativeSetInterval(handler, ms, ...args)
    intervals.add(id)
    return id
  }) as typeof window.setInterval
  window.clearInterval = ((id?: number) => {
    if (id !== undefined) intervals.delete(id)
    nativeClearInterval(id)
  }) as typeof window.clearInterval

  const sockets: WebSocket[] = []
  const NativeWebSocket = window.WebSocket
  window.WebSocket = class extends NativeWebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols)
      sockets.push(this)
    }
  }
  ;(window as unknown as { resources: () => Resources }).resources = () => ({
    listeners: listeners.size,
    intervals: intervals.size,
    openSockets: sockets.filter((s) => s.readyState !== WebSocket.CLOSED).length,
    socketUrls: sockets.map((s) => s.url),
  })
}
