/** `mount:` — something mounted there, of a type, from a source, with options, from /proc/mounts. */
import type {Assertion} from '../../config/types.js'
import {expectedTexts} from '../text.js'
import {bool, defineAssertKind, str, texts, verdict, wants, type Facts} from './kind.js'

const unescapeMount = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)))

function judge(a: Assertion, facts: Facts) {
  const target = a.target.length > 1 ? a.target.replace(/\/+$/, '') : a.target
  const entries = (facts.get('mounts') ?? '').split('\n').filter(Boolean).map((l) => l.split(' ').map(unescapeMount))
  const entry = entries.filter((e) => e[1] === target).pop()
  if (!wants(a, 'mounted', true)) return verdict(entry ? [`expected nothing mounted on ${target}, got ${entry[2]} from ${entry[0]}`] : [])
  if (!entry) return verdict([`expected a mount on ${target}, got none`])
  const [source, , type, options] = entry
  const problems: string[] = []
  if (a.expect.type !== undefined && String(a.expect.type) !== type) problems.push(`expected type ${a.expect.type}, got ${type}`)
  if (a.expect.source !== undefined && String(a.expect.source) !== source) problems.push(`expected source ${a.expect.source}, got ${source}`)
  const have = (options ?? '').split(',')
  const missing = expectedTexts(a.expect.options).filter((o) => !have.includes(o))
  if (missing.length) problems.push(`expected options ${missing.join(',')}, got ${options}`)
  return verdict(problems)
}

export const mount = defineAssertKind({kind: 'mount', target: str, matchers: {mounted: bool, type: str, source: str, options: texts}, shared: () => ['mounts'], judge})
