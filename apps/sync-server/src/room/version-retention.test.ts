import { describe, expect, it } from 'vitest'
import type { VersionInfo } from '../storage/doc-store.js'
import { canSaveLabelled, versionsToPrune } from './version-retention.js'

const DAY = 86_400_000
const v = (id: number, kind: 'auto' | 'manual', createdAt = id * 1000): VersionInfo => ({
  id,
  kind,
  createdAt,
  label: kind === 'manual' ? `v${id}` : null,
  bytes: 10,
})

describe('versionsToPrune', () => {
  it('keeps the newest automatic versions and every labelled one', () => {
    const list = [v(1, 'auto'), v(2, 'manual'), v(3, 'auto'), v(4, 'auto'), v(5, 'auto')]
    expect(versionsToPrune(list, { keepAuto: 2, maxAutoAgeMs: 0, maxLabelled: 10 }, 0)).toEqual([
      1, 3,
    ])
    expect(versionsToPrune(list, { keepAuto: 10, maxAutoAgeMs: 0, maxLabelled: 10 }, 0)).toEqual([])
  })

  it('drops automatic versions past their age, but never the newest version', () => {
    const now = 100 * DAY
    const list = [v(1, 'auto', 10 * DAY), v(2, 'manual', 11 * DAY), v(3, 'auto', 95 * DAY)]
    const policy = { keepAuto: 50, maxAutoAgeMs: 30 * DAY, maxLabelled: 10 }
    expect(versionsToPrune(list, policy, now)).toEqual([1])
    const old = [v(1, 'auto', DAY), v(2, 'auto', 2 * DAY)]
    expect(versionsToPrune(old, policy, now)).toEqual([1])
  })

  it('keeps the newest version even when no automatic version may be kept', () => {
    const list = [v(1, 'auto'), v(2, 'auto')]
    expect(versionsToPrune(list, { keepAuto: 0, maxAutoAgeMs: 0, maxLabelled: 1 }, 0)).toEqual([1])
  })

  it('caps labelled versions', () => {
    const policy = { keepAuto: 5, maxAutoAgeMs: 0, maxLabelled: 2 }
    expect(canSaveLabelled([v(1, 'manual'), v(2, 'auto')], policy)).toBe(true)
    expect(canSaveLabelled([v(1, 'manual'), v(2, 'manual')], policy)).toBe(false)
  })
})
