/** Instance names or regular expressions from the command line; none means all. */
import {UsageError} from '../errors.js'

export function selectInstances<T extends {name: string}>(all: T[], patterns: string[], noun = 'instance'): T[] {
  if (patterns.length === 0) return all
  const chosen = new Set<string>()
  for (const pattern of patterns) {
    const exact = all.find((i) => i.name === pattern)
    if (exact) {
      chosen.add(exact.name)
      continue
    }
    let re: RegExp
    try {
      re = new RegExp(pattern)
    } catch (error) {
      throw new UsageError(`\`${pattern}\` is neither ${noun === 'instance' ? 'an' : 'a'} ${noun} name nor a valid regular expression (${(error as Error).message.replace(/^Invalid regular expression: /, '')})`, {
        cause: error,
        hint: noun === 'instance' ? 'Run galley list to see the instance names.' : `Known ${noun}s: ${all.map((i) => i.name).join(', ')}`,
      })
    }
    const matched = all.filter((i) => re.test(i.name))
    if (matched.length === 0) {
      throw new UsageError(`no ${noun} matches \`${pattern}\``, {hint: `${noun[0].toUpperCase()}${noun.slice(1)}s: ${all.map((i) => i.name).join(', ')}`})
    }
    for (const m of matched) chosen.add(m.name)
  }
  return all.filter((i) => chosen.has(i.name))
}
