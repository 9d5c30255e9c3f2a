/** `user:` and `group:` — from /etc/passwd and /etc/group. */
import type {Assertion} from '../../config/types.js'
import {expectedTexts} from '../text.js'
import {bool, defineAssertKind, parseDb, str, texts, verdict, wants, type Facts} from './kind.js'

function judgeUser(a: Assertion, facts: Facts) {
  const entry = parseDb(facts.get('passwd')).find((f) => f[0] === a.target)
  if (!wants(a, 'exists', true)) return verdict(entry ? [`expected no user ${a.target}, got uid ${entry[2]}`] : [])
  if (!entry) return verdict([`expected user ${a.target} to exist, got no such user in /etc/passwd`])
  const [, , uid, gid, , home, shell] = entry
  const problems: string[] = []
  const check = (key: string, got: string) => {
    if (a.expect[key] !== undefined && String(a.expect[key]) !== got) problems.push(`expected ${key} ${a.expect[key]}, got ${got}`)
  }
  check('uid', uid)
  check('gid', gid)
  check('home', home)
  check('shell', shell)
  const groups = parseDb(facts.get('group'))
  const memberOf = groups.filter((g) => g[2] === gid || (g[3] ?? '').split(',').includes(a.target)).map((g) => g[0])
  for (const want of expectedTexts(a.expect.groups)) {
    if (!memberOf.includes(want)) problems.push(`expected user ${a.target} in group ${want}, got groups ${memberOf.join(', ') || 'none'}`)
  }
  return verdict(problems)
}

function judgeGroup(a: Assertion, facts: Facts) {
  const entry = parseDb(facts.get('group')).find((f) => f[0] === a.target)
  if (!wants(a, 'exists', true)) return verdict(entry ? [`expected no group ${a.target}, got gid ${entry[2]}`] : [])
  if (!entry) return verdict([`expected group ${a.target} to exist, got no such group in /etc/group`])
  const problems: string[] = []
  if (a.expect.gid !== undefined && String(a.expect.gid) !== entry[2]) problems.push(`expected gid ${a.expect.gid}, got ${entry[2]}`)
  const users = parseDb(facts.get('passwd'))
  const members = [...new Set([...(entry[3] ?? '').split(',').filter(Boolean), ...users.filter((u) => u[3] === entry[2]).map((u) => u[0])])]
  for (const want of expectedTexts(a.expect.members)) {
    if (!members.includes(want)) problems.push(`expected member ${want}, got members ${members.join(', ') || 'none'}`)
  }
  return verdict(problems)
}

const accounts = () => ['passwd', 'group'] as const

export const user = defineAssertKind({
  kind: 'user',
  target: str,
  matchers: {exists: bool, uid: {kind: 'int', min: 0}, gid: {kind: 'int', min: 0}, home: str, shell: str, groups: texts},
  shared: () => [...accounts()],
  judge: judgeUser,
})

export const group = defineAssertKind({kind: 'group', target: str, matchers: {exists: bool, gid: {kind: 'int', min: 0}, members: texts}, shared: () => [...accounts()], judge: judgeGroup})
