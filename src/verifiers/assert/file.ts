/** `file:` and `directory:` — existence, type, mode, owner, group, and (files) content. */
import {parseMode} from '../../config/values.js'
import type {Assertion} from '../../config/types.js'
import {expectedTexts, quote, textMatches} from '../text.js'
import {bool, defineAssertKind, describeText, id, isId, MAX_BYTES, shellQuote, str, texts, verdict, wants, type AssertKind, type Facts} from './kind.js'

const owned = {exists: bool, mode: {kind: 'mode'}, owner: id, group: id} as const

function probePath(a: Assertion, fact: (key: string) => string): string {
  return [
    `p=${shellQuote(a.target)}`,
    `${fact('type')}; if [ -d "$p" ]; then printf directory; elif [ -f "$p" ]; then printf file; elif [ -e "$p" ]; then printf other; elif [ -L "$p" ]; then printf broken-link; else printf missing; fi`,
    `if [ -e "$p" ]; then ${fact('stat')}; stat -L -c '%a %u %g %U %G' "$p" 2>&1; fi`,
    a.expect.contains !== undefined ? `if [ -f "$p" ] && [ -r "$p" ]; then ${fact('content')}; head -c ${MAX_BYTES} "$p"; fi` : '',
  ].join('\n')
}

function judgePath(a: Assertion, facts: Facts) {
  const type = facts.get('type') ?? 'missing'
  const exists = type !== 'missing' && type !== 'broken-link'
  if (!wants(a, 'exists', true)) return verdict(exists ? [`expected ${a.target} not to exist, got a ${type === 'other' ? 'special file' : type}`] : [])
  if (!exists) return verdict([`expected ${a.kind} ${a.target} to exist, got ${type === 'broken-link' ? 'a broken symbolic link' : 'no such file or directory'}`])
  if (type !== a.kind) return verdict([`expected a ${a.kind}, got a ${type === 'other' ? 'special file' : type}`])
  const problems: string[] = []
  const [mode, uid, gid, user, group] = (facts.get('stat') ?? '').trim().split(/\s+/)
  if (a.expect.mode !== undefined) {
    const want = parseMode(a.expect.mode)
    const got = /^[0-7]+$/.test(mode ?? '') ? mode.padStart(4, '0') : undefined
    if (want !== got) problems.push(`expected mode ${want}, got ${got ?? `no mode (stat said ${quote(facts.get('stat') ?? '')})`}`)
  }
  for (const [key, uidOrGid, name] of [['owner', uid, user], ['group', gid, group]] as const) {
    const want = a.expect[key]
    if (want === undefined) continue
    const matches = isId(want) ? String(want) === uidOrGid : String(want) === name
    if (!matches) problems.push(`expected ${key} ${want}, got ${name && name !== 'UNKNOWN' ? `${name} (${uidOrGid})` : (uidOrGid ?? 'unknown')}`)
  }
  const content = facts.get('content')
  for (const want of expectedTexts(a.expect.contains)) {
    if (content === undefined) problems.push(`expected content ${describeText(want)}, got an unreadable file`)
    else if (!textMatches(content, want)) problems.push(`expected content ${describeText(want)}, got ${content === '' ? 'an empty file' : quote(content)}`)
  }
  return verdict(problems)
}

export const file: AssertKind = defineAssertKind({kind: 'file', target: str, matchers: {...owned, contains: texts}, probe: probePath, judge: judgePath})

export const directory: AssertKind = defineAssertKind({kind: 'directory', target: str, matchers: owned, probe: probePath, judge: judgePath})
