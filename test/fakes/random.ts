/** A small deterministic generator (xorshift32), so a fuzz failure names a seed that reproduces it. */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1
  return () => {
    s ^= s << 13
    s ^= s >>> 17
    s ^= s << 5
    return (s >>> 0) / 2 ** 32
  }
}

/** What a fuzzer writes into a file: values to put after a key, keys to rename one to, whole lines to insert. */
export interface Vocabulary {
  values: string[]
  keys: string[]
  lines: string[]
}

/** One mutation of a YAML text: a line cut, a value or key swapped, a line repeated or inserted, or the text cut short. */
export function mutate(text: string, random: () => number, words: Vocabulary): string {
  const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)]
  const lines = text.split('\n')
  const i = Math.floor(random() * lines.length)
  switch (Math.floor(random() * 6)) {
    case 0:
      lines.splice(i, 1)
      return lines.join('\n')
    case 1:
      lines[i] = lines[i].replace(/:\s.*$/, `: ${pick(words.values)}`)
      return lines.join('\n')
    case 2:
      lines[i] = lines[i].replace(/(\w+):/, (_m, k: string) => `${pick([k.slice(1), pick(words.keys), 'we ird/key'])}:`)
      return lines.join('\n')
    case 3:
      lines.splice(i, 0, lines[Math.floor(random() * lines.length)])
      return lines.join('\n')
    case 4:
      lines.splice(i, 0, pick(words.lines))
      return lines.join('\n')
    default:
      return text.slice(0, Math.floor(random() * text.length))
  }
}
