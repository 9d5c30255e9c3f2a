/** Expected text as galley.yml writes it, for the assert verifier's matchers. */

/** `a`, `/regex/` or a list of them, as galley.yml writes expected text. */
export function expectedTexts(value: unknown): string[] {
  if (value === undefined) return []
  return (Array.isArray(value) ? value : [value]).map(String)
}

/** Whether `text` holds `expected`: a substring, or a match of `/regex/`. */
export function textMatches(text: string, expected: string): boolean {
  const re = /^\/(.+)\/$/s.exec(expected)
  return re ? new RegExp(re[1], 'm').test(text) : text.includes(expected)
}

/** A short quote of `text` for a failure message. */
export function quote(text: string, max = 60): string {
  const one = text.replace(/\s+/g, ' ').trim()
  return JSON.stringify(one.length > max ? one.slice(0, max - 1) + '…' : one)
}
