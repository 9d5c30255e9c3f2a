/** `process:` — running or not, and as which user, from the process table. */
import type {Assertion} from '../../config/types.js'
import {quote} from '../text.js'
import {bool, defineAssertKind, id, isId, parseDb, str, verdict, wants, type Facts} from './kind.js'
import {matchesProcess, parseProcs, type Proc} from './procs.js'

function judge(a: Assertion, facts: Facts) {
  const matching = parseProcs(facts.get('procs')).filter((p) => matchesProcess(a.target, p))
  const users = new Map(parseDb(facts.get('passwd')).map((u) => [u[2], u[0]]))
  const describe = (p: Proc) => `pid ${p.pid} ${quote(p.cmdline || p.comm, 40)}`
  if (!wants(a, 'running', true)) return verdict(matching.length ? [`expected no process ${a.target}, got ${matching.map(describe).join(', ')}`] : [])
  if (matching.length === 0) return verdict([`expected process ${a.target} running, got no such process`])
  const want = a.expect.user
  if (want !== undefined) {
    const ok = matching.some((p) => (isId(want) ? String(want) === p.uid : users.get(p.uid) === String(want)))
    if (!ok) return verdict([`expected process ${a.target} running as ${want}, got ${[...new Set(matching.map((p) => users.get(p.uid) ?? p.uid))].join(', ')}`])
  }
  return verdict([])
}

export const processKind = defineAssertKind({kind: 'process', target: str, matchers: {running: bool, user: id}, shared: () => ['procs', 'passwd'], judge})
