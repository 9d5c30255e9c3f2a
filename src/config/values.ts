/** The grammars of values users write, shared by galley.yml, flags and every plugin: sizes, durations, modes. */

/** Sizes as users write them: 512M, 1G, 1.5GiB, 1048576. */
export function parseSize(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return Math.floor(value)
  if (typeof value !== 'string') return undefined
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?\s*$/i.exec(value)
  if (!m) return undefined
  const exp = ' kmgt'.indexOf((m[2] || ' ').toLowerCase())
  const bytes = Math.floor(Number(m[1]) * 1024 ** exp)
  return bytes > 0 ? bytes : undefined
}

const DURATION_UNITS = {ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000} as const

/** Durations as users write them: 500ms, 30s, 2m, 1.5h, 7d, 2w, or a number of seconds; in milliseconds. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.round(value * 1000) : undefined
  if (typeof value !== 'string') return undefined
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$/.exec(value)
  if (!m) return undefined
  return Math.round(Number(m[1]) * DURATION_UNITS[(m[2] ?? 's') as keyof typeof DURATION_UNITS])
}

/** File modes as users write them: "0644", "644", 644 (YAML reads 0644 as the number 644); the octal string. */
export function parseMode(value: unknown): string | undefined {
  const text = typeof value === 'number' && Number.isInteger(value) ? String(value) : value
  if (typeof text !== 'string' || !/^0?[0-7]{3,4}$/.test(text.trim())) return undefined
  return text.trim().replace(/^0(?=[0-7]{4}$)/, '').padStart(4, '0')
}

/** A duration as users write it: 500ms, 2s, 30m, 1h30m. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`
  const parts: string[] = []
  let rest = Math.round(ms / 1000)
  for (const [unit, size] of [['h', 3600], ['m', 60], ['s', 1]] as const) {
    if (rest >= size) parts.push(`${Math.floor(rest / size)}${unit}`)
    rest %= size
  }
  return parts.join('')
}

/** A size as users write it: 512M, 1.5G. */
export function formatSize(bytes: number): string {
  for (const [unit, size] of [['G', 1024 ** 3], ['M', 1024 ** 2], ['K', 1024]] as const) {
    if (bytes >= size) return `${Number((bytes / size).toFixed(1))}${unit}`
  }
  return `${bytes}`
}
